"""Reading petitions: the public JSON, lists with filters and search, charts (the body record is
petitions/body_statistics.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Date, cast, false, func, or_, select

from auth.acts import acts_json
from extensions import db
from kernel.kazakhstan_time import local_date
from kernel.work_calendar import load_work_calendar
from kernel.working_days import working_days_between
from petitions import accountability, models, rules
from petitions.citations import citing
from petitions.counter import public_count
from petitions.models import Petition, Signature

# The states in which anyone may read a petition: the model's, which its index of the public list's
# order (ix_petition_public_newest) is partial on.
PUBLIC_STATES = models.PUBLIC_STATES
PAGE_SIZE = 20


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def petition_json(petition: Petition, count: int | None = None, *, now: datetime) -> dict:
    """The petition as API.md describes it (plus the rejection, when there is one) at `now`, the
    request's clock (web/clock.py): whether its moderation is delayed depends on the day."""
    return {
        "id": petition.id,
        "title": petition.title,
        "body": petition.body,
        "language": petition.language,
        "addressee": petition.addressee,
        "territory": petition.territory,
        "state": petition.state,
        "digest": petition.digest,
        "signature_count": public_count(petition.id) if count is None else count,
        "threshold": petition.threshold,
        "author_display": petition.author.display_name,
        "created_at": _iso(petition.created_at),
        "submitted_at": _iso(petition.submitted_at),
        "moderation_due_on": _iso(petition.moderation_due_on),
        "moderation_delayed": moderation_delayed(petition, now),
        "moderated_at": _iso(petition.moderated_at),
        "published_at": _iso(petition.published_at),
        "restricted_until": _iso(petition.restricted_until),
        "collection_ends_at": _iso(petition.collection_ends_at),
        "threshold_reached_at": _iso(petition.threshold_reached_at),
        "review_due_on": _iso(petition.review_due_on),
        "discussion": (
            {"at": _iso(petition.discussion_at), "place": petition.discussion_place}
            if petition.discussion_at
            else None
        ),
        "answer": (
            {
                "decision": petition.answer_decision,
                "text": petition.answer_text,
                "official": petition.answer_official,
                "answered_at": _iso(petition.answered_at),
            }
            if petition.answered_at
            else None
        ),
        "rejection": (
            {"reason": petition.rejection_reason, "comment": petition.rejection_comment}
            if petition.state == "rejected"
            else None
        ),
        # every official act on it, whole, oldest first (API.md "Official acts")
        "acts": acts_json("petition", petition.id),
        **after_answer_json(petition),
        **citing(petition.id),  # the budget proposals that take it up (budget_proposals)
        # a draft (only its author sees one) is told of look-alikes before it is submitted
        **({"similar": similar_json(similar_petitions(petition))} if petition.state == "draft" else {}),
    }


def after_answer_json(petition: Petition) -> dict:
    """What follows the answer (API.md "Accountability"): its measures and report, its ratings, a
    contested answer's follow-up. Only an answered petition has any, so others cost no query."""
    answered = petition.answered_at is not None
    return {
        "ratings": accountability.rating_summary(petition.id if answered else None),
        "rating_closes_on": _iso(petition.rating_closes_on),
        "contested_at": _iso(petition.contested_at),
        "follow_up_due_on": _iso(petition.follow_up_due_on),
        "follow_up": (
            {"text": petition.follow_up_text, "official": petition.follow_up_official, "at": _iso(petition.follow_up_at)}
            if petition.follow_up_at
            else None
        ),
        "measures": accountability.measures_json(petition.id) if answered else [],
        "report_due_on": _iso(petition.report_due_on),
        "report": (
            {"text": petition.report_text, "official": petition.report_official, "at": _iso(petition.reported_at)}
            if petition.reported_at
            else None
        ),
    }


@dataclass(frozen=True)
class Page:
    items: list[Petition]
    page: int
    pages: int
    total: int


