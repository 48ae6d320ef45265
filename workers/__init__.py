"""Background work: the outbox, its relay to RQ, the jobs and the worker process."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire the background work into `app`: the outbox (its table, and the session hooks that hand
    committed events over) and the hourly purge of used login challenges. The clock that runs the
    periodic jobs is started by the factory, once every feature has registered its own."""
    import workers.outbox  # noqa: F401  (its table, for Alembic and create_all; its session hooks)
    from workers import schedule

    schedule.every(app, 3600, "workers.jobs.purge_auth_nonces")
