"""The body record (DOMAIN.md "After the answer", API.md "Accountability"): per addressed body, what it
received and how it answered, how its petitions were moderated, how its answers were rated, contested
and reported on.

One function, `body_records`, makes the figures for the page (/statistics), the JSON
(GET /api/v1/statistics/bodies) and the CSV (GET /api/v1/exports/bodies.csv), so the three can never
disagree. Every figure is defined on what the petitions' public JSON shows (`DEFINITIONS`, published in
the API document and in docs/ARCHITECTURE.md), so anyone can recompute it with GETs alone; working days
are those of the calendar GET /api/v1/calendar publishes.

A body is (addressee, territory). Its figures count two sets of petitions, each by a Kazakhstan day
in the period: review figures the petitions whose threshold was reached in it, moderation figures
those submitted in it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction

from sqlalchemy import Date, case, cast, func, select

from extensions import db
from kernel import instants
from kernel.bodies import body_names
from kernel.errors import DomainError
from kernel.kazakhstan_time import KAZAKHSTAN, local_date
from kernel.territories import Territory
from kernel.work_calendar import load_work_calendar
from kernel.working_days import WorkCalendar, working_days_between
from petitions.models import Petition, PetitionRating

DISSATISFIED = (1, 2)  # the ratings that count as dissatisfied (and towards contesting an answer)

# What each figure counts, word for word as the API document and docs/ARCHITECTURE.md publish it.
DEFINITIONS = """\
A body is (addressee, territory); name_kk and name_ru are its name in Kazakh and Russian. A day is the \
Kazakhstan calendar day (Asia/Almaty) of an instant; "today" is the day the server answers. The period \
`from`..`to` (ISO dates, both included, each optional: all time by default) selects two sets of \
petitions: the *received* ones, whose threshold was reached (`threshold_reached_at`) on a day in the \
period, and the *submitted* ones (`submitted_at` on a day in the period). A body is listed when it has \
at least one of either; items are sorted by addressee code, then territory KATO (none first). Shares are exact quotients rounded half up (on_time_rate, dissatisfied_share to 4 places, \
the mean rating to 2) and null when there is nothing to divide.

- received: the received petitions.
- answered: of them, those with an answer (`answer.answered_at`).
- answered_on_time: of those, answered on a day no later than `review_due_on`.
- on_time_rate: answered_on_time / answered.
- median_working_days: the median (the mean of the two middle values for an even count) of the working \
days from the threshold day to the answer day, counted as GET /calendar describes: days after the \
threshold day up to and including the answer day that are not in `non_working_days`; null when none \
is answered.
- overdue_now: received petitions still `under_review` today, with today after `review_due_on`.
- moderation.decided: submitted petitions with a moderation decision (the `petition.moderate` act; \
its `at` is the decision's instant).
- moderation.on_time_rate: (those decided on a day no later than `moderation_due_on`) / decided.
- moderation.overdue_now: submitted petitions still in `moderation` today, with today after \
`moderation_due_on`.
- ratings.count: the ratings of the received petitions; ratings.mean: their mean; \
ratings.dissatisfied_share: the share of them that are 1 or 2.
- contested: received petitions with `contested_at`.
- reports_due: received petitions with `report_due_on` today or earlier.
- reports_overdue: of them, those with no report published (no `petition.report` act) and today after \
`report_due_on`.
"""


# --- the period -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Days `start`..`end`, both included; None is open (all time on that side)."""

    start: date | None = None
    end: date | None = None

    def instants(self) -> tuple[datetime | None, datetime | None]:
        """[first instant, instant after the last) in UTC: Kazakhstan midnight of `start`, of the day after `end`."""
        return (
            _midnight(self.start) if self.start else None,
            _midnight(self.end + timedelta(days=1)) if self.end else None,
        )


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=KAZAKHSTAN).astimezone(UTC)


def period_from(args: Mapping[str, str]) -> Period:
    """The `from` and `to` query parameters (ISO dates, optional), or validation_error naming each wrong one."""
    days, fields = date_range_from(args)
    if fields:
        raise DomainError("validation_error", fields=fields)
    return Period(days["from"], days["to"])


def date_range_from(args: Mapping[str, str]) -> tuple[dict[str, date | None], dict[str, str]]:
    """`from` and `to` as days (None when not given) and what is wrong with them: a day Dauys cannot
    mean, or `from` after `to`. Shared by the API (an error) and the page (shown by its fields)."""
    days: dict[str, date | None] = {}
    fields: dict[str, str] = {}
    for name in ("from", "to"):
        text = args.get(name) or ""
        days[name] = None
        if text:
            try:
                days[name] = instants.day(text)
            except instants.DateRefused as why:
                fields[name] = str(why)
    if not fields and days["from"] and days["to"] and days["from"] > days["to"]:
        fields["to"] = "a day on or after `from`"
    return days, fields


