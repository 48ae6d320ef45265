"""Kazakhstan's time zone and the Kazakhstan date of an instant: deadlines and ages are counted in it."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

KAZAKHSTAN = ZoneInfo("Asia/Almaty")  # one time zone, UTC+5, since March 2024


def local_date(now: datetime) -> date:
    """The calendar day in Kazakhstan at `now`: deadlines and ages are counted in it."""
    return now.astimezone(KAZAKHSTAN).date()
