"""Petition rows. For now: the working-day transfers an admin adds to the official calendar."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from extensions import UtcDateTime, db


class CalendarTransfer(db.Model):
    """A day the government declared working or non-working beyond the `holidays` package."""

    __tablename__ = "calendar_transfer"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
