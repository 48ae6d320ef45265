"""The clock: relays the outbox every second and enqueues the periodic jobs on time."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from flask import Flask
from redis.exceptions import RedisError
from sqlalchemy.exc import OperationalError

from workers import queues, runtime, schedule

log = logging.getLogger(__name__)


class Clock:
    """Keeps track of when each periodic job last ran; `tick` does what is due now."""

    def __init__(self, app: Flask):
        self.app = app
        self.last_run: dict[str, float] = {}

    def tick(self, monotonic_now: float) -> None:
        with self.app.app_context():
            from workers.jobs import relay

            try:
                relay()
                for path, interval in schedule.periodic(self.app):
                    if monotonic_now - self.last_run.get(path, -1e12) >= interval:
                        queues.enqueue(path)
                        self.last_run[path] = monotonic_now
            except (RedisError, OperationalError) as exc:
                # Redis or the database is away: nothing is lost, the next tick retries.
                log.warning("clock tick postponed: %s", exc)
                from extensions import db

                db.session.rollback()


def run_forever(app: Flask, parent_pid: int | None = None, stop: threading.Event | None = None) -> None:
    """Tick every RELAY_INTERVAL_SECONDS until stopped or the parent process is gone."""
    clock = Clock(app)
    stop = stop or threading.Event()
    while not stop.is_set():
        if parent_pid is not None and os.getppid() != parent_pid:
            log.info("worker process gone; clock stops")
            return
        clock.tick(time.monotonic())
        stop.wait(schedule.RELAY_INTERVAL_SECONDS)


def clock_process(parent_pid: int, make_app: Callable[[], Flask]) -> None:
    """Entry point of the worker's clock child process (importable, so `spawn` can find it);
    `make_app` is the application factory, passed in by the worker (pickled by reference).

    SIGTERM and SIGINT end it at once, mid-tick too: a tick holds no work — the relay's
    hand-overs are idempotent and its bookkeeping one transaction, which the database rolls back.
    """
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, signal.SIG_DFL)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    run_forever(runtime.use_app(make_app()), parent_pid=parent_pid)


def start_inprocess(app: Flask) -> threading.Event:
    """Run the clock in a daemon thread of this process (the demo server, no Redis)."""
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(app, None, stop), daemon=True, name="dauys-clock")
    thread.start()
    log.info("in-process clock started at %s", datetime.now(UTC).isoformat())
    return stop
