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
class Link:
    """The page of this site an item is about: an endpoint and its values (never an address, which
    notifications/links.py makes: the request's on a page, DAUYS_BASE_URL in an e-mail), what the
    link says (`text`, ours) and the user text it names (`title`, a petition's: shown inert)."""

    text: str
    endpoint: str
    values: dict = field(default_factory=dict)
    title: str | None = None
    anchor: str | None = None


def no_link(_payload: dict, _context: dict) -> Link | None:
    return None


@dataclass(frozen=True)
class EventKind:
    """How to fan out one kind of event."""

    recipients: Callable[[dict, datetime], list[User]]  # (payload, now): an account made for one is made at `now`
    subject: object  # a lazy string, rendered in the recipient's language
    template: str  # templates/email/<template>.txt, also the inbox text
    context: Callable[[dict], dict] = field(default=lambda payload: {})
    # (payload, context) -> the page the inbox item links to, in the reader's language; None: no page
    link: Callable[[dict, dict], Link | None] = no_link


def the_user(payload: dict, _now: datetime) -> list[User]:
    user = db.session.get(User, payload["user_id"])
    return [user] if user else []


def your_account(_payload: dict, _context: dict) -> Link:
    return Link(str(_l("Your account")), "auth.account")


KINDS: dict[str, EventKind] = {
    "account.welcome": EventKind(
        recipients=the_user, subject=_l("Welcome to Dauys"), template="welcome", link=your_account
    ),
}


def register(name: str, kind: EventKind) -> None:
    KINDS[name] = kind
