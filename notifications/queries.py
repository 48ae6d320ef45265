"""Reading a user's inbox."""

from __future__ import annotations

from sqlalchemy import select

from extensions import db
from notifications.models import Notification


def inbox(user_id: int, limit: int = 100) -> list[Notification]:
    stmt = (
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
