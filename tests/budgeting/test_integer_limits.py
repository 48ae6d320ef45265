"""Every integer the budget accepts (API bodies, signed ballots, page forms, the service the CLI calls)
fits the column it goes to: Integer is 32-bit, BigInteger 64-bit. One beyond is a field error, never
a driver's overflow (a 500 on PostgreSQL, or on SQLite for 64 bits), and nothing is written."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from cryptography import x509
from sqlalchemy import func, select

from auth import pki
from kernel.errors import DomainError
from tests.auth.test_eds_strict import header_json, signed_raw
from tests.budgeting.conftest import (
    DISTRICT,
    VILLAGE_1,
    ballot_jws,
    eligible_projects,
    error_code,
    implementation_jws,
    move_to,
    proposal_body,
    schedule,
    screen_jws,
    user_of,
)
from tests.petitions.test_pages import sign_in_page

INT32_OVER = [2**31, -2**31 - 1, 2**63, 10**30]
INT64_OVER = [2**63, -2**63 - 1, 10**30, 10**400]


def rows() -> dict[str, int]:
    from extensions import db
    from workers.queues import wait_for_inprocess

    db.session.rollback()
    wait_for_inprocess()
    return {table.name: db.session.scalar(select(func.count()).select_from(table)) for table in db.metadata.sorted_tables}


def funded(make_cycle, officials, resident) -> tuple:
    """A counted cycle with one funded proposal, as the implementation form and API find it."""
    from extensions import db

    cycle = make_cycle()
    ids = eligible_projects(cycle, resident(kato=VILLAGE_1), officials["officer"], [600_000])
    move_to(cycle, "counting")
    cycle.result = {"rule": "greedy", "amount": 1_000_000, "ballots": 1, "funded": [ids[0]], "not_funded": [],
                    "votes": {str(ids[0]): 1}, "pb_sha256": "0" * 64}
    cycle.tallied_at = datetime.now(UTC)
    db.session.commit()
    return cycle, ids[0]


def doc_of(proposal_id: int) -> dict:
    from budgeting.models import Proposal
    from extensions import db

    return db.session.get(Proposal, proposal_id).signed_doc()


def spent_of(proposal_id: int):
    from budgeting.models import Proposal
    from extensions import db

    db.session.expire_all()
    return db.session.get(Proposal, proposal_id).spent


# --- the API --------------------------------------------------------------------------------------


@pytest.mark.parametrize("spent", [2**63, -2**63 - 1, 10**400, 2**64])
def test_an_implementation_act_with_spent_beyond_64_bits_is_refused(make_cycle, officials, resident, actor, spent):
    """The sum is in the signed payload, which the strict JSON reader refuses whole (as any JWS's)."""
    cycle, proposal_id = funded(make_cycle, officials, resident)
    officer = actor(officials["officer"])
    before = rows()
    act = implementation_jws(officials["officer"], doc_of(proposal_id), "done", spent)
    response = officer.post(f"/api/v1/budget/proposals/{proposal_id}/implementation", {"jws": act})
    assert (response.status_code, error_code(response)) == (400, "invalid_signature")
    assert rows() == before and spent_of(proposal_id) is None


def test_implementation_spent_of_the_largest_64_bit_integer_is_stored(make_cycle, officials, resident, actor):
    cycle, proposal_id = funded(make_cycle, officials, resident)
    officer = actor(officials["officer"])
    act = implementation_jws(officials["officer"], doc_of(proposal_id), "done", 2**63 - 1)
    response = officer.post(f"/api/v1/budget/proposals/{proposal_id}/implementation", {"jws": act})
    assert response.status_code == 200, response.get_json()
    assert spent_of(proposal_id) == 2**63 - 1


@pytest.mark.parametrize("cost", INT64_OVER + [2**31, 0, -1])
def test_a_proposal_cost_out_of_range_is_a_validation_error(make_cycle, resident, actor, cost):
    cycle = make_cycle("proposals")
    author = actor(resident(kato=VILLAGE_1))
    before = rows()
    described = proposal_body()["description"]
    text = (f'{{"title": "Көше жарығы", "description": "{described}", "category": "lighting", '
            f'"settlement": "{VILLAGE_1}", "cost": {cost}}}')
    response = author.client.post(f"/api/v1/budget/cycles/{cycle.id}/proposals", headers=author.auth, data=text,
                                  content_type="application/json")
    assert response.status_code == 422 and error_code(response) == "validation_error"
    assert rows() == before


@pytest.mark.parametrize("projects", [[2**31], [2**63 - 1], [-2**63]])
def test_a_signed_ballot_naming_a_project_id_no_column_holds_is_a_validation_error(make_cycle, officials, resident,
                                                                                    client, projects):
    cycle = make_cycle()
    eligible_projects(cycle, resident(kato=VILLAGE_1), officials["officer"], [100_000])
    move_to(cycle, "voting")
    voter = resident(kato=VILLAGE_1)
    before = rows()
    response = client.post(f"/api/v1/budget/cycles/{cycle.id}/ballots", json={"jws": ballot_jws(voter, cycle.id, projects)})
    assert response.status_code == 422 and error_code(response) == "validation_error"
    assert rows() == before


@pytest.mark.parametrize("project", [str(2**63), str(10**400), "1e999", "NaN"])
def test_a_signed_ballot_with_a_number_beyond_64_bits_is_an_invalid_signature(make_cycle, officials, resident, client,
                                                                              project):
    from auth.instance_ca import certification_authority

    cycle = make_cycle()
    eligible_projects(cycle, resident(kato=VILLAGE_1), officials["officer"], [100_000])
    move_to(cycle, "voting")
    voter = resident(kato=VILLAGE_1)
    key = pki.IssuedKey("sign", "ec", voter.sign_key, x509.load_pem_x509_certificate(voter.sign_cert))
    text = json.dumps({"purpose": "ballot.cast", "iat": int(time.time()), "ballot": {"cycle": cycle.id, "projects": [0]}})
    token = signed_raw(header_json(certification_authority(), key), text.replace("[0]", f"[{project}]"), key)
    before = rows()
    response = client.post(f"/api/v1/budget/cycles/{cycle.id}/ballots", json={"jws": token})
    assert response.status_code == 400 and error_code(response) == "invalid_signature"
    assert rows() == before


# --- the page forms -------------------------------------------------------------------------------


CYCLE_FORM = {"kato": DISTRICT, "year": "2031", "amount": "5000000", "ballot": "approval", "rule": "greedy",
              "proposals_open": "2031-03-01T09:00", "proposals_close": "2031-03-31T18:00",
              "voting_open": "2031-04-10T09:00", "voting_close": "2031-04-20T20:00",
              "confirmed": "yes"}  # past the preview: the cycle is created or refused


@pytest.mark.parametrize(
    ("field", "value"),
    [("min_choices", v) for v in INT32_OVER] + [("max_choices", v) for v in INT32_OVER]
    + [("amount", v) for v in INT64_OVER] + [("year", 2**31), ("year", 2**63)],
)
def test_the_cycle_form_refuses_an_integer_its_column_cannot_hold(client, territories, officials, field, value):
    sign_in_page(client, officials["officer"])
    before = rows()
    response = client.post("/budget/new?lang=en", data={**CYCLE_FORM, field: str(value)})
    assert response.status_code == 422
    assert "This number is out of range." in response.get_data(as_text=True)
    assert rows() == before


def test_the_cycle_form_takes_the_largest_integers_its_columns_hold(client, territories, officials):
    from budgeting.models import BudgetCycle
    from extensions import db

    sign_in_page(client, officials["officer"])
    data = {**CYCLE_FORM, "amount": str(2**63 - 1), "min_choices": "1", "max_choices": str(2**31 - 1)}
    assert client.post("/budget/new", data=data).status_code == 302
    db.session.expire_all()
    cycle = db.session.scalar(select(BudgetCycle).where(BudgetCycle.year == 2031))
    assert (cycle.amount, cycle.max_choices) == (2**63 - 1, 2**31 - 1)


@pytest.mark.parametrize("spent", INT64_OVER)
def test_the_implementation_form_refuses_spent_beyond_64_bits(client, make_cycle, officials, resident, spent):
    cycle, proposal_id = funded(make_cycle, officials, resident)
    sign_in_page(client, officials["officer"])
    before = rows()
    act = implementation_jws(officials["officer"], doc_of(proposal_id), "done", spent)
    response = client.post(f"/budget/proposals/{proposal_id}/implementation?lang=en",
                           data={"status": "done", "spent": str(spent), "jws": act})
    assert response.status_code == 400  # the signed payload's number: the strict JSON reader refuses the act
    assert rows() == before and spent_of(proposal_id) is None


@pytest.mark.parametrize("cost", INT64_OVER)
def test_the_proposal_and_screening_forms_refuse_costs_beyond_64_bits(client, make_cycle, officials, resident, cost):
    from budgeting import services
    from budgeting.lifecycle import PROPOSAL
    from extensions import db

    cycle = make_cycle("proposals")
    author = resident(kato=VILLAGE_1)
    sign_in_page(client, author)
    before = rows()
    response = client.post(f"/budget/{cycle.id}/propose", data={
        "title": "Көше жарығы", "description": proposal_body()["description"], "category": "lighting",
        "settlement": VILLAGE_1, "cost": str(cost)})
    assert response.status_code == 422
    assert rows() == before

    proposal = services.create_proposal(cycle, user_of(author), proposal_body(), datetime.now(UTC))
    PROPOSAL.move(proposal, "submit")  # as if signed: the form under test is the screening one
    db.session.commit()
    sign_in_page(client, officials["officer"])
    act = screen_jws(officials["officer"], proposal.signed_doc(), True, cost=cost)
    before = rows()
    response = client.post(f"/budget/proposals/{proposal.id}/screening", data={"cost": str(cost), "jws": act})
    assert response.status_code == 400  # in the signed act: refused whole, as any JWS with such a number
    assert rows() == before


# --- the service (what the CLI calls) and any other write ------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("year", 2**31), ("year", -2**31 - 1), ("min_choices", 2**31), ("max_choices", 2**31), ("amount", 2**63),
     ("amount", 10**30)],
)
def test_create_cycle_refuses_an_integer_its_column_cannot_hold(app, territories, field, value):
    from auth.access import CONSOLE
    from budgeting import services

    arguments = {"kato": DISTRICT, "year": 2031, "amount": 1_000_000, "ballot": "approval", "rule": "greedy",
                 "min_choices": None, "max_choices": None, **schedule("scheduled", datetime.now(UTC)), field: value}
    before = rows()
    with pytest.raises(DomainError) as caught:
        services.create_cycle(CONSOLE, now=datetime.now(UTC), **arguments)
        from extensions import db

        db.session.commit()
    assert caught.value.code == "validation_error" and field in caught.value.fields
    assert rows() == before


@pytest.mark.parametrize("population", [2**63, -2**63 - 1])
def test_no_write_anywhere_overflows_an_integer_column(app, population):
    """The net under the field checks: an ORM write of an integer its column cannot hold is a field error."""
    from extensions import db
    from kernel.territories import Territory

    before = rows()
    db.session.add(Territory(kato="120000000", name_kk="Ақтөбе облысы", name_ru="Актюбинская область",
                             level="region", population=population))
    with pytest.raises(DomainError) as caught:
        db.session.flush()
    assert caught.value.code == "validation_error" and "population" in caught.value.fields
    db.session.rollback()
    assert rows() == before
