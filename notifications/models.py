"""Inbox items and e-mail deliveries; unique per event and recipient, so delivery happens once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from extensions import UtcDateTime, db


class Notification(db.Model):
    """One item of a user's in-app inbox."""

    __tablename__ = "notification"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox_event.id"))
    event: Mapped[str] = mapped_column(String(60))
    petition_id: Mapped[int | None] = mapped_column(Integer)
    cycle_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    # why the user hears of it (notifications/events.py:AUDIENCES): the first of their ties to it
    audience: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("outbox_id", "user_id", name="uq_notification_event_user"),)


class NotificationSetting(db.Model):
    """How one person wants to hear of one group of events (notifications/settings.py); no row: the
    default, which is what everybody got before there were settings."""

    __tablename__ = "notification_setting"
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    audience: Mapped[str] = mapped_column(String(20), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))

    __table_args__ = (CheckConstraint("channel IN ('email','inbox','off')", name="channel"),)


class EmailDelivery(db.Model):
    """An e-mail to send: claimed before sending, retried on transient failures."""

    __tablename__ = "email_delivery"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox_event.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    to_addr: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (
        UniqueConstraint("outbox_id", "user_id", name="uq_email_delivery_event_user"),
        CheckConstraint("state IN ('pending','sending','sent','failed')", name="state"),
    )

    @property
    def message_id(self) -> str:
        # Stable across retries, so a receiving server can drop a duplicate.
        return f"<delivery-{self.id}@dauys.kz>"
