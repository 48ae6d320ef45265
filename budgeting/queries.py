"""Reading budget cycles: their JSON, proposals and results."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from budgeting.models import Ballot, BudgetCycle, Proposal
from budgeting.services import ballot_count
from extensions import db


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def proposal_json(proposal: Proposal) -> dict:
    return {
        "id": proposal.id,
        "cycle": proposal.cycle_id,
        "title": proposal.title,
        "description": proposal.description,
        "category": proposal.category,
        "settlement": proposal.settlement,
        "cost": proposal.cost,
        "checked_cost": proposal.checked_cost,
        "state": proposal.state,
        "digest": proposal.digest,
        "ineligible_reason": proposal.ineligible_reason,
        "submitted_at": _iso(proposal.submitted_at),
        "implementation": proposal.implementation,
        "spent": proposal.spent,
    }


def proposals(cycle_id: int, *, include_drafts_of: str | None = None) -> list[Proposal]:
    stmt = select(Proposal).where(Proposal.cycle_id == cycle_id).order_by(Proposal.id)
    rows = db.session.scalars(stmt).all()
    return [p for p in rows if p.state != "draft" or p.author_iin == include_drafts_of]


def cycle_json(cycle: BudgetCycle, now: datetime, with_projects: bool = True) -> dict:
    body = {
        "id": cycle.id,
        "territory": cycle.kato,
        "year": cycle.year,
        "phase": cycle.phase_at(now),
        "amount": cycle.amount,
        "ballot": cycle.ballot,
        "min_choices": cycle.min_choices,
        "max_choices": cycle.max_choices,
        "rule": cycle.rule,
        "proposals_open": _iso(cycle.proposals_open),
        "proposals_close": _iso(cycle.proposals_close),
        "voting_open": _iso(cycle.voting_open),
        "voting_close": _iso(cycle.voting_close),
        "ballots": ballot_count(cycle.id),
        "tallied_at": _iso(cycle.tallied_at),
    }
    if with_projects:
        body["projects"] = [proposal_json(p) for p in proposals(cycle.id)]
    return body


def cycles(territory: str | None = None) -> list[BudgetCycle]:
    stmt = select(BudgetCycle).order_by(BudgetCycle.year.desc(), BudgetCycle.id.desc())
    if territory:
        stmt = stmt.where(BudgetCycle.kato == territory)
    return list(db.session.scalars(stmt))


def votes_by_settlement(cycle_id: int) -> dict[str, dict[int, int]]:
    """Per village, how many ballots approved each project."""
    result: dict[str, dict[int, int]] = {}
    for settlement, projects in db.session.execute(
        select(Ballot.settlement, Ballot.projects).where(Ballot.cycle_id == cycle_id)
    ):
        village = result.setdefault(settlement, {})
        for project in projects:
            village[project] = village.get(project, 0) + 1
    return result
