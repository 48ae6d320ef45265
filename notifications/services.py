"""Turning an outbox event into inbox items and e-mail deliveries, idempotently."""

from __future__ import annotations

from datetime import datetime

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import select

from auth.models import User
from extensions import db
from notifications.events import KINDS
from notifications.models import EmailDelivery, Notification
from workers.outbox import OutboxEvent


def render(event: str, user: User, data: dict, locale: str | None = None) -> tuple[str, str]:
    """Subject and text of an event for one user: in `locale` (a page), else the user's language (mail)."""
    kind = KINDS[event]
    with force_locale(locale or user.locale or "kk"):
        subject = str(kind.subject)
        body = render_template(f"email/{kind.template}.txt", user=user, data=data, **kind.context(data))
    return subject, body


def fan_out(row: OutboxEvent, now: datetime) -> list[int]:
    """Create each recipient's inbox item and e-mail once; return the new deliveries' ids.

    Existing rows are skipped, so a second run of the same event adds nothing; the
    unique constraints stop a concurrent run that slips past the check.
    """
    kind = KINDS[row.event]
    new_deliveries: list[EmailDelivery] = []
    seen: set[int] = set()
    for user in kind.recipients(row.payload, now):
        if user.id in seen:
            continue
        seen.add(user.id)
        has_item = db.session.scalar(
            select(Notification.id).where(
                Notification.outbox_id == row.id, Notification.user_id == user.id
            )
        )
        if not has_item:
            db.session.add(
                Notification(
                    user_id=user.id,
                    outbox_id=row.id,
                    event=row.event,
                    petition_id=row.payload.get("petition_id"),
                    cycle_id=row.payload.get("cycle_id"),
                    data=row.payload,
                    created_at=now,
                )
            )
        address = user.person.email
        has_mail = db.session.scalar(
            select(EmailDelivery.id).where(
                EmailDelivery.outbox_id == row.id, EmailDelivery.user_id == user.id
            )
        )
        if address and not has_mail:
            subject, body = render(row.event, user, row.payload)
            delivery = EmailDelivery(
                outbox_id=row.id,
                user_id=user.id,
                to_addr=address,
                subject=subject,
                body=body,
                state="pending",
                attempts=0,
                next_attempt_at=now,
            )
            db.session.add(delivery)
            new_deliveries.append(delivery)
    db.session.flush()
    return [d.id for d in new_deliveries]
