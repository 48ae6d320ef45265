"""The periodic jobs and how often they run; used by the worker's clock and the demo server.

Each feature adds its own from its init_app (`every`), on the app it is wiring. The clock reads
the app it ticks for, and every process that ticks makes that app with the factory: `python -m
workers` and its clock child (each its own create_app), the in-process clock of the demo server (the
web app's) — so all of them run the same list, the one the features registered.
"""

from __future__ import annotations

from flask import Flask

RELAY_INTERVAL_SECONDS = 1.0

_KEY = "dauys.periodic_jobs"


def every(app: Flask, seconds: int, path: str) -> None:
    """Run the job at dotted `path` every `seconds` (the first time on the clock's first tick)."""
    jobs: dict[str, int] = app.extensions.setdefault(_KEY, {})
    if path in jobs:
        raise ValueError(f"periodic job {path} is registered twice")
    jobs[path] = seconds


def periodic(app: Flask) -> tuple[tuple[str, int], ...]:
    """(dotted path, interval in seconds) of every periodic job of `app`, in the order registered."""
    return tuple(app.extensions.get(_KEY, {}).items())
