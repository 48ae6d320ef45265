"""Turning an outbox event into inbox items and e-mail deliveries, idempotently."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import select

from auth.models import User
from extensions import db
from notifications import links, settings
from notifications.events import AUDIENCES, KINDS
from notifications.models import EmailDelivery, Notification
from workers.outbox import OutboxEvent

# An inbox item shows this much of its text (a few lines on a phone); its link leads to the rest.
SUMMARY_CHARS = 280


def render(
    event: str, user: User, data: dict, locale: str | None = None, tie: str | None = None
) -> tuple[str, str]:
    """Subject and text of an event for one user, as its e-mail says them: in `locale` (the API's
    inbox), else the user's language (mail); its links on DAUYS_BASE_URL (notifications/links.py);
    the subject the one for the user's `tie` to it (a follower's is "a petition you follow")."""
    kind = KINDS[event]
    with force_locale(locale or user.locale or "kk"):
        subject = str(kind.subject_for(tie))
        body = render_template(
            f"email/{kind.template}.txt", user=user, data=data, page=False, external_url=links.external_url,
            **kind.context(data),
        )
    return subject, body


@dataclass(frozen=True)
class InboxEntry:
    """One item as the inbox page shows it: a title, the start of its text, the page it is about."""

    item: Notification
    title: str
    text: str
    link_text: str | None
    link_title: str | None  # user text (a petition's title): the page shows it inert, in <bdi>
    href: str | None  # a path of this site: the page is served from wherever the reader asked


def inbox_entry(item: Notification, user: User, locale: str) -> InboxEntry:
    """The page's form of an item: the e-mail's text without its footer (the address and the
    signature), cut to SUMMARY_CHARS, and the kind's link as a path (needs a request)."""
    kind = KINDS[item.event]
    context = kind.context(item.data)
    with force_locale(locale):
        text = render_template(f"email/{kind.template}.txt", user=user, data=item.data, page=True, **context)
        link = kind.link(item.data, context)
        return InboxEntry(
            item=item, title=str(kind.subject_for(item.audience)), text=summary(text),
            link_text=str(link.text) if link else None, link_title=link.title if link else None,
            href=links.page_url(link) if link else None,
        )


def summary(text: str, limit: int = SUMMARY_CHARS) -> str:
    """`text` with its blank lines closed up, cut at a word before `limit` characters (then "…")."""
    text = re.sub(r"\n\s*\n+", "\n", text.strip())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:.\n") + "…"


def fan_out(row: OutboxEvent, now: datetime) -> list[int]:
    """Create each recipient's inbox item and e-mail once; return the new deliveries' ids.

    The one rule of who hears what: the kind finds its recipients with their ties to the event
    (notifications/events.py:AUDIENCES); a person found twice (signed it and follows it) is told
    once, said as their first tie, by the most any tie asks for in their settings
    (notifications/settings.py:channel_for): nothing when "off", an inbox item, and an e-mail too
    when "email" and they gave an address.

    Existing rows are skipped, so a second run of the same event adds nothing; the
    unique constraints stop a concurrent run that slips past the check.
    """
    kind = KINDS[row.event]
    new_deliveries: list[EmailDelivery] = []
    ties: dict[int, tuple[User, list[str]]] = {}
    for tie, user in kind.recipients(row.payload, now):
        ties.setdefault(user.id, (user, []))[1].append(tie)
    chosen = settings.choices_of(ties)
    for user, its_ties in ties.values():
        channel = settings.channel_for(chosen[user.id], its_ties)
        if channel == "off":
            continue
        tie = min(its_ties, key=AUDIENCES.index)
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
                    audience=tie,
                    created_at=row.created_at or now,  # when what it tells of happened
                )
            )
        address = user.person.email
        if channel != "email" or not address:
            continue
        has_mail = db.session.scalar(
            select(EmailDelivery.id).where(
                EmailDelivery.outbox_id == row.id, EmailDelivery.user_id == user.id
            )
        )
        if not has_mail:
            subject, body = render(row.event, user, row.payload, tie=tie)
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
