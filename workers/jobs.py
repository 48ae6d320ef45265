"""The jobs: short, idempotent, each acting on rows that record whether it already acted."""

from __future__ import annotations

import logging
from datetime import timedelta

from redis.exceptions import RedisError
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from auth.models import AuthNonce
from extensions import db
from notifications import mail
from notifications.models import EmailDelivery
from notifications.services import fan_out
from workers import outbox, queues
from workers.runtime import config, job, utcnow

log = logging.getLogger(__name__)


@job
def deliver_event(event_id: int, now_iso: str | None = None) -> str:
    """Fan an outbox event out to inbox items and e-mails; a second run does nothing."""
    now = utcnow(now_iso)
    # FOR UPDATE serialises two runs of the same event on PostgreSQL; SQLite locks the file.
    row = db.session.get(outbox.OutboxEvent, event_id, with_for_update=True)
    if row is None:
        return "missing"
    if row.processed_at is not None:
        db.session.rollback()
        return "already processed"
    try:
        deliveries = fan_out(row, now)
        row.processed_at = now
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # a concurrent run made the rows first
        return "raced"
    for delivery_id in deliveries:
        _enqueue_quietly("workers.jobs.send_email", delivery_id)
    return f"delivered to {len(deliveries)} mailbox(es)"


@job
def send_email(delivery_id: int, now_iso: str | None = None) -> str:
    """Send one e-mail once: claim it, send, record the outcome."""
    now = utcnow(now_iso)
    lease = timedelta(seconds=config("EMAIL_LEASE_SECONDS"))
    claimed = db.session.execute(
        update(EmailDelivery)
        .where(
            EmailDelivery.id == delivery_id,
            EmailDelivery.next_attempt_at <= now,
            or_(
                EmailDelivery.state == "pending",
                and_(EmailDelivery.state == "sending", EmailDelivery.claimed_at <= now - lease),
            ),
        )
        .values(state="sending", claimed_at=now, attempts=EmailDelivery.attempts + 1)
    ).rowcount
    db.session.commit()
    if not claimed:
        return "not due or already handled"
    delivery = db.session.get(EmailDelivery, delivery_id)
    try:
        mail.send(
            server=config("MAIL_SERVER"),
            port=config("MAIL_PORT"),
            sender=config("MAIL_SENDER"),
            to_addr=delivery.to_addr,
            subject=delivery.subject,
            body=delivery.body,
            message_id=delivery.message_id,
            timeout=config("MAIL_TIMEOUT_SECONDS"),
        )
    except mail.TransientMailError as exc:
        if delivery.attempts >= config("MAIL_MAX_ATTEMPTS"):
            delivery.state = "failed"
        else:
            delivery.state = "pending"
            # 1, 2, 4, 8 … minutes between tries.
            delivery.next_attempt_at = now + timedelta(minutes=2 ** (delivery.attempts - 1))
        delivery.last_error = str(exc)[:500]
        db.session.commit()
        return f"transient failure: {exc}"
    except mail.PermanentMailError as exc:
        delivery.state = "failed"
        delivery.last_error = str(exc)[:500]
        db.session.commit()
        return f"permanent failure: {exc}"
    delivery.state = "sent"
    delivery.sent_at = now
    delivery.last_error = None
    db.session.commit()
    return "sent"


@job
def relay(now_iso: str | None = None) -> int:
    """Hand over outbox events and e-mails that are due and not yet done; returns how many."""
    now = utcnow(now_iso)
    grace = timedelta(seconds=2)
    lease = timedelta(seconds=config("OUTBOX_LEASE_SECONDS"))
    event_ids = outbox.due_for_relay(now, grace, lease)
    mail_lease = timedelta(seconds=config("EMAIL_LEASE_SECONDS"))
    mail_ids = list(
        db.session.scalars(
            select(EmailDelivery.id)
            .where(
                EmailDelivery.next_attempt_at <= now - grace,
                or_(
                    EmailDelivery.state == "pending",
                    and_(
                        EmailDelivery.state == "sending",
                        EmailDelivery.claimed_at <= now - mail_lease,
                    ),
                ),
            )
            .limit(500)
        )
    )
    handed = 0
    for event_id in event_ids:
        queues.enqueue("workers.jobs.deliver_event", event_id, job_id=f"outbox-{event_id}")
        db.session.execute(
            update(outbox.OutboxEvent)
            .where(outbox.OutboxEvent.id == event_id)
            .values(relayed_at=now)
        )
        handed += 1
    db.session.commit()
    for delivery_id in mail_ids:
        queues.enqueue("workers.jobs.send_email", delivery_id)
        handed += 1
    return handed


@job
def purge_auth_nonces(now_iso: str | None = None) -> int:
    """Delete login challenges a day past their expiry; running it twice deletes nothing more."""
    now = utcnow(now_iso)
    deleted = db.session.execute(
        delete(AuthNonce).where(AuthNonce.expires_at < now - timedelta(days=1))
    ).rowcount
    db.session.commit()
    return deleted


def _enqueue_quietly(path: str, *args: object) -> None:
    try:
        queues.enqueue(path, *args)
    except RedisError as exc:
        log.warning("%s%r left for the relay: %s", path, args, exc)
