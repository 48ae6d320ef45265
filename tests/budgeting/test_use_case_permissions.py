"""Each official budget act checks its actor itself, called directly (no page, no endpoint, no decorator):
a resident, an official of another role, an official of another rural district (or of the district above it)
are refused with `forbidden` and leave nothing written; an official of exactly the cycle's rural district acts."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from kernel.errors import DomainError
from tests.budgeting.conftest import DISTRICT, OTHER_DISTRICT, VILLAGE_1, VILLAGE_2, move_to, proposal_body, submit_jws

DISTRICT_ABOVE = "113200000"  # Ақкөл ауданы: the district the rural district lies in


@pytest.fixture
def people(app, resident, other_district):
    """Accounts by name, each holding the grant listed (role, scope), written as rows."""
    from auth.models import RoleGrant
    from auth.services import account_for
    from extensions import db

    now = datetime.now(UTC)
    grants = {
        "author": None,
        "resident": None,
        "officer": ("budget_officer", DISTRICT),
        "secretary": ("secretary", DISTRICT),
        "moderator": ("moderator", None),
        "other_officer": ("budget_officer", OTHER_DISTRICT),
        "other_secretary": ("secretary", OTHER_DISTRICT),
        "officer_above": ("budget_officer", DISTRICT_ABOVE),
        "secretary_above": ("secretary", DISTRICT_ABOVE),
        "wildcard_officer": ("budget_officer", None),
        "wildcard_secretary": ("secretary", None),
    }
    users = {}
    for name, grant in grants.items():
        citizen = resident(kato=VILLAGE_1)
        if grant:
            db.session.add(RoleGrant(iin=citizen.iin, role=grant[0], scope=grant[1], granted_at=now))
        users[name] = (account_for(citizen.iin, now), citizen)
    db.session.commit()
    return {name: user for name, (user, _) in users.items()} | {f"{name}_citizen": c for name, (_, c) in users.items()}


def act_of(people, name: str, purpose: str, doc: dict | None, **fields) -> str:
    """`purpose` signed by `name`: with their official key if their grant gets one, else their SIGN key."""
    citizen = people[f"{name}_citizen"]
    try:
        return citizen.act(purpose, doc, **fields)
    except DomainError:  # no well-formed grant, so no official certificate
        payload = {"purpose": purpose, "iat": int(time.time()), **fields}
        return citizen.jws({**payload, "doc": doc} if doc else payload)


def written() -> tuple:
    """Everything a refused act must leave as it was."""
    from audit.models import AuditEntry
    from budgeting.models import Ballot, BudgetCycle, Proposal
    from extensions import db
    from workers.outbox import OutboxEvent

    db.session.expire_all()
    proposals = db.session.execute(
        select(Proposal.id, Proposal.state, Proposal.checked_cost, Proposal.ineligible_reason, Proposal.screened_at,
               Proposal.implementation, Proposal.spent).order_by(Proposal.id)
    ).all()
    counts = [db.session.scalar(select(func.count(model.id))) for model in (BudgetCycle, Ballot, OutboxEvent, AuditEntry)]
    return tuple(proposals), tuple(counts)


def refused_and_untouched(act) -> None:
    from extensions import db

    before = written()
    with pytest.raises(DomainError) as refused:
        act()
    assert refused.value.code == "forbidden" and refused.value.status == 403
    db.session.rollback()
    assert written() == before


OTHER_ROLES_AND_PLACES = ("resident", "moderator", "other_officer", "other_secretary", "officer_above",
                          "secretary_above", "wildcard_officer", "wildcard_secretary")


def submitted(cycle, people) -> object:
    from budgeting import services
    from extensions import db

    now = datetime.now(UTC)
    proposal = services.create_proposal(cycle, people["author"], proposal_body(settlement=VILLAGE_2), now)
    services.submit_proposal(proposal, people["author"], submit_jws(people["author_citizen"], proposal.signed_doc()), now)
    db.session.commit()
    return proposal


def test_only_an_officer_of_the_cycles_rural_district_creates_its_cycle(app, people):
    from budgeting import services
    from tests.budgeting.conftest import schedule

    now = datetime.now(UTC)

    def create(user):
        return lambda: services.create_cycle(
            user, kato=DISTRICT, year=now.year + 1, amount=1_000_000, ballot="approval", rule="greedy",
            min_choices=None, max_choices=None, now=now, **schedule("scheduled", now),
        )

    for name in (*OTHER_ROLES_AND_PLACES, "secretary"):
        refused_and_untouched(create(people[name]))
    assert create(people["officer"])().kato == DISTRICT


@pytest.mark.parametrize("act", ["screen", "set_implementation"])
def test_only_an_officer_of_the_cycles_rural_district_screens_and_reports(app, make_cycle, people, act):
    from budgeting import services
    from extensions import db

    cycle = make_cycle("proposals")
    proposal = submitted(cycle, people)
    now = datetime.now(UTC)
    if act == "set_implementation":
        services.screen(proposal, people["officer"], act_of(people, "officer", "proposal.screen", proposal.signed_doc(), eligible=True), now)
        move_to(cycle, "counting", now)
        cycle.result = {"funded": [proposal.id]}
        db.session.commit()

    def official_act(name):
        user, doc = people[name], proposal.signed_doc()
        if act == "screen":
            jws = act_of(people, name, "proposal.screen", doc, eligible=True, cost=250_000)
            return lambda: services.screen(proposal, user, jws, now)
        jws = act_of(people, name, "proposal.implementation", doc, status="in_progress", spent=100_000)
        return lambda: services.set_implementation(proposal, user, jws, now)

    for name in (*OTHER_ROLES_AND_PLACES, "secretary"):
        refused_and_untouched(official_act(name))
    official_act("officer")()
    if act == "screen":
        assert (proposal.state, proposal.checked_cost) == ("eligible", 250_000)
    else:
        from audit.models import AuditEntry

        assert (proposal.implementation, proposal.spent) == ("in_progress", 100_000)
        logged = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "proposal.implementation")).one()
        assert logged.at == now  # the time it was given, not a clock of its own


def test_only_a_secretary_of_the_cycles_rural_district_records_a_paper_ballot(app, make_cycle, people, resident):
    from budgeting import services
    from extensions import db

    cycle = make_cycle("proposals")
    proposal = submitted(cycle, people)
    now = datetime.now(UTC)
    services.screen(proposal, people["officer"], act_of(people, "officer", "proposal.screen", proposal.signed_doc(), eligible=True), now)
    db.session.commit()
    move_to(cycle, "voting", now)
    voter = resident(kato=VILLAGE_2)

    def record(name):
        jws = act_of(people, name, "ballot.paper", None, ballot={"cycle": cycle.id, "projects": [proposal.id]}, iin=voter.iin)
        return lambda: services.record_paper_ballot(cycle, people[name], jws, now)

    for name in (*OTHER_ROLES_AND_PLACES, "officer"):
        refused_and_untouched(record(name))
    ballot = record("secretary")()
    db.session.commit()
    assert ballot.method == "paper" and ballot.recorded_by == people["secretary"].id
