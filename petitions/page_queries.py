"""Reads the petition pages need beyond petitions.queries: territories to pick, an author's list, the timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from auth.acts import PLATFORM_BODY, acts_json
from extensions import db
from kernel.kazakhstan_time import local_date
from kernel.territories import Territory, territory_names
from petitions import labels, rules
from petitions.models import Petition
from petitions.queries import working_days_left

# Levels a petition can be addressed to (regional and city akimats and maslikhats).
ADDRESSABLE_LEVELS = ("region", "city")


def addressable_territories() -> list[Territory]:
    """Regions, then cities, in KATO order."""
    rows = db.session.scalars(select(Territory).where(Territory.level.in_(ADDRESSABLE_LEVELS)).order_by(Territory.kato))
    return sorted(rows, key=lambda t: (ADDRESSABLE_LEVELS.index(t.level), t.kato))


def authored_by(iin: str) -> list[Petition]:
    return list(db.session.scalars(select(Petition).where(Petition.author_iin == iin).order_by(Petition.id.desc())))


@dataclass(frozen=True)
class Step:
    """One line of a petition's status timeline.

    `days_left` is set for a deadline that is still running (negative: overdue);
    `met` says whether a deadline that has passed its step was kept.
    """

    key: str
    when: date | datetime
    deadline: bool = False
    days_left: int | None = None
    met: bool | None = None

    @property
    def is_date(self) -> bool:
        return not isinstance(self.when, datetime)


def _deadline(key: str, due: date | None, running: bool, done_at: datetime | None, now: datetime) -> Step | None:
    if due is None:
        return None
    if running:
        return Step(key, due, deadline=True, days_left=working_days_left(due, now))
    met = local_date(done_at) <= due if done_at is not None else None
    return Step(key, due, deadline=True, met=met)


def timeline(petition: Petition, now: datetime) -> list[Step]:
    """Every stored date of the petition, in the order of the procedure."""
    p = petition
    rejected = p.state == "rejected"
    steps: list[Step | None] = [
        Step("created", p.created_at),
        Step("submitted", p.submitted_at) if p.submitted_at else None,
        _deadline("moderation_due", p.moderation_due_on, p.state == "moderation", p.moderated_at, now),
        Step("rejected" if rejected else "approved", p.moderated_at) if p.moderated_at else None,
        _deadline("restricted_until", p.restricted_until, p.state == "restricted", p.published_at, now),
        Step("lapsed", p.lapsed_at) if p.lapsed_at else None,
        Step("published", p.published_at) if p.published_at else None,
        (
            Step(
                "collection_ends", p.collection_ends_at, deadline=True,
                days_left=working_days_left(local_date(p.collection_ends_at), now) if p.state == "open" else None,
            )
            if p.collection_ends_at
            else None
        ),
        Step("closed", p.closed_at) if p.closed_at else None,
        Step("threshold_reached", p.threshold_reached_at) if p.threshold_reached_at else None,
        _deadline("review_due", p.review_due_on, p.state == "under_review", p.answered_at, now),
        Step("discussion", p.discussion_at) if p.discussion_at else None,
        Step("answered", p.answered_at) if p.answered_at else None,
    ]
    return [step for step in steps if step is not None]


@dataclass(frozen=True)
class ActRow:
    """An official act as the petition page lists it: what, who, in which role and body, when, the JWS."""

    purpose: str
    name: str
    role: str
    body_name: str
    at: datetime
    jws: str


def act_rows(petition: Petition, locale: str) -> list[ActRow]:
    """The petition's official acts (auth.acts.acts_json), oldest first, their bodies named in `locale`."""
    acts = acts_json("petition", petition.id)
    codes = [act["official"]["body"] for act in acts]
    places = territory_names({code.partition(":")[2] for code in codes if ":" in code}, locale)

    def body_name(code: str) -> str:
        if code == PLATFORM_BODY:
            return str(labels.PLATFORM_NAME)
        kind, _, kato = code.partition(":")
        name = str(rules.ADDRESSEE_NAMES.get(kind, kind))
        return f"{name} · {places.get(kato, kato)}" if kato else name

    return [
        ActRow(
            purpose=str(labels.ACT_NAMES.get(act["purpose"], act["purpose"])), name=act["official"]["name"],
            role=str(labels.ACT_ROLE_NAMES.get(act["official"]["role"], act["official"]["role"])),
            body_name=body_name(act["official"]["body"]), at=datetime.fromisoformat(act["at"]), jws=act["jws"],
        )
        for act in acts
    ]
