"""The log's periodic job: integrate what is pending, then sign a head (publiclog/integrate.py)."""

from __future__ import annotations

import time

from flask import current_app

from publiclog.integrate import integrate_all, period, sign_head
from workers.runtime import job, utcnow


@job
def tick(now_iso: str | None = None) -> dict:
    """Run every `period(DAUYS_LOG_HEAD_SECONDS)` seconds; delivered twice, the second run finds
    nothing pending and no growth, and does nothing. Integration yields to signing after one period,
    so a backlog never holds back the next head."""
    every = period(current_app.config["LOG_HEAD_SECONDS"])
    started = time.monotonic()
    integrated = integrate_all(keep_going=lambda: time.monotonic() - started < every)
    head = sign_head(utcnow(now_iso))
    return {"integrated": integrated, "head": head["tree_size"] if head else None}
