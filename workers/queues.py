"""Hands jobs to RQ when Redis is configured, or runs them in-process after commit."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from importlib import import_module
from typing import Any

from flask import Flask, current_app, has_app_context
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

log = logging.getLogger(__name__)

_inprocess = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dauys-jobs")
_futures: list[Future] = []
_futures_lock = threading.Lock()


def redis_connection(app: Flask | None = None) -> Redis | None:
    """The shared Redis client for DAUYS_REDIS_URL, or None when jobs run in-process."""
    app = app or current_app
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    conn = app.extensions.get("dauys_redis")
    if conn is None:
        # Short timeouts: a request must not hang when Redis is down; the relay retries.
        conn = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        app.extensions["dauys_redis"] = conn
    return conn


def queue(app: Flask | None = None) -> Queue | None:
    app = app or current_app
    conn = redis_connection(app)
    if conn is None:
        return None
    return Queue(app.config["QUEUE_NAME"], connection=conn)


def resolve(path: str) -> Callable[..., Any]:
    module, _, name = path.rpartition(".")
    return getattr(import_module(module), name)


def enqueue(path: str, *args: Any, job_id: str | None = None) -> None:
    """Run the job at dotted `path`: on RQ, or in this process's job thread.

    Raises RedisError when Redis is configured but unreachable; callers that run
    after a commit catch it, because the outbox relay will retry.
    """
    app = current_app._get_current_object()
    q = queue(app)
    if q is not None:
        q.enqueue(path, *args, job_id=job_id, result_ttl=600, failure_ttl=7 * 86400)
        return
    future = _inprocess.submit(_run_inprocess, app, path, args)
    with _futures_lock:
        _futures.append(future)


def _run_inprocess(app: Flask, path: str, args: tuple) -> Any:
    with app.app_context():
        try:
            return resolve(path)(*args)
        except Exception:  # a job's failure must not kill the job thread
            log.exception("in-process job %s%r failed", path, args)
            raise


def wait_for_inprocess(timeout: float = 30.0) -> None:
    """Block until every in-process job submitted so far (and those they submit) has run."""
    while True:
        with _futures_lock:
            pending = [f for f in _futures if not f.done()]
            _futures[:] = pending
        if not pending:
            return
        for future in pending:
            try:
                future.result(timeout=timeout)
            except Exception:  # noqa: BLE001 - already logged by the job thread
                pass


def dispatch_events(ids: list[int]) -> None:
    """After commit: hand fresh outbox events to the queue; on failure the relay retries."""
    if not has_app_context():
        return
    for event_id in ids:
        try:
            enqueue("workers.jobs.deliver_event", event_id, job_id=f"outbox-{event_id}")
        except RedisError as exc:
            log.warning("outbox event %s left for the relay: %s", event_id, exc)
