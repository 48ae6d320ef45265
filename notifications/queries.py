"""Reading a user's inbox."""

from __future__ import annotations

from sqlalchemy import func, select

from extensions import db
from notifications.models import Notification


def inbox(user_id: int, limit: int = 100, offset: int = 0) -> list[Notification]:
    """The user's items, the newest first (the order is total: items of one instant by id)."""
    stmt = (
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(db.session.scalars(stmt))


def counts(user_id: int) -> tuple[int, int]:
    """How many items the user has, and how many of them are unread, in one query."""
    total, unread = db.session.execute(
        select(func.count(Notification.id), func.count(Notification.id).filter(Notification.read_at.is_(None))).where(
            Notification.user_id == user_id
        )
    ).one()
    return total, unread
