"""The proposal's and the cycle's lifecycles on real rows: every state x every action through the
services, and every announced phase x every phase the dates give through the tick.

The tables themselves, pair by pair, are tests/test_lifecycle.py's; here the services and the job
must do what the table says and nothing else: a move it has is made, any other is `wrong_state`
(or, for the tick, no move and no event) and changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from kernel.errors import DomainError
from tests.budgeting.conftest import DISTRICT, VILLAGE_1, schedule, screen_jws, submit_jws, user_of
from tests.test_lifecycle import CYCLE_EXPECTED, PHASES, PROPOSAL_EXPECTED, PROPOSAL_STATES


def make_proposal(cycle, author_iin: str, state: str, now: datetime):
    """A committed proposal made directly in `state`, with what that state implies (a test's setup)."""
    from budgeting.models import Proposal
    from extensions import db
    from kernel.digests import digest

    proposal = Proposal(
        cycle_id=cycle.id, author_iin=author_iin, title="Көше жарығы",
        description="Домбыралы ауылының орталық көшесіне 40 шам орнату керек.", category="lighting",
        settlement=VILLAGE_1, cost=300_000, state=state, digest="", created_at=now,
        submitted_at=None if state == "draft" else now, submit_jws=None if state == "draft" else "signed",
        checked_cost=250_000 if state == "eligible" else None,
        ineligible_reason="Жер телімі жоқ" if state == "ineligible" else None,
        screened_at=now if state in ("eligible", "ineligible") else None,
    )
    db.session.add(proposal)
    db.session.flush()
    proposal.digest = digest(proposal.document())
    db.session.commit()
    return proposal


def snapshot(proposal_id: int) -> dict:
    """The row, the outbox and the audit log: everything a refused action must leave as it was."""
    from audit.models import AuditEntry
    from budgeting.models import Proposal
    from extensions import db
    from workers.outbox import OutboxEvent

    db.session.commit()
    db.session.expire_all()
    table = Proposal.__table__
    return {
        "row": dict(db.session.execute(select(table).where(table.c.id == proposal_id)).mappings().one()),
        "events": db.session.scalar(select(func.count(OutboxEvent.id))),
        "audit": db.session.scalar(select(func.count(AuditEntry.id))),
    }


def _perform(action: str, proposal, author, author_user, officer_user, now: datetime, officer=None) -> None:
    from budgeting import services

    if action == "submit":
        services.submit_proposal(proposal, author_user, submit_jws(author, proposal.signed_doc()), now)
    elif action == "find_eligible":
        services.screen(proposal, officer_user, screen_jws(officer, proposal.signed_doc()), now)
    elif action == "find_ineligible":
        services.screen(proposal, officer_user, screen_jws(officer, proposal.signed_doc(), False, reason="Ауылда жер телімі жоқ"), now)
    else:  # pragma: no cover
        raise AssertionError(action)


@pytest.mark.parametrize("action", ["submit", "find_eligible", "find_ineligible"])
def test_each_proposal_action_moves_only_from_the_states_its_table_names(make_cycle, officials, resident, action):
    from extensions import db

    now = datetime.now(UTC)
    cycle = make_cycle("proposals")
    author = resident(kato=VILLAGE_1)
    author_user, officer_user = user_of(author), user_of(officials["officer"])
    officer = officials["officer"]
    officer.official("budget_officer")  # issued up front: its audit entry is no screening's
    db.session.commit()
    for state in PROPOSAL_STATES:
        proposal = make_proposal(cycle, author.iin, state, now)
        before = snapshot(proposal.id)
        expected = PROPOSAL_EXPECTED.get((state, action))
        if expected is None:
            with pytest.raises(DomainError) as refused:
                _perform(action, proposal, author, author_user, officer_user, now, officer)
            assert refused.value.code == "wrong_state", (state, action)
            assert proposal.state == state  # not even in memory
            db.session.commit()  # a careless caller commits anyway: there is nothing to commit
            assert snapshot(proposal.id) == before, (state, action)
        else:
            _perform(action, proposal, author, author_user, officer_user, now, officer)
            db.session.commit()
            after = snapshot(proposal.id)
            assert after["row"]["state"] == expected, (state, action)
            # a screening that is a new decision is told to the author and logged once
            told = action != "submit"
            assert (after["events"], after["audit"]) == (before["events"] + told, before["audit"] + told), (state, action)


def test_the_tick_moves_each_cycle_only_forward_to_the_phase_its_dates_give(app, territories):
    """Every phase a cycle may have been announced in, against every phase its dates may give."""
    from budgeting.jobs import tick
    from budgeting.models import BudgetCycle
    from extensions import db
    from workers.outbox import OutboxEvent
    from workers.queues import wait_for_inprocess

    now = datetime.now(UTC)
    dated_phases = PHASES[:-1]  # results come from the tally, not the dates
    cycles = {}
    for index, announced in enumerate(PHASES[:-1]):
        for offset, dated in enumerate(dated_phases):
            cycle = BudgetCycle(
                kato=DISTRICT, year=3000 + 10 * index + offset, amount=1_000_000, ballot="approval", rule="greedy",
                created_at=now - timedelta(days=30), announced_phase=announced, **schedule(dated, now),
            )
            db.session.add(cycle)
            db.session.flush()
            cycles[(announced, dated)] = cycle.id
    db.session.commit()

    tick(now.isoformat())
    db.session.rollback()
    wait_for_inprocess()

    events = db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)).all()
    for (announced, dated), cycle_id in cycles.items():
        reached = next((new for (old, _), new in CYCLE_EXPECTED.items() if (old, new) == (announced, dated)), None)
        told = [e.payload["phase"] for e in events if e.event == "budget.phase_changed" and e.payload["cycle_id"] == cycle_id]
        published = [e for e in events if e.event == "budget.results" and e.payload["cycle_id"] == cycle_id]
        stored = db.session.get(BudgetCycle, cycle_id).announced_phase
        assert told == ([dated] if reached else []), (announced, dated)
        if dated == "counting":  # voting closed: the count runs and publishes, whatever was announced
            assert (stored, len(published)) == ("results", 1), (announced, dated)
        else:
            assert (stored, published) == (reached or announced, []), (announced, dated)
