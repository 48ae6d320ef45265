"""The load client of `make bench`: asyncio, raw HTTP/1.1 on keep-alive connections.

Why not wrk: the run must send each of 50,000 pre-signed bodies exactly once and time each one,
and wrk's main thread sleeps out its whole `-d` even when every Lua thread has stopped, so its
duration (and so its rate) would include an idle tail. A plain asyncio client that writes
pre-encoded requests and parses only the status line and Content-Length costs a few tens of
microseconds of CPU a request, a few percent of a core at the rates measured here, and gives
exact per-request latencies and statuses.

    python bench/loadgen.py --url http://127.0.0.1:8000/api/v1/petitions/1/signatures --bodies FILE
    python bench/loadgen.py --url http://127.0.0.1:8000/api/v1/petitions/1/count --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from urllib.parse import urlsplit


def _request(method: str, host: str, path: str, body: bytes | None) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: keep-alive\r\n"
    if body is None:
        return (head + "\r\n").encode()
    head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """The status, and whether the server closes the connection after this response."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    status = int(status_line.split(b" ", 2)[1])
    length, close = 0, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name = line[:16].lower()
        if name.startswith(b"content-length:"):
            length = int(line[15:])
        elif name.startswith(b"connection:"):
            close = b"close" in line.lower()
    if length:
        await reader.readexactly(length)
    return status, close


async def _connection(url, requests, latencies: list[float], statuses: Counter, errors: Counter) -> None:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        for request in requests:
            start = time.perf_counter()
            for attempt in (1, 2):
                try:
                    writer.write(request)
                    status, close = await _read_response(reader)
                    if close:  # a server without keep-alive (gunicorn's sync worker): a new connection
                        writer.close()
                        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
                    break
                except (ConnectionError, asyncio.IncompleteReadError) as error:
                    # the server closed a keep-alive connection: reconnect and send the same body once more
                    errors[type(error).__name__] += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
                    if attempt == 2:
                        raise
            latencies.append(time.perf_counter() - start)
            statuses[status] += 1
    finally:
        writer.close()


async def _run(url: str, connections: int, bodies: list[bytes] | None, seconds: float) -> dict:
    parts = urlsplit(url)
    host, path = parts.netloc, parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[float] = []
    statuses: Counter = Counter()
    errors: Counter = Counter()
    if bodies is not None:
        encoded = [_request("POST", host, path, b) for b in bodies]
        slices = [encoded[i::connections] for i in range(connections)]
    else:
        get = _request("GET", host, path, None)
        deadline = time.perf_counter() + seconds

        def until_deadline():
            while time.perf_counter() < deadline:
                yield get

        slices = [until_deadline() for _ in range(connections)]
    start = time.perf_counter()
    await asyncio.gather(*(_connection(url, s, latencies, statuses, errors) for s in slices))
    elapsed = time.perf_counter() - start
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000 if latencies else 0.0

    return {
        "requests": len(latencies), "seconds": elapsed, "rps": len(latencies) / elapsed,
        "p50_ms": pct(50), "p99_ms": pct(99), "max_ms": latencies[-1] * 1000 if latencies else 0.0,
        "statuses": {str(k): v for k, v in sorted(statuses.items())}, "reconnects": dict(errors),
    }


def run(url: str, connections: int, bodies: list[bytes] | None = None, seconds: float = 10) -> dict:
    return asyncio.run(_run(url, connections, bodies, seconds))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--bodies", help="a file of request bodies, one per line, each POSTed once")
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    lines = None
    if args.bodies:
        with open(args.bodies, "rb") as handle:
            lines = [line.rstrip(b"\n") for line in handle if line.strip()]
    print(json.dumps(run(args.url, args.connections, lines, args.seconds)))
