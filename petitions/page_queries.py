"""Reads the petition pages need beyond petitions.queries: territories to pick, an author's list, the
timeline, what followed the answer."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select

from auth.acts import PLATFORM_BODY, acts_json
from extensions import db
from kernel.kazakhstan_time import local_date
from kernel.territories import Territory, named_places
from petitions import accountability, labels, rules
from petitions.models import Petition, PetitionMeasure
from petitions.queries import working_days_left


def addressable_territories() -> list[Territory]:
    """Regions, then cities, in KATO order."""
    rows = db.session.scalars(select(Territory).where(Territory.level.in_(rules.ADDRESSABLE_LEVELS)).order_by(Territory.kato))
    return sorted(rows, key=lambda t: (rules.ADDRESSABLE_LEVELS.index(t.level), t.kato))


def authored_by(iin: str) -> list[Petition]:
    return list(db.session.scalars(select(Petition).where(Petition.author_iin == iin).order_by(Petition.id.desc())))


@dataclass(frozen=True)
class Step:
    """One line of a petition's status timeline.

    `days_left` is set for a deadline that is still running (negative: overdue);
    `met` says whether a deadline that has passed its step was kept; `measures` is
    (promised, done) on the report's steps, done None until the report says.
    """

    key: str
    when: date | datetime
    deadline: bool = False
    days_left: int | None = None
    met: bool | None = None
    measures: tuple[int, int | None] | None = None

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


def timeline(petition: Petition, now: datetime, measures: list[PetitionMeasure] = ()) -> list[Step]:
    """Every stored date of the petition, in the order of the procedure; `measures`, the answer's,
    say what the report's steps promised and what was done."""
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
        *_after_answer_steps(p, now, measures),
    ]
    return [step for step in steps if step is not None]


def _after_answer_steps(p: Petition, now: datetime, measures: list[PetitionMeasure]) -> list[Step | None]:
    """The rating window, a contested answer's follow-up and the report, promised against done."""
    rating_open = accountability.rating_open(p, local_date(now))
    promised = len(measures)
    done = sum(1 for m in measures if m.done) if p.reported_at else None
    report_due = _deadline("report_due", p.report_due_on, p.state == "answered" and p.reported_at is None, p.reported_at, now)
    return [
        Step("rating_closes", p.rating_closes_on, deadline=True,
             days_left=working_days_left(p.rating_closes_on, now) if rating_open else None) if p.rating_closes_on else None,
        Step("contested", p.contested_at) if p.contested_at else None,
        _deadline("follow_up_due", p.follow_up_due_on, p.contested_at is not None and p.follow_up_at is None,
                  p.follow_up_at, now),
        Step("followed_up", p.follow_up_at) if p.follow_up_at else None,
        replace(report_due, measures=(promised, None)) if report_due else None,
        Step("reported", p.reported_at, measures=(promised, done)) if p.reported_at else None,
    ]


@dataclass(frozen=True)
class AfterAnswer:
    """What the petition page shows after the answer: the measures (a checklist once reported),
    the ratings as petitions.accountability.rating_summary counts them, whether the answer may be
    rated today, and the reasons a rating may give (code: label)."""

    measures: list[PetitionMeasure]
    ratings: dict
    rating_open: bool

    @property
    def reasons(self) -> dict:
        return accountability.REASONS


def after_answer(petition: Petition, now: datetime) -> AfterAnswer | None:
    """None for a petition not answered (it has none of it, and costs no query)."""
    if petition.answered_at is None:
        return None
    return AfterAnswer(
        measures=accountability.measures_of(petition.id),
        ratings=accountability.rating_summary(petition.id),
        rating_open=accountability.rating_open(petition, local_date(now)),
    )


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
    places = named_places({code.partition(":")[2] for code in codes if ":" in code}, locale)

    def body_name(code: str) -> str:
        if code == PLATFORM_BODY:
            return str(labels.PLATFORM_NAME)
        kind, _, kato = code.partition(":")
        name = str(rules.ADDRESSEE_NAMES.get(kind, kind))
        return f"{name} · {places[kato]}" if kato else name

    return [
        ActRow(
            purpose=str(labels.ACT_NAMES.get(act["purpose"], act["purpose"])), name=act["official"]["name"],
            role=str(labels.ACT_ROLE_NAMES.get(act["official"]["role"], act["official"]["role"])),
            body_name=body_name(act["official"]["body"]), at=datetime.fromisoformat(act["at"]), jws=act["jws"],
        )
        for act in acts
    ]
