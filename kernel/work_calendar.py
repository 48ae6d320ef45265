"""The working-day calendar in force: the transfers an admin entered, on top of the `holidays` package's."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, String, select
from sqlalchemy.orm import Mapped, mapped_column

from extensions import UtcDateTime, db
from kernel.working_days import WorkCalendar


class CalendarTransfer(db.Model):
    """A day the government declared working or non-working beyond the `holidays` package."""

    __tablename__ = "calendar_transfer"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


def load_work_calendar() -> WorkCalendar:
    """The working-day calendar in force: the package's, with every transfer an admin entered."""
    rows = db.session.execute(select(CalendarTransfer.day, CalendarTransfer.working)).all()
    return WorkCalendar(
        extra_days_off=frozenset(day for day, working in rows if not working),
        extra_working_days=frozenset(day for day, working in rows if working),
    )


def transfers() -> list[CalendarTransfer]:
    """Every transfer an admin entered, by day."""
    return list(db.session.scalars(select(CalendarTransfer).order_by(CalendarTransfer.day)))
