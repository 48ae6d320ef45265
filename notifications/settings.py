"""How each person wants to hear of each group of events: by e-mail, only in the Dauys inbox, or
not at all. No row is the default, e-mail (which goes only to a person who gave an address), so a
person who never chose hears exactly as everybody did before there were settings.

One rule decides, in notifications/services.py:fan_out: a person tied to an event in several ways
(signed it and follows it) is told once, by the most a tie of theirs asks for; an obligatory tie
(notifications/events.py:OBLIGATORY, an official's review deadlines) always reaches the inbox.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from auth.models import User
from extensions import db
from kernel.errors import DomainError
from notifications.events import OBLIGATORY
from notifications.models import NotificationSetting

CHANNELS = ("email", "inbox", "off")  # the most first
DEFAULT = "email"
# The audiences a person chooses for (the welcome of "account" is nobody's to choose).
CHOSEN = ("own", "signed", "followed", "budget", "official")


def choices(user_id: int) -> dict[str, str]:
    """The person's channel for every chosen audience, defaults filled in."""
    return choices_of([user_id])[user_id]


def choices_of(user_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """`choices` of many people in one query (an event's fan-out)."""
    ids = sorted(set(user_ids))
    found: dict[int, dict[str, str]] = {user_id: {name: DEFAULT for name in CHOSEN} for user_id in ids}
    for start in range(0, len(ids), 500):
        rows = db.session.execute(
            select(NotificationSetting.user_id, NotificationSetting.audience, NotificationSetting.channel).where(
                NotificationSetting.user_id.in_(ids[start:start + 500])
            )
        )
        for user_id, name, channel in rows:
            if name in found[user_id]:
                found[user_id][name] = channel
    return found


def allowed(name: str) -> tuple[str, ...]:
    """The channels an audience may be set to: an obligatory one cannot be off."""
    return tuple(c for c in CHANNELS if not (c == "off" and name in OBLIGATORY))


def channel_for(chosen: Mapping[str, str], ties: Iterable[str]) -> str:
    """How a person with these ties to one event hears of it: the most any tie asks for; an
    obligatory tie at least the inbox."""
    best = len(CHANNELS) - 1
    for tie in ties:
        channel = chosen.get(tie, DEFAULT)
        if tie in OBLIGATORY and channel == "off":
            channel = "inbox"
        best = min(best, CHANNELS.index(channel))
    return CHANNELS[best]


def save(user: User, wanted: Mapping[str, object]) -> dict[str, str]:
    """Set some of the person's channels (the others stay); every wrong one named at once, nothing
    saved then. Returns all of the person's channels."""
    wrong = {}
    for name, channel in wanted.items():
        if name not in CHOSEN:
            wrong[name] = "not a group of notifications: " + ", ".join(CHOSEN)
        elif not isinstance(channel, str) or channel not in allowed(name):
            wrong[name] = "one of " + ", ".join(allowed(name))
    if wrong:
        raise DomainError("validation_error", fields=wrong)
    if wanted:
        # one statement that inserts or overwrites, so two first saves at once both succeed (the last wins)
        insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
        statement = insert(NotificationSetting).values(
            [{"user_id": user.id, "audience": name, "channel": channel} for name, channel in wanted.items()]
        )
        db.session.execute(statement.on_conflict_do_update(
            index_elements=["user_id", "audience"], set_={"channel": statement.excluded.channel}
        ))
        for row in [row for row in db.session.identity_map.values() if isinstance(row, NotificationSetting)]:
            db.session.expire(row)  # read back as written
    return choices(user.id)

