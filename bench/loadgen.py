"""The load client of `make bench`: asyncio, raw HTTP/1.1 on keep-alive connections.

Why not wrk: the run must send each of 50,000 pre-signed bodies exactly once and time each one,
and wrk's main thread sleeps out its whole `-d` even when every Lua thread has stopped, so its
duration (and so its rate) would include an idle tail. A plain asyncio client that writes
pre-encoded requests and parses only the status line and Content-Length costs a few tens of
microseconds of CPU a request, a few percent of a core at the rates measured here, and gives
exact per-request latencies and statuses. A request answered 502, 503 or 504, or whose connection
broke, is sent again as a client would (Retry-After honoured up to half a second) and counted:
`reconnects` (each failure), `retried` (final answers of the requests that needed more than one
attempt); a 409 whose code is `already_signed` is told apart ("409 already_signed").

    python bench/loadgen.py --url http://127.0.0.1:8000/api/v1/petitions/1/signatures --bodies FILE
    python bench/loadgen.py --url http://127.0.0.1:8000/api/v1/petitions/1/count --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable
from urllib.parse import urlsplit


def _request(method: str, host: str, path: str, body: bytes | None) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: keep-alive\r\n"
    if body is None:
        return (head + "\r\n").encode()
    head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool, float | None, bytes]:
    """The status, whether the server closes the connection after this response, its Retry-After
    (seconds) and, for a 409, the body (to tell `already_signed` from other conflicts)."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    status = int(status_line.split(b" ", 2)[1])
    length, close, retry_after = 0, False, None
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name = line[:16].lower()
        if name.startswith(b"content-length:"):
            length = int(line[15:])
        elif name.startswith(b"connection:"):
            close = b"close" in line.lower()
        elif name.startswith(b"retry-after:"):
            try:
                retry_after = float(line[12:])
            except ValueError:
                retry_after = 1.0
    body = await reader.readexactly(length) if length else b""
    return status, close, retry_after, body if status == 409 else b""


RETRYABLE = {502, 503, 504}
MAX_ATTEMPTS = 20
RETRY_WAIT_CAP = 0.5  # seconds: Retry-After is honoured up to this, so a bench run does not idle


def _status_key(status: int, body: bytes) -> str:
    if status == 409 and b"already_signed" in body:
        return "409 already_signed"
    return str(status)


async def _connection(url, requests, latencies: list[float], statuses: Counter, errors: Counter,
                      retried: Counter) -> None:
    """Send each request, once unless it fails retryably: a 502/503/504 (after its Retry-After,
    capped) or a broken connection is retried with the same body, as a client would, and counted."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        for request in requests:
            start = time.perf_counter()
            attempts = 0
            while True:
                attempts += 1
                try:
                    writer.write(request)
                    status, close, retry_after, body = await _read_response(reader)
                    if close:  # a server without keep-alive (gunicorn's sync worker): a new connection
                        writer.close()
                        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
                except (ConnectionError, asyncio.IncompleteReadError) as error:
                    # the connection broke: reconnect and send the same body again
                    errors[type(error).__name__] += 1
                    writer.close()
                    if attempts >= MAX_ATTEMPTS:
                        raise
                    await asyncio.sleep(0.05)
                    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
                    continue
                if status in RETRYABLE and attempts < MAX_ATTEMPTS:
                    errors[f"http {status}"] += 1
                    await asyncio.sleep(min(retry_after or 0.1, RETRY_WAIT_CAP))
                    continue
                break
            latencies.append(time.perf_counter() - start)
            key = _status_key(status, body)
            statuses[key] += 1
            if attempts > 1:
                retried[key] += 1
    finally:
        writer.close()


async def _run(url: str, connections: int, bodies: list[bytes] | None, seconds: float,
               at: tuple[int, Callable[[], object]] | None = None) -> dict:
    parts = urlsplit(url)
    host, path = parts.netloc, parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[float] = []
    statuses: Counter = Counter()
    errors: Counter = Counter()
    retried: Counter = Counter()
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
    event: dict = {}

    async def watch(after: int, action: Callable[[], object]) -> None:
        """Run `action` (in a thread: the load goes on meanwhile) once `after` requests are answered."""
        while len(latencies) < after:
            await asyncio.sleep(0.005)
        event["at_request"] = len(latencies)
        event["result"] = await asyncio.to_thread(action)

    start = time.perf_counter()
    tasks = [_connection(url, s, latencies, statuses, errors, retried) for s in slices]
    watcher = asyncio.ensure_future(watch(*at)) if at else None
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    if watcher is not None:
        await watcher
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000 if latencies else 0.0

    return {
        "requests": len(latencies), "seconds": elapsed, "rps": len(latencies) / elapsed,
        "p50_ms": pct(50), "p99_ms": pct(99), "max_ms": latencies[-1] * 1000 if latencies else 0.0,
        "statuses": {str(k): v for k, v in sorted(statuses.items())}, "reconnects": dict(errors),
        "retried": dict(retried), "event": event,
    }


def run(url: str, connections: int, bodies: list[bytes] | None = None, seconds: float = 10,
        at: tuple[int, Callable[[], object]] | None = None) -> dict:
    """`at` = (n, action): call action() in a thread once n requests are answered (the node kill)."""
    return asyncio.run(_run(url, connections, bodies, seconds, at))


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
