"""Reading budget cycles: their JSON, proposals and results."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from auth.acts import acts_json
from budgeting.models import Ballot, BudgetCycle, Proposal
from budgeting.turnout import turnout
from extensions import db
from kernel.disclosure import merge_small_cells


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
        "petition": proposal.petition_id,
        "acts": acts_json("proposal", proposal.id),
    }


def proposals(cycle_id: int, *, include_drafts_of: str | None = None) -> list[Proposal]:
    stmt = select(Proposal).where(Proposal.cycle_id == cycle_id).order_by(Proposal.id)
    rows = db.session.scalars(stmt).all()
    return [p for p in rows if p.state != "draft" or p.author_iin == include_drafts_of]


def cycle_json(cycle: BudgetCycle, now: datetime, with_projects: bool = True) -> dict:
    voting = turnout(cycle, now)
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
        "ballots": voting.voted,
        "tallied_at": _iso(cycle.tallied_at),
        "turnout": voting.to_json(),
    }
    if with_projects:
        body["projects"] = [proposal_json(p) for p in proposals(cycle.id)]
    return body


def cycles(territory: str | None = None) -> list[BudgetCycle]:
    stmt = select(BudgetCycle).order_by(BudgetCycle.year.desc(), BudgetCycle.id.desc())
    if territory:
        stmt = stmt.where(BudgetCycle.kato == territory)
    return list(db.session.scalars(stmt))


@dataclass(frozen=True)
class VillageVotes:
    """The ballots of one village (or of the villages merged as "other") and how many approved each project."""

    ballots: int
    votes: dict[int, int]


@dataclass(frozen=True)
class VotesByVillage:
    """Votes by village as published: villages below the minimum merged into `other` (disclosure.merge_small_cells).

    `villages` are the villages shown, by KATO; `other` is None when nothing was merged; when
    `withheld`, fewer ballots than the minimum were cast and no breakdown is published at all.
    """

    villages: dict[str, VillageVotes]
    other: VillageVotes | None
    withheld: bool
    minimum: int


def votes_by_settlement(cycle_id: int) -> dict[str, VillageVotes]:
    """Per village, its ballots and how many of them approved each project: raw, never published as is."""
    ballots: Counter = Counter()
    votes: dict[str, Counter] = {}
    for settlement, projects in db.session.execute(
        select(Ballot.settlement, Ballot.projects).where(Ballot.cycle_id == cycle_id)
    ):
        ballots[settlement] += 1
        votes.setdefault(settlement, Counter()).update(projects)
    return {village: VillageVotes(n, dict(votes[village])) for village, n in sorted(ballots.items())}


def votes_by_village(cycle_id: int, minimum: int) -> VotesByVillage:
    """The breakdown the results page may show: no village with fewer than `minimum` ballots stands alone."""
    raw = votes_by_settlement(cycle_id)
    cells = merge_small_cells({village: v.ballots for village, v in raw.items()}, minimum)
    if cells.withheld:
        return VotesByVillage({}, None, withheld=True, minimum=minimum)
    other = None
    if cells.merged:
        merged: Counter = Counter()
        for village in cells.merged:
            merged.update(raw[village].votes)
        other = VillageVotes(cells.other, dict(merged))
    return VotesByVillage({village: raw[village] for village in cells.shown}, other, withheld=False, minimum=minimum)