# --- the figures ----------------------------------------------------------------------------------


def share(numerator: int, denominator: int, places: int) -> float | None:
    """numerator / denominator, the exact quotient rounded half up to `places`; None when denominator is 0."""
    if not denominator:
        return None
    scale = 10**places
    return math.floor(Fraction(numerator, denominator) * scale + Fraction(1, 2)) / scale


@dataclass(frozen=True)
class Moderation:
    decided: int
    on_time_rate: float | None
    overdue_now: int


@dataclass(frozen=True)
class Ratings:
    count: int
    mean: float | None
    dissatisfied_share: float | None


@dataclass(frozen=True)
class BodyRecord:
    """One body's figures, as `DEFINITIONS` counts them."""

    addressee: str
    territory: str | None
    name_kk: str
    name_ru: str
    name_en: str
    received: int
    answered: int
    answered_on_time: int
    on_time_rate: float | None
    median_working_days: float | None
    overdue_now: int
    moderation: Moderation
    ratings: Ratings
    contested: int
    reports_due: int
    reports_overdue: int

    def to_json(self) -> dict:
        """The item of GET /statistics/bodies (API.md "Accountability")."""
        return {
            "body": {
                "addressee": self.addressee,
                "territory": self.territory,
                "name_kk": self.name_kk,
                "name_ru": self.name_ru,
            },
            "received": self.received,
            "answered": self.answered,
            "answered_on_time": self.answered_on_time,
            "on_time_rate": self.on_time_rate,
            "median_working_days": self.median_working_days,
            "overdue_now": self.overdue_now,
            "moderation": {
                "decided": self.moderation.decided,
                "on_time_rate": self.moderation.on_time_rate,
                "overdue_now": self.moderation.overdue_now,
            },
            "ratings": {
                "count": self.ratings.count,
                "mean": self.ratings.mean,
                "dissatisfied_share": self.ratings.dissatisfied_share,
            },
            "contested": self.contested,
            "reports_due": self.reports_due,
            "reports_overdue": self.reports_overdue,
        }

    def csv_row(self) -> dict:
        """The JSON item flattened: `body.` is dropped, nested members joined with `_` (CSV_FIELDS)."""
        item = self.to_json()
        row = dict(item.pop("body"))
        for name, value in item.items():
            if isinstance(value, dict):
                row.update({f"{name}_{inner}": v for inner, v in value.items()})
            else:
                row[name] = value
        return row


CSV_FIELDS = (
    "addressee",
    "territory",
    "name_kk",
    "name_ru",
    "received",
    "answered",
    "answered_on_time",
    "on_time_rate",
    "median_working_days",
    "overdue_now",
    "moderation_decided",
    "moderation_on_time_rate",
    "moderation_overdue_now",
    "ratings_count",
    "ratings_mean",
    "ratings_dissatisfied_share",
    "contested",
    "reports_due",
    "reports_overdue",
)


@dataclass
class _Tally:
    """A body's counts while the petitions are read."""

    received: int = 0
    answered: int = 0
    on_time: int = 0
    taken: list[int] = field(default_factory=list)
    overdue: int = 0
    decided: int = 0
    decided_on_time: int = 0
    moderation_overdue: int = 0
    ratings: int = 0
    rating_sum: int = 0
    dissatisfied: int = 0
    contested: int = 0
    reports_due: int = 0
    reports_overdue: int = 0


Body = tuple[str, str | None]


