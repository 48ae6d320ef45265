"""The bench's load client (bench/loadgen.py) retries as a client of the front must: a 503 after its
Retry-After, a connection broken mid-request with the same body; and it counts both, so the node-kill
books of `make bench` can tell accepted-on-retry from accepted-first-time."""

from __future__ import annotations

import asyncio
import concurrent.futures
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import loadgen  # noqa: E402


class FlakyServer:
    """Body b"a": 503 first, then 201. b"b": the connection dropped first, then 409 already_signed
    (as when the dead node had recorded it). Anything else: 201."""

    def __init__(self):
        self.seen: dict[bytes, int] = {}
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()

        def serve():
            asyncio.set_event_loop(self.loop)
            self.server = self.loop.run_until_complete(asyncio.start_server(self.handle, "127.0.0.1", 0))
            self.port = self.server.sockets[0].getsockname()[1]
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()
        ready.wait(5)

    async def handle(self, reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                body = await reader.readexactly(length)
                self.seen[body] = self.seen.get(body, 0) + 1
                first = self.seen[body] == 1
                if body == b"a" and first:
                    answer = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n"
                elif body == b"b" and first:
                    writer.close()
                    return
                elif body == b"b":
                    text = b'{"error": {"code": "already_signed"}}'
                    answer = b"HTTP/1.1 409 Conflict\r\nContent-Length: %d\r\n\r\n%s" % (len(text), text)
                else:
                    answer = b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}"
                writer.write(answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    def close(self):
        async def shutdown():
            self.server.close()
            handlers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in handlers:
                task.cancel()
            await asyncio.gather(*handlers, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


def test_a_retryable_failure_is_retried_with_the_same_body_and_counted():
    server = FlakyServer()
    try:
        # loadgen.run makes its own event loop (asyncio.run): call it on a thread where none runs, as a
        # browser test earlier in this worker process leaves Playwright's loop running on the main thread
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            result = pool.submit(loadgen.run, f"http://127.0.0.1:{server.port}/x", 2, [b"a", b"b", b"c", b"d"]).result(60)
    finally:
        server.close()
    assert result["requests"] == 4
    assert result["statuses"] == {"201": 3, "409 already_signed": 1}
    assert result["retried"] == {"201": 1, "409 already_signed": 1}
    assert result["reconnects"]["http 503"] == 1 and sum(result["reconnects"].values()) == 2
    assert server.seen == {b"a": 2, b"b": 2, b"c": 1, b"d": 1}
