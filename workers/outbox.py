"""The outbox: events written in the same transaction as the change they report."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import JSON, Integer, String, event, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from extensions import UtcDateTime, db


class OutboxEvent(db.Model):
    """Something happened that someone must be told about; delivered by a job, once."""

    __tablename__ = "outbox_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    relayed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)


def record(name: str, now: datetime, **payload: object) -> OutboxEvent:
    """Add an event to the current transaction; it is dispatched only if the transaction commits."""
    row = OutboxEvent(event=name, payload=payload, created_at=now)
    db.session.add(row)
    return row


def due_for_relay(now: datetime, grace: timedelta, lease: timedelta) -> list[int]:
    """Events not yet processed whose last hand-over to the queue is older than the lease.

    The grace period leaves fresh events to the after-commit dispatch, so the relay
    does not enqueue every event twice.
    """
    stmt = (
        select(OutboxEvent.id)
        .where(
            OutboxEvent.processed_at.is_(None),
            OutboxEvent.created_at <= now - grace,
            or_(OutboxEvent.relayed_at.is_(None), OutboxEvent.relayed_at <= now - lease),
        )
        .order_by(OutboxEvent.id)
        .limit(500)
    )
    return list(db.session.scalars(stmt))


# After a flush, remember the ids of new outbox rows; after the commit, hand them over.
_PENDING = "dauys_outbox_pending"


@event.listens_for(Session, "after_flush")
def _collect_new_events(session: Session, _flush_context: object) -> None:
    new_ids = [obj.id for obj in session.new if isinstance(obj, OutboxEvent)]
    if new_ids:
        session.info.setdefault(_PENDING, []).extend(new_ids)


@event.listens_for(Session, "after_commit")
def _dispatch_committed(session: Session) -> None:
    ids = session.info.pop(_PENDING, None)
    if ids:
        from workers import queues  # late: queues imports the app runtime

        queues.dispatch_events(ids)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)
