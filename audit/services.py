"""Recording official actions. Called inside the action's own transaction: the entry and the
action commit together or not at all. Never an IIN: people are named as the platform shows them."""

from __future__ import annotations

from datetime import datetime

from flask import has_request_context
from flask_limiter.util import get_remote_address
from sqlalchemy import func, select

from audit.models import AuditEntry
from extensions import db

# The actions the log knows, in the order its page lists them: each feature registers its own from
# its init_app (`register_actions`). Process-wide, as the code that records one names no app; every
# app registers the same, so a second registration adds nothing.
ACTIONS: tuple[str, ...] = ()


def register_actions(*names: str) -> None:
    """Let `record` accept these actions, listed after those already known."""
    global ACTIONS
    ACTIONS = (*ACTIONS, *(name for name in dict.fromkeys(names) if name not in ACTIONS))


def person_label(given_name: str, surname: str) -> str:
    """How the log names a person: given name and surname, never the IIN."""
    return f"{given_name} {surname}"


def actor_label(user) -> str:
    if user is None:
        return "operator (command line)"
    person = user.person
    return person_label(person.given_name, person.surname)


def record(action: str, actor, subject_type: str, subject_id: object, now: datetime, **details: object) -> AuditEntry:
    assert action in ACTIONS, action
    entry = AuditEntry(
        at=now,
        actor_user_id=getattr(actor, "id", None),
        actor=actor_label(actor),
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        details=details,
        origin=get_remote_address() if has_request_context() else "cli",
    )
    db.session.add(entry)
    return entry


def entries(action: str | None = None, page: int = 1, per_page: int = 50) -> tuple[list[AuditEntry], int]:
    query = select(AuditEntry)
    counted = select(func.count(AuditEntry.id))
    if action:
        query, counted = query.where(AuditEntry.action == action), counted.where(AuditEntry.action == action)
    total = db.session.scalar(counted)
    # a page past the last is the last: an offset beyond any the database can hold is never asked for
    page = min(max(page, 1), max(1, -(-total // per_page)))
    rows = db.session.scalars(query.order_by(AuditEntry.id.desc()).limit(per_page).offset((page - 1) * per_page))
    return list(rows), total
