"""Reads the budget pages need beyond budgeting.queries: villages, the timeline, worded results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from auth.models import User
from budgeting.models import BudgetCycle, BudgetFollower, Proposal
from extensions import db
from kernel.territories import Territory

__all__ = ["villages", "rural_districts", "follows", "timeline", "Step", "Outcome", "outcome"]


def villages(cycle: BudgetCycle, locale: str) -> list[tuple[str, str]]:
    """(kato, name) of the settlements of the cycle's rural district, by name."""
    rows = db.session.scalars(
        select(Territory).where(Territory.parent == cycle.kato, Territory.level == "settlement")
    )
    return sorted(((t.kato, t.name(locale)) for t in rows), key=lambda pair: pair[1])


def rural_districts(user: User, locale: str) -> list[tuple[str, str]]:
    """The rural districts a budget officer serves (every one for an unscoped grant)."""
    scopes = user.scopes("budget_officer")
    stmt = select(Territory).where(Territory.level == "rural_district").order_by(Territory.kato)
    if None not in scopes:
        stmt = stmt.where(Territory.kato.in_([s for s in scopes if s]))
    return [(t.kato, t.name(locale)) for t in db.session.scalars(stmt)]


def first_free_year(kato: str, from_year: int) -> int:
    """The first year from `from_year` on in which this rural district has no budget cycle yet: what
    a new cycle's form proposes (one cycle a district a year)."""
    taken = set(db.session.scalars(
        select(BudgetCycle.year).where(BudgetCycle.kato == kato, BudgetCycle.year >= from_year)
    ))
    year = from_year
    while year in taken:
        year += 1
    return year


def follows(cycle_id: int, user_id: int) -> bool:
    return db.session.get(BudgetFollower, (cycle_id, user_id)) is not None


# The phases in the order they come, each with the date that starts it (None: starts when the count runs).
PHASE_STARTS = (
    ("scheduled", None),
    ("proposals", "proposals_open"),
    ("screening", "proposals_close"),
    ("voting", "voting_open"),
    ("counting", "voting_close"),
    ("results", "tallied_at"),
)


@dataclass(frozen=True)
class Step:
    phase: str
    starts: datetime | None
    ends: datetime | None
    current: bool
    done: bool


def timeline(cycle: BudgetCycle, now: datetime) -> list[Step]:
    """The phases after `scheduled`, with their dates; the one `now` is in is current."""
    phase = cycle.phase_at(now)
    order = [name for name, _ in PHASE_STARTS]
    starts = [getattr(cycle, attr) if attr else None for _, attr in PHASE_STARTS]
    steps = []
    for i, (name, _attr) in enumerate(PHASE_STARTS):
        if name == "scheduled":
            continue
        ends = starts[i + 1] if i + 1 < len(starts) else None
        steps.append(Step(name, starts[i], ends, name == phase, order.index(name) < order.index(phase)))
    return steps


@dataclass(frozen=True)
class Outcome:
    """One project on the results page: its votes, and either funded or the machine reason for not."""

    proposal: Proposal
    votes: int
    funded: bool
    reason: dict | None
    greedy_funded: bool | None  # MES cycles only: whether greedy would have funded it


def outcome(cycle: BudgetCycle, proposals: list[Proposal]) -> tuple[list[Outcome], list[Outcome]]:
    """Funded (in selection order) and not funded (most votes first) from the cycle's frozen result."""
    result = cycle.result or {}
    by_id = {p.id: p for p in proposals}
    votes = {int(k): v for k, v in (result.get("votes") or {}).items()}
    greedy = set(result["greedy_funded"]) if "greedy_funded" in result else None

    def row(pid: int, funded: bool, reason: dict | None) -> Outcome:
        return Outcome(by_id[pid], votes.get(pid, 0), funded, reason, None if greedy is None else pid in greedy)

    funded = [row(pid, True, None) for pid in result.get("funded", []) if pid in by_id]
    not_funded = [row(item["id"], False, item.get("reason") or {}) for item in result.get("not_funded", [])
                  if item["id"] in by_id]
    not_funded.sort(key=lambda o: (-o.votes, o.proposal.checked_cost or 0, o.proposal.id))
    return funded, not_funded
