"""From a petition to the village budget (DOMAIN.md "After the answer"): a proposal may take up a petition.

Budgeting knows petitions, never the other way round (docs/ARCHITECTURE.md section 1): the petition's
JSON and page list the proposals that cite it through petitions/citations.py, where budgeting's
init_app registers `budget_proposals` below; petitions imports nothing of budgeting.

What the list says of a proposal is what the budget pages and API already publish: no draft (only
its author sees one), its screening, and once the cycle's results are out, whether it was funded
and how it is carried out.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from budgeting.models import BudgetCycle, Proposal
from extensions import db
from jsonapi import has_json_type
from kernel.integer_columns import INTEGER_MAX
from petitions.models import Petition
from petitions.queries import PUBLIC_STATES
from workers import outbox

PETITION_REFUSAL = "the number of a published petition (open, under review, answered or closed)"
FUNDED_EVENT = "budget.petition_proposal_funded"


def cited_petition(value: object, fields: dict[str, str]) -> int | None:
    """The id of the public petition a new proposal takes up, None for none (absent or null);
    anything else (no whole number, no such petition, one not public: a draft, in moderation,
    rejected, restricted or lapsed) is a field error in `fields`, and never says which it was, so
    a citation cannot probe for petitions the public cannot see."""
    if value is None:
        return None
    if not has_json_type(value, int) or not 1 <= value <= INTEGER_MAX:  # what the column holds
        fields["petition"] = PETITION_REFUSAL
        return None
    state = db.session.scalar(select(Petition.state).where(Petition.id == value))
    if state not in PUBLIC_STATES:
        fields["petition"] = PETITION_REFUSAL
        return None
    return value


def fate(proposal: Proposal, result: dict | None) -> str:
    """What became of a public proposal: `submitted` (waiting for screening), `ineligible`, `eligible`
    (on the ballot), then once its cycle's results are published `funded` or `not_funded`, and
    `implemented` when the officer reported the work done."""
    if result is None or proposal.state != "eligible":
        return proposal.state
    if proposal.id not in result.get("funded", []):
        return "not_funded"
    return "implemented" if proposal.implementation == "done" else "funded"


def budget_proposals(petition_id: int) -> list[dict]:
    """The public proposals citing the petition, oldest first: `{id, cycle, state}` (state: `fate`),
    with the title, the cycle's year, whether it was funded (null before the results) and how it is
    carried out."""
    rows = db.session.execute(
        select(Proposal, BudgetCycle.year, BudgetCycle.result)
        .join(BudgetCycle, BudgetCycle.id == Proposal.cycle_id)
        .where(Proposal.petition_id == petition_id, Proposal.state != "draft")
        .order_by(Proposal.id)
    ).all()
    return [
        {
            "id": proposal.id,
            "cycle": proposal.cycle_id,
            "state": fate(proposal, result),
            "year": year,
            "title": proposal.title,
            "funded": None if result is None else proposal.id in result.get("funded", []),
            "implementation": proposal.implementation,
        }
        for proposal, year, result in rows
    ]


def record_funded(proposals: list[Proposal], funded: list[int], cycle_id: int, now: datetime) -> int:
    """One `budget.petition_proposal_funded` event for each funded proposal that takes up a petition: the
    petition's signers who asked to be told hear of it. Called by the tally in the transaction that
    publishes the results, which only one tally of a cycle ever does (its conditional UPDATE), so each
    proposal's event is recorded exactly once however often, or however concurrently, the job runs."""
    recorded = 0
    for proposal in proposals:
        if proposal.petition_id is not None and proposal.id in funded:
            outbox.record(
                FUNDED_EVENT, now, petition_id=proposal.petition_id, proposal_id=proposal.id, cycle_id=cycle_id
            )
            recorded += 1
    return recorded
