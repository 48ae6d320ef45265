"""The working-day calendar in force, and the Kazakhstan date of an instant."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

import instants
from audit import services as audit
from errors import DomainError
from extensions import db
from petitions.deadlines import WorkCalendar
from petitions.models import CalendarTransfer

KAZAKHSTAN = ZoneInfo("Asia/Almaty")  # one time zone, UTC+5, since March 2024


def local_date(now: datetime) -> date:
    """The calendar day in Kazakhstan at `now`: deadlines and ages are counted in it."""
    return now.astimezone(KAZAKHSTAN).date()


def load_work_calendar() -> WorkCalendar:
    rows = db.session.execute(select(CalendarTransfer.day, CalendarTransfer.working)).all()
    return WorkCalendar(
        extra_days_off=frozenset(day for day, working in rows if not working),
        extra_working_days=frozenset(day for day, working in rows if working),
    )


def set_transfer(day: date, working: bool, note: str, now: datetime, actor=None) -> CalendarTransfer:
    """Declare `day` working or non-working (a government transfer the package lacks)."""
    fields: dict[str, str] = {}
    if not instants.in_years(day):
        fields["day"] = instants.YEARS_TEXT
    if not note.strip():
        fields["note"] = "name the decree or reason"
    if fields:
        raise DomainError("validation_error", fields=fields)
    row = db.session.get(CalendarTransfer, day)
    if row is None:
        row = CalendarTransfer(day=day, created_at=now)
        db.session.add(row)
    row.working = working
    row.note = note.strip()[:300]
    audit.record("calendar.transfer", actor, "day", day.isoformat(), now, working=working, note=row.note)
    return row


def remove_transfer(day: date, now: datetime | None = None, actor=None) -> bool:
    row = db.session.get(CalendarTransfer, day)
    if row is None:
        return False
    db.session.delete(row)
    audit.record("calendar.remove_transfer", actor, "day", day.isoformat(), now or datetime.now(UTC))
    return True


def transfers() -> list[CalendarTransfer]:
    return list(db.session.scalars(select(CalendarTransfer).order_by(CalendarTransfer.day)))
