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


# Why a person hears of an event: every recipient comes with one of these ties, and each person
# chooses per audience how they hear (notifications/settings.py). The order is the precedence: a
# person with two ties to one event (signed and follows) gets one item, said as the first tie.
AUDIENCES = ("official", "own", "signed", "followed", "budget", "account")
# What the law or the platform owes a person: never switched off (at least the inbox).
OBLIGATORY = frozenset({"official", "account"})

# (payload, now) -> [(audience, user)]; an account made for a recipient is made at `now`
Recipients = Callable[[dict, datetime], list[tuple[str, User]]]


def audience(name: str, who: Callable[[dict, datetime], list[User]]) -> Recipients:
    """The users `who` finds, each tied to the event as `name` (one of AUDIENCES)."""
    if name not in AUDIENCES:
        raise ValueError(f"unknown audience {name!r}")

    def tied(payload: dict, now: datetime) -> list[tuple[str, User]]:
        return [(name, user) for user in who(payload, now)]

    return tied


def together(*parts: Recipients) -> Recipients:
    """Everyone each part finds, in the parts' order; notifications/services.py:fan_out tells each
    person once."""

    def everyone(payload: dict, now: datetime) -> list[tuple[str, User]]:
        return [found for part in parts for found in part(payload, now)]

    return everyone


@dataclass(frozen=True)
class EventKind:
    """How to fan out one kind of event."""

    recipients: Recipients
    subject: object  # a lazy string, rendered in the recipient's language
    template: str  # templates/email/<template>.txt, also the inbox text
    context: Callable[[dict], dict] = field(default=lambda payload: {})
    # (payload, context) -> the page the inbox item links to, in the reader's language; None: no page
    link: Callable[[dict, dict], Link | None] = no_link
    # another subject for the recipients of one audience ("a petition you follow" to followers)
    subjects: dict[str, object] = field(default_factory=dict)

    def subject_for(self, tie: str | None) -> object:
        return self.subjects.get(tie or "", self.subject)


def _the_user(payload: dict, _now: datetime) -> list[User]:
    user = db.session.get(User, payload["user_id"])
    return [user] if user else []


the_user = audience("account", _the_user)


def your_account(_payload: dict, _context: dict) -> Link:
    return Link(str(_l("Your account")), "auth.account")


KINDS: dict[str, EventKind] = {
    "account.welcome": EventKind(
        recipients=the_user, subject=_l("Welcome to Dauys"), template="welcome", link=your_account
    ),
}


def register(name: str, kind: EventKind) -> None:
    KINDS[name] = kind