def public_list(
    *, state: str | None = None, addressee: str | None = None, territory: str | None = None,
    q: str | None = None, page: int = 1,
) -> Page:
    """Public petitions (never drafts, moderation, rejected, restricted or lapsed ones), newest first."""
    stmt = select(Petition).where(Petition.state.in_(PUBLIC_STATES))
    if state:
        stmt = stmt.where(Petition.state == state)
    if addressee:
        stmt = stmt.where(Petition.addressee == addressee)
    if territory:
        stmt = stmt.where(Petition.territory == territory)
    if q:
        # % and _ typed by a citizen are letters, not wildcards.
        escaped = q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        stmt = stmt.where(or_(Petition.title.ilike(pattern, escape="\\"), Petition.body.ilike(pattern, escape="\\")))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    items = db.session.scalars(
        stmt.order_by(Petition.published_at.desc(), Petition.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return Page(items=list(items), page=page, pages=pages, total=total)


def _of_bodies(stmt, bodies: list[tuple[str | None, str | None]] | None):
    if bodies is None:
        return stmt
    served = [
        Petition.addressee == rules.GOVERNMENT if scope == rules.GOVERNMENT
        else (Petition.territory == scope) & (Petition.addressee == body)
        for scope, body in bodies
    ]
    return stmt.where(or_(false(), *served))


def queue(
    states: tuple[str, ...], due_column, bodies: list[tuple[str | None, str | None]] | None = None
) -> list[Petition]:
    """An officials' queue, earliest deadline first; `bodies` ((scope, body) of a reviewer's grants,
    as petitions.services.body_of names a petition's) limits it to exactly those bodies."""
    stmt = _of_bodies(select(Petition).where(Petition.state.in_(states)), bodies)
    return list(db.session.scalars(stmt.order_by(due_column.asc(), Petition.id)))


def owed_after_answer(bodies: list[tuple[str | None, str | None]] | None = None) -> list[tuple[Petition, str, date]]:
    """Answered petitions whose body owes a follow-up answer (contested) or a report on its measures:
    (petition, "follow_up" | "report", due day), earliest due first."""
    follow_ups = select(Petition).where(
        Petition.state == "answered", Petition.contested_at.is_not(None), Petition.follow_up_at.is_(None)
    )
    reports = select(Petition).where(
        Petition.state == "answered", Petition.report_due_on.is_not(None), Petition.reported_at.is_(None)
    )
    owed = [(p, "follow_up", p.follow_up_due_on) for p in db.session.scalars(_of_bodies(follow_ups, bodies))]
    owed += [(p, "report", p.report_due_on) for p in db.session.scalars(_of_bodies(reports, bodies))]
    return sorted(owed, key=lambda item: (item[2], item[0].id, item[1]))


# Where a draft's look-alike is worth telling its author about: petitions one can still sign or
# that are being answered. Moderators also see those waiting for moderation beside them.
SIMILAR_STATES = ("restricted", "open", "under_review")
SIMILAR_STATES_FOR_MODERATORS = ("moderation", *SIMILAR_STATES)


def similar_petitions(petition: Petition, states: tuple[str, ...] = SIMILAR_STATES, limit: int = 5) -> list[Petition]:
    """Other petitions whose title a reader could take for this one's (one indexed look-up on title_key)."""
    if not petition.title_key:
        return []
    stmt = (
        select(Petition)
        .where(Petition.title_key == petition.title_key, Petition.id != petition.id, Petition.state.in_(states))
        .order_by(Petition.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def similar_json(petitions: list[Petition]) -> list[dict]:
    return [{"id": p.id, "title": p.title, "state": p.state} for p in petitions]


def moderation_delayed(petition: Petition, now: datetime) -> bool:
    """Still in moderation after its due day (the Kazakhstan day of `now`): DOMAIN.md "moderation
    delayed". Read off the row, no query, so every petition JSON and queue line can carry it."""
    due = petition.moderation_due_on
    return petition.state == "moderation" and due is not None and local_date(now) > due


def working_days_left(due: date | None, now: datetime) -> int | None:
    """Working days from today to the due date; negative when overdue."""
    if due is None:
        return None
    return working_days_between(load_work_calendar(), local_date(now), due)


def signatures_by_region(petition_id: int) -> list[tuple[str, int]]:
    rows = db.session.execute(
        select(Signature.region, func.count(Signature.id))
        .where(Signature.petition_id == petition_id)
        .group_by(Signature.region)
        .order_by(func.count(Signature.id).desc())
    ).all()
    return [(region, count) for region, count in rows]


def kazakhstan_day(column):
    """SQL for the Kazakhstan calendar day (UTC+5) of a UTC instant column."""
    if db.engine.dialect.name == "postgresql":
        return cast(func.timezone("Asia/Almaty", column), Date)
    return func.date(column, "+5 hours")


def signatures_by_day(petition_id: int) -> list[tuple[date, int]]:
    """Signatures per day, days as in Kazakhstan."""
    day = kazakhstan_day(Signature.signed_at)
    rows = db.session.execute(
        select(day, func.count(Signature.id)).where(Signature.petition_id == petition_id).group_by(day).order_by(day)
    ).all()
    return [(value if isinstance(value, date) else date.fromisoformat(value), count) for value, count in rows]


def first_signature_at(petition_id: int) -> datetime | None:
    return db.session.scalar(select(func.min(Signature.signed_at)).where(Signature.petition_id == petition_id))


def signatures_by_hour(petition_id: int, start: datetime, end: datetime) -> dict[datetime, int]:
    """Signatures per hour in [start, end), hours keyed by their first instant in UTC (Kazakhstan's
    offset is whole hours, so a UTC hour is a Kazakhstan hour)."""
    if db.engine.dialect.name == "postgresql":
        hour = func.date_trunc("hour", func.timezone("UTC", Signature.signed_at))
    else:
        hour = func.strftime("%Y-%m-%d %H:00:00", Signature.signed_at)
    rows = db.session.execute(
        select(hour, func.count(Signature.id))
        .where(Signature.petition_id == petition_id, Signature.signed_at >= start, Signature.signed_at < end)
        .group_by(hour)
    ).all()
    found = {}
    for value, count in rows:
        at = value if isinstance(value, datetime) else datetime.fromisoformat(value)
        found[at.replace(tzinfo=UTC)] = count
    return found


def recent_signers(petition_id: int, limit: int = 20) -> list[tuple[str, datetime]]:
    rows = db.session.execute(
        select(Signature.display_name, Signature.signed_at)
        .where(Signature.petition_id == petition_id, Signature.display_name != "")  # "": anonymised
        .order_by(Signature.signed_at.desc())
        .limit(limit)
    ).all()
    return [(name, at) for name, at in rows]
