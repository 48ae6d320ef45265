"""An official never decides on their own document in a budget: an officer neither screens nor reports on their own
proposal, a secretary never records a paper ballot in their own name; and an officer's grant serves its rural
district only (a grant of the old wildcard shape serves none). Over the API and the pages; nothing changes on refusal."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from tests.budgeting.conftest import (
    DISTRICT,
    VILLAGE_1,
    VILLAGE_2,
    ballot_count,
    eligible_projects,
    error_code,
    implementation_jws,
    move_to,
    paper_jws,
    proposal_body,
    screen_jws,
    submit_jws,
)
from tests.petitions.test_pages import sign_in_page, sign_out_page


def _grant(citizen, role: str, scope: str | None = DISTRICT):
    from auth import services
    from extensions import db

    services.grant_role(citizen.iin, role, scope, datetime.now(UTC))
    db.session.commit()
    return citizen


def _proposal(proposal_id: int):
    from budgeting.models import Proposal
    from extensions import db

    db.session.expire_all()
    row = db.session.get(Proposal, proposal_id)
    return row.state, row.checked_cost, row.ineligible_reason, row.screened_at, row.implementation, row.spent


def _doc(proposal_id: int) -> dict:
    from budgeting.models import Proposal
    from extensions import db

    return db.session.get(Proposal, proposal_id).signed_doc()


def _submitted_by(actor, cycle) -> int:
    created = actor.post(f"/api/v1/budget/cycles/{cycle.id}/proposals", proposal_body(title="Мектеп жанындағы жарық"))
    assert created.status_code == 201, created.get_json()
    proposal = created.get_json()
    doc = {"type": "proposal", "id": proposal["id"], "digest": proposal["digest"]}
    submitted = actor.post(f"/api/v1/budget/proposals/{proposal['id']}/submit", {"jws": submit_jws(actor.citizen, doc)})
    assert submitted.status_code == 200, submitted.get_json()
    return proposal["id"]


@pytest.fixture
def co_officer(officials, resident):
    """A second budget officer of the same rural district."""
    return _grant(resident(kato=VILLAGE_2), "budget_officer")


def test_an_officer_cannot_screen_their_own_proposal_over_the_api(make_cycle, officials, actor, co_officer):
    cycle = make_cycle("proposals")
    officer = actor(officials["officer"])
    pid = _submitted_by(officer, cycle)
    before = _proposal(pid)
    doc = _doc(pid)
    for fields in ({"eligible": True}, {"eligible": False, "reason": "Жер телімі жеке меншікте."}):
        act = screen_jws(officials["officer"], doc, **fields)
        refused = officer.post(f"/api/v1/budget/proposals/{pid}/screening", {"jws": act})
        assert refused.status_code == 403 and error_code(refused) == "forbidden", refused.get_json()
    assert _proposal(pid) == before
    screened = actor(co_officer).post(f"/api/v1/budget/proposals/{pid}/screening", {"jws": screen_jws(co_officer, doc)})
    assert screened.status_code == 200 and screened.get_json()["state"] == "eligible"


def test_the_screening_page_offers_no_decision_on_the_officers_own_proposal(client, make_cycle, officials, actor, co_officer):
    cycle = make_cycle("proposals")
    pid = _submitted_by(actor(officials["officer"]), cycle)
    before = _proposal(pid)
    sign_in_page(client, officials["officer"])
    page = client.get(f"/budget/{cycle.id}/screening?lang=en").get_data(as_text=True)
    assert f'id="own-proposal-{pid}"' in page and "another budget officer screens it" in page
    assert f'id="screen-{pid}"' not in page
    posted = client.post(f"/budget/proposals/{pid}/screening?lang=en",
                         data={"cost": "", "jws": screen_jws(officials["officer"], _doc(pid))})
    assert posted.status_code == 403 and "another budget officer screens it" in posted.get_data(as_text=True)
    assert _proposal(pid) == before
    sign_out_page(client)
    sign_in_page(client, co_officer)
    assert f'id="screen-{pid}"' in client.get(f"/budget/{cycle.id}/screening").get_data(as_text=True)


def test_an_officer_cannot_record_the_implementation_of_their_own_funded_proposal(
    client, make_cycle, officials, actor, co_officer
):
    from extensions import db

    cycle = make_cycle()
    [pid] = eligible_projects(cycle, officials["officer"], co_officer, [600_000])
    move_to(cycle, "counting")
    cycle.result = {"rule": "greedy", "amount": 1_000_000, "ballots": 1, "funded": [pid], "not_funded": [],
                    "votes": {str(pid): 1}, "pb_sha256": "0" * 64}
    cycle.tallied_at = datetime.now(UTC)
    db.session.commit()
    before = _proposal(pid)
    refused = actor(officials["officer"]).post(
        f"/api/v1/budget/proposals/{pid}/implementation",
        {"jws": implementation_jws(officials["officer"], _doc(pid), "done", 600_000)},
    )
    assert refused.status_code == 403 and error_code(refused) == "forbidden"
    sign_in_page(client, officials["officer"])
    assert f'id="implementation-{pid}"' not in client.get(f"/budget/{cycle.id}/screening").get_data(as_text=True)
    posted = client.post(f"/budget/proposals/{pid}/implementation",
                         data={"jws": implementation_jws(officials["officer"], _doc(pid), "done", 1)})
    assert posted.status_code == 403
    assert _proposal(pid) == before
    done = actor(co_officer).post(f"/api/v1/budget/proposals/{pid}/implementation",
                                  {"jws": implementation_jws(co_officer, _doc(pid), "done", 590_000)})
    assert done.status_code == 200, done.get_json()


def test_a_secretary_cannot_record_a_paper_ballot_in_their_own_name(client, make_cycle, officials, actor, resident):
    cycle = make_cycle()
    ids = eligible_projects(cycle, resident(kato=VILLAGE_1), officials["officer"], [300_000])
    move_to(cycle, "voting")
    secretary = officials["secretary"]
    refused = actor(secretary).post(f"/api/v1/budget/cycles/{cycle.id}/paper-ballots",
                                    {"jws": paper_jws(secretary, cycle.id, secretary.iin, ids)})
    assert refused.status_code == 403 and error_code(refused) == "forbidden"
    assert secretary.iin not in refused.get_data(as_text=True)
    sign_in_page(client, secretary)
    page = client.get(f"/budget/{cycle.id}/paper?lang=en").get_data(as_text=True)
    assert 'id="own-ballot-rule"' in page
    posted = client.post(f"/budget/{cycle.id}/paper?lang=en",
                         data={"projects": [str(ids[0])], "jws": paper_jws(secretary, cycle.id, secretary.iin, ids)})
    assert posted.status_code == 403 and "You cannot record your own ballot" in posted.get_data(as_text=True)
    assert secretary.iin not in posted.get_data(as_text=True)
    assert ballot_count(cycle.id) == 0
    other = _grant(resident(kato=VILLAGE_2), "secretary")
    recorded = actor(other).post(f"/api/v1/budget/cycles/{cycle.id}/paper-ballots",
                                 {"jws": paper_jws(other, cycle.id, secretary.iin, ids)})
    assert recorded.status_code == 201, recorded.get_json()
    assert ballot_count(cycle.id, "paper") == 1


def test_an_officer_grant_of_the_old_wildcard_or_of_a_district_above_serves_no_rural_district(
    client, make_cycle, officials, actor, resident
):
    from auth.models import RoleGrant
    from extensions import db

    cycle = make_cycle("proposals")
    pid = _submitted_by(actor(resident(kato=VILLAGE_1)), cycle)
    before = _proposal(pid)
    wildcard, above = resident(kato=VILLAGE_1), resident(kato=VILLAGE_1)
    now = datetime.now(UTC)
    db.session.add(RoleGrant(iin=wildcard.iin, role="budget_officer", scope=None, granted_at=now))
    db.session.add(RoleGrant(iin=above.iin, role="budget_officer", scope="113200000", granted_at=now))
    db.session.add(RoleGrant(iin=wildcard.iin, role="secretary", scope=None, granted_at=now))
    db.session.commit()
    move_to(cycle, "proposals")
    for citizen in (wildcard, above):
        # no official certificate is issued for a grant of either shape: their SIGN key is all they have
        act = citizen.jws({"purpose": "proposal.screen", "iat": int(time.time()), "doc": _doc(pid), "eligible": True})
        refused = actor(citizen).post(f"/api/v1/budget/proposals/{pid}/screening", {"jws": act})
        assert refused.status_code == 403, refused.get_json()
        sign_in_page(client, citizen)
        assert client.get(f"/budget/{cycle.id}/screening").status_code == 403
        assert client.post(f"/budget/proposals/{pid}/screening", data={"jws": act}).status_code == 403
        sign_out_page(client)
    assert _proposal(pid) == before
    move_to(cycle, "voting")
    voter = resident(kato=VILLAGE_2)
    act = wildcard.jws({"purpose": "ballot.paper", "iat": int(time.time()), "iin": voter.iin,
                        "ballot": {"cycle": cycle.id, "projects": []}})
    paper = actor(wildcard).post(f"/api/v1/budget/cycles/{cycle.id}/paper-ballots", {"jws": act})
    assert paper.status_code == 403
    assert ballot_count(cycle.id) == 0
