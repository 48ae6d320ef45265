"""`python -m workers`: an RQ worker with its scheduler, plus the outbox clock beside it."""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import time

from redis.exceptions import ConnectionError as RedisConnectionError
from rq import Worker

from workers.clock import clock_process

log = logging.getLogger("workers")
RETRY_SECONDS = 2


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    from workers import queues
    from workers.runtime import worker_app

    app = worker_app()
    q = queues.queue(app)
    if q is None:
        print("DAUYS_REDIS_URL is not set: jobs run in-process in the web app; no worker needed.")
        return 2
    # The clock gets a fresh interpreter (spawn): forking a process that holds
    # database and Redis connections would share them.
    clock = multiprocessing.get_context("spawn").Process(
        target=clock_process, args=(os.getpid(),), name="dauys-clock", daemon=True
    )
    clock.start()
    try:
        while True:
            try:
                worker = Worker([q], connection=q.connection)
                worker.work(with_scheduler=True)
                return 0
            except RedisConnectionError as exc:
                # Redis is away (restart, outage): wait and work on. Nothing is lost meanwhile —
                # events wait in the outbox and the clock relays them once Redis is back.
                log.warning("Redis unreachable (%s); the worker retries in %s s", exc, RETRY_SECONDS)
                time.sleep(RETRY_SECONDS)
    finally:
        clock.terminate()


if __name__ == "__main__":
    sys.exit(main())
