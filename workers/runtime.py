"""Gives every job an application context, in a worker process or the in-process job thread.

The app is handed in by whoever starts the process (`python -m workers`, the clock's child): this
module never makes one, so the jobs that import it do not depend on the factory that imports them.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import Flask, current_app, has_app_context

F = TypeVar("F", bound=Callable[..., Any])
_app: Flask | None = None


def use_app(app: Flask) -> Flask:
    """Make `app` the one this process's jobs run in when no app context is pushed: the worker's,
    bound before RQ forks, so work horses inherit it. Returns it."""
    global _app
    _app = app
    return app


def job(fn: F) -> F:
    """Run `fn` inside an app context with a database connection of this process's own."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if has_app_context():
            return fn(*args, **kwargs)
        app = _app
        if app is None:
            raise RuntimeError("no app bound for jobs in this process: start the worker with `python -m workers`")
        with app.app_context():
            from extensions import db

            # A forked work horse must not reuse the parent's pooled connections.
            if app.extensions.get("dauys_pid") != os.getpid():
                db.engine.dispose(close=False)
                app.extensions["dauys_pid"] = os.getpid()
            try:
                return fn(*args, **kwargs)
            finally:
                db.session.remove()

    return wrapper  # type: ignore[return-value]


def utcnow(now_iso: str | None = None) -> datetime:
    """The job's clock: now, or the instant a test pinned."""
    if now_iso:
        return datetime.fromisoformat(now_iso)
    return datetime.now(UTC)


def config(key: str) -> Any:
    return current_app.config[key]
