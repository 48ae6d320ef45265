"""The count when voting closes: run the cycle's rule, freeze the ballots as pabulib, publish; once."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

from sqlalchemy import select

from budgeting import allocation, pabulib, petition_links
from budgeting.lifecycle import CYCLE
from budgeting.models import Ballot, BudgetCycle, Proposal
from extensions import db
from workers import outbox


def election(cycle: BudgetCycle) -> tuple[list[allocation.Project], list[frozenset[int]], list[Proposal]]:
    """The projects on the ballot (checked costs, submission order) and the ballots, in a stable order."""
    proposals = list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.cycle_id == cycle.id, Proposal.state == "eligible")
            .order_by(Proposal.submitted_at, Proposal.id)
        )
    )
    projects = [allocation.Project(id=p.id, cost=p.checked_cost, submitted_order=i) for i, p in enumerate(proposals)]
    ballots = [
        frozenset(choice)
        for choice in db.session.scalars(select(Ballot.projects).where(Ballot.cycle_id == cycle.id).order_by(Ballot.id))
    ]
    return projects, ballots, proposals


def tally_cycle(cycle_id: int, now: datetime) -> int:
    """Count a cycle whose voting has closed; returns 1 if this call published the result, else 0."""
    cycle = db.session.get(BudgetCycle, cycle_id, with_for_update=True)
    if cycle is None or cycle.tallied_at is not None or cycle.phase_at(now) != "counting":
        return 0
    projects, ballots, proposals = election(cycle)
    outcome = allocation.greedy(projects, ballots, cycle.amount) if cycle.rule == "greedy" else allocation.mes_add1(
        projects, ballots, cycle.amount
    )
    pb_text = pabulib.dump(cycle_meta(cycle), proposals_for_pb(proposals, ballots), ballots)
    digest = pabulib.sha256(pb_text)
    result = {
        "rule": cycle.rule,
        "amount": cycle.amount,
        "ballots": len(ballots),
        "funded": list(outcome.funded),
        "not_funded": [{"id": pid, "reason": json_reason(reason)} for pid, reason in outcome.not_funded.items()],
        "votes": {str(p.id): sum(p.id in b for b in ballots) for p in projects},
        "pb_sha256": digest,
    }
    if cycle.rule == "mes":
        result["greedy_funded"] = list(allocation.greedy(projects, ballots, cycle.amount).funded)
    published = db.session.execute(
        CYCLE.update(
            BudgetCycle, "publish", BudgetCycle.id == cycle_id, BudgetCycle.tallied_at.is_(None),
            result=result, pb_file=pb_text, pb_sha256=digest, tallied_at=now,
        )
    ).rowcount
    if not published:
        return 0
    for proposal in proposals:
        if proposal.id in outcome.funded and proposal.implementation is None:
            proposal.implementation = "planned"
    outbox.record("budget.results", now, cycle_id=cycle_id)
    petition_links.record_funded(proposals, outcome.funded, cycle_id, now)  # their petitions' signers hear
    return 1


def json_reason(reason: dict) -> dict:
    """A rule's reason in JSON: exact fractions of tenge become whole tenge (rounded down) for people."""
    out = {}
    for key, value in reason.items():
        out[key] = int(value) if isinstance(value, Fraction) else value
    if out.get("kind") == "not_affordable_by_supporters":
        out["kind"] = "not_affordable"
    return out


def cycle_meta(cycle: BudgetCycle) -> dict:
    from kernel.territories import Territory

    place = db.session.get(Territory, cycle.kato)
    return {
        "description": f"Dauys participatory budget {cycle.year}, {place.name_ru if place else cycle.kato}",
        "country": "Kazakhstan",
        "unit": place.name_ru if place else cycle.kato,
        "instance": str(cycle.year),
        "budget": cycle.amount,
        "vote_type": "approval",
        "rule": "equalshares/add1" if cycle.rule == "mes" else "greedy",
        "date_begin": cycle.voting_open.date().isoformat(),
        "date_end": cycle.voting_close.date().isoformat(),
        "language": "kk",
        "currency": "KZT",
    }


def proposals_for_pb(proposals: list[Proposal], ballots: list[frozenset[int]]) -> list[dict]:
    return [
        {
            "project_id": p.id,
            "cost": p.checked_cost,
            "votes": sum(p.id in b for b in ballots),
            "name": p.title,
            "category": p.category,
            "target": p.settlement,
        }
        for p in proposals
    ]
