"""What each outbox event means to its recipients: who they are and what they are told.

Feature packages register their kinds here (see petitions/notifications.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l

from auth.models import User
from extensions import db


@dataclass(frozen=True)
class EventKind:
    """How to fan out one kind of event."""

    recipients: Callable[[dict, datetime], list[User]]  # (payload, now): an account made for one is made at `now`
    subject: object  # a lazy string, rendered in the recipient's language
    template: str  # templates/email/<template>.txt, also the inbox text
    context: Callable[[dict], dict] = field(default=lambda payload: {})


def the_user(payload: dict, _now: datetime) -> list[User]:
    user = db.session.get(User, payload["user_id"])
    return [user] if user else []


KINDS: dict[str, EventKind] = {
    "account.welcome": EventKind(recipients=the_user, subject=_l("Welcome to Dauys"), template="welcome"),
}


def register(name: str, kind: EventKind) -> None:
    KINDS[name] = kind