def body_records(now: datetime, period: Period = Period()) -> list[BodyRecord]:
    """Every body with a received or submitted petition in `period`, its figures as of `now`'s day."""
    today = local_date(now)
    tallies: dict[Body, _Tally] = {}
    _count_reviews(tallies, period, today, load_work_calendar())
    _count_moderation(tallies, period, today)
    _count_ratings(tallies, period)
    territories = _territories({territory for _, territory in tallies})
    return [
        _record(body, tally, territories.get(body[1]))
        for body, tally in sorted(tallies.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
    ]


def _in_period(column, period: Period):
    """`column` (an instant) falls on a day of `period`: compared as instants, so an index serves it."""
    start, end = period.instants()
    condition = column.is_not(None)
    if start is not None:
        condition &= column >= start
    if end is not None:
        condition &= column < end
    return condition


def _count_reviews(tallies: dict[Body, _Tally], period: Period, today: date, calendar: WorkCalendar) -> None:
    rows = db.session.execute(
        select(
            Petition.addressee,
            Petition.territory,
            Petition.state,
            Petition.threshold_reached_at,
            Petition.review_due_on,
            Petition.answered_at,
            Petition.contested_at,
            Petition.report_due_on,
            Petition.reported_at,
        ).where(_in_period(Petition.threshold_reached_at, period))
    ).all()
    for addressee, territory, state, reached, due, answered, contested, report_due, reported in rows:
        tally = tallies.setdefault((addressee, territory), _Tally())
        tally.received += 1
        if answered is not None:
            answered_day = local_date(answered)
            tally.answered += 1
            tally.on_time += due is not None and answered_day <= due
            tally.taken.append(working_days_between(calendar, local_date(reached), answered_day))
        tally.overdue += state == "under_review" and due is not None and today > due
        tally.contested += contested is not None
        if report_due is not None and report_due <= today:
            tally.reports_due += 1
            tally.reports_overdue += reported is None and today > report_due


def _kazakhstan_day(column):
    """SQL for the Kazakhstan day (UTC+5) of a UTC instant, as petitions.queries.kazakhstan_day (which
    this module cannot import: petitions.queries imports it, through petitions.accountability)."""
    if db.engine.dialect.name == "postgresql":
        return cast(func.timezone("Asia/Almaty", column), Date)
    return func.date(column, "+5 hours")


def _count_moderation(tallies: dict[Body, _Tally], period: Period, today: date) -> None:
    """The moderation figures, summed per body in the database (one row a body, however many
    petitions: bench/growth.py measured 10,000 petitions read one by one at 170 ms a page)."""
    due = Petition.moderation_due_on
    decided_on_time = (Petition.moderated_at.is_not(None) & due.is_not(None)
                       & (_kazakhstan_day(Petition.moderated_at) <= due))
    overdue = (Petition.state == "moderation") & due.is_not(None) & (due < today)
    rows = db.session.execute(
        select(
            Petition.addressee,
            Petition.territory,
            func.count(Petition.moderated_at),
            func.sum(case((decided_on_time, 1), else_=0)),
            func.sum(case((overdue, 1), else_=0)),
        )
        .where(_in_period(Petition.submitted_at, period))
        .group_by(Petition.addressee, Petition.territory)
    ).all()
    for addressee, territory, decided, on_time, moderation_overdue in rows:
        tally = tallies.setdefault((addressee, territory), _Tally())
        tally.decided += decided
        tally.decided_on_time += int(on_time or 0)
        tally.moderation_overdue += int(moderation_overdue or 0)


def _count_ratings(tallies: dict[Body, _Tally], period: Period) -> None:
    """The ratings of the received petitions, summed per body in the database."""
    received = select(Petition.id).where(_in_period(Petition.threshold_reached_at, period))
    rows = db.session.execute(
        select(
            Petition.addressee,
            Petition.territory,
            func.count(PetitionRating.id),
            func.sum(PetitionRating.rating),
            func.sum(case((PetitionRating.rating.in_(DISSATISFIED), 1), else_=0)),
        )
        .join(Petition, Petition.id == PetitionRating.petition_id)
        .where(PetitionRating.petition_id.in_(received))
        .group_by(Petition.addressee, Petition.territory)
    ).all()
    for addressee, territory, count, total, dissatisfied in rows:
        tally = tallies[(addressee, territory)]  # a rated petition was received: its body is there
        tally.ratings, tally.rating_sum, tally.dissatisfied = count, int(total or 0), int(dissatisfied or 0)


def _territories(katos: set[str | None]) -> dict[str, Territory]:
    wanted = {kato for kato in katos if kato}
    if not wanted:
        return {}
    return {row.kato: row for row in db.session.scalars(select(Territory).where(Territory.kato.in_(wanted)))}


def _record(body: Body, tally: _Tally, territory: Territory | None) -> BodyRecord:
    addressee, kato = body
    name_kk, name_ru, name_en = body_names(addressee, territory, kato)
    return BodyRecord(
        addressee=addressee,
        territory=kato,
        name_kk=name_kk,
        name_ru=name_ru,
        name_en=name_en,
        received=tally.received,
        answered=tally.answered,
        answered_on_time=tally.on_time,
        on_time_rate=share(tally.on_time, tally.answered, 4),
        median_working_days=statistics.median(tally.taken) if tally.taken else None,
        overdue_now=tally.overdue,
        moderation=Moderation(
            decided=tally.decided,
            on_time_rate=share(tally.decided_on_time, tally.decided, 4),
            overdue_now=tally.moderation_overdue,
        ),
        ratings=Ratings(
            count=tally.ratings,
            mean=share(tally.rating_sum, tally.ratings, 2),
            dissatisfied_share=share(tally.dissatisfied, tally.ratings, 4),
        ),
        contested=tally.contested,
        reports_due=tally.reports_due,
        reports_overdue=tally.reports_overdue,
    )
