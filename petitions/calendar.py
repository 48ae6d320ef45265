"""The admin's changes to the working-day calendar: declare a transfer, remove one (both audited)."""

from __future__ import annotations

from datetime import date, datetime

from audit import services as audit
from extensions import db
from kernel import instants
from kernel.errors import DomainError
from kernel.work_calendar import CalendarTransfer


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


def remove_transfer(day: date, now: datetime, actor=None) -> bool:
    row = db.session.get(CalendarTransfer, day)
    if row is None:
        return False
    db.session.delete(row)
    audit.record("calendar.remove_transfer", actor, "day", day.isoformat(), now)
    return True
