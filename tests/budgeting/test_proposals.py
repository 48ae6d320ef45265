"""Proposals: adult residents propose during the proposals phase, sign with the SIGN key, the officer screens."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from tests.budgeting.conftest import (
    ASTANA,
    DISTRICT,
    OTHER_VILLAGE,
    VILLAGE_1,
    VILLAGE_2,
    error_code,
    move_to,
    proposal_body,
    submit_jws,
)


def proposals_written() -> int:
    from budgeting.models import Proposal
    from extensions import db

    db.session.rollback()
    return db.session.scalar(select(func.count(Proposal.id)))


def propose(author, cycle_id, **overrides):
    return author.post(f"/api/v1/budget/cycles/{cycle_id}/proposals", proposal_body(**overrides))


def signed_doc(proposal: dict) -> dict:
    return {"type": "proposal", "id": proposal["id"], "digest": proposal["digest"]}


def submit(author, proposal: dict, jws: str | None = None):
    jws = jws or submit_jws(author.citizen, signed_doc(proposal))
    return author.post(f"/api/v1/budget/proposals/{proposal['id']}/submit", {"jws": jws})


def submitted_proposal(author, cycle_id, **overrides) -> dict:
    draft = propose(author, cycle_id, **overrides)
    assert draft.status_code == 201, draft.get_json()
    done = submit(author, draft.get_json())
    assert done.status_code == 200, done.get_json()
    return done.get_json()


# --- who may propose, and when ---------------------------------------------------------


@pytest.mark.parametrize("village", [VILLAGE_1, VILLAGE_2])
def test_an_adult_resident_proposes_a_draft_during_the_proposals_phase(app, make_cycle, resident, actor, village):
    from kernel.digests import digest

    cycle = make_cycle("proposals")
    author = actor(resident(kato=village))

    response = propose(author, cycle.id, settlement=VILLAGE_2)

    assert response.status_code == 201, response.get_json()
    proposal = response.get_json()
    assert proposal["state"] == "draft" and proposal["cycle"] == cycle.id
    assert (proposal["settlement"], proposal["cost"], proposal["checked_cost"]) == (VILLAGE_2, 300_000, None)
    document = {
        "type": "proposal", "id": proposal["id"], "cycle": cycle.id, "title": proposal["title"],
        "description": proposal["description"], "category": "lighting", "settlement": VILLAGE_2, "cost": 300_000,
    }
    assert proposal["digest"] == digest(document)


def test_a_minor_cannot_propose(app, make_cycle, resident, actor, minor_born):
    cycle = make_cycle("proposals")
    response = propose(actor(resident(born=minor_born)), cycle.id)

    assert (response.status_code, error_code(response)) == (403, "not_eligible")
    assert proposals_written() == 0


@pytest.mark.parametrize("home", [ASTANA, OTHER_VILLAGE, "113200000"], ids=["astana", "other-rural-district", "district"])
def test_only_residents_of_the_rural_district_propose(app, make_cycle, resident, actor, other_district, home):
    cycle = make_cycle("proposals")
    response = propose(actor(resident(kato=home)), cycle.id)

    assert (response.status_code, error_code(response)) == (403, "not_resident")
    assert proposals_written() == 0


def test_proposals_are_taken_only_during_the_proposals_phase(app, make_cycle, resident, actor, subtests):
    cycle = make_cycle("scheduled")
    author = actor(resident())

    for phase in ("scheduled", "screening", "voting", "counting"):
        with subtests.test(phase):
            move_to(cycle, phase)
            response = propose(author, cycle.id)
            assert (response.status_code, error_code(response)) == (409, "wrong_state")
            assert proposals_written() == 0


def test_proposing_needs_a_bearer_token(app, client, make_cycle):
    cycle = make_cycle("proposals")
    response = client.post(f"/api/v1/budget/cycles/{cycle.id}/proposals", json=proposal_body())

    assert (response.status_code, error_code(response)) == (401, "unauthorized")
    assert proposals_written() == 0


def test_a_proposal_for_an_unknown_cycle_is_not_found(app, make_cycle, resident, actor):
    response = propose(actor(resident()), 424242)
    assert (response.status_code, error_code(response)) == (404, "not_found")


# --- field validation -------------------------------------------------------------------


BAD_FIELDS = [
    ({"title": "Жол"}, {"title"}),
    ({"title": "  " + "x" * 201}, {"title"}),
    ({"title": None, "description": "Қысқа"}, {"title", "description"}),
    ({"title": None}, {"title"}),
    ({"title": None, "description": 42}, {"description"}),  # a wrong type is refused before any meaning is judged
    ({"description": "Қысқа мәтін"}, {"description"}),
    ({"category": "weapons"}, {"category"}),
    ({"settlement": DISTRICT}, {"settlement"}),  # the rural district itself is not a village
    ({"settlement": OTHER_VILLAGE}, {"settlement"}),  # a village of another rural district
    ({"settlement": "113200000"}, {"settlement"}),
    ({"settlement": 113243100}, {"settlement"}),
    ({"settlement": "999999999"}, {"settlement"}),
    ({"cost": 0}, {"cost"}),
    ({"cost": -5}, {"cost"}),
    ({"cost": "300000"}, {"cost"}),
    ({"cost": 300_000.5}, {"cost"}),
    ({"cost": True}, {"cost"}),
    ({"cost": 1_000_001}, {"cost"}),  # more than the cycle's whole amount
]


def test_proposal_fields_are_validated(app, make_cycle, resident, actor, other_district, subtests):
    cycle = make_cycle("proposals", amount=1_000_000)
    author = actor(resident())

    for overrides, fields in BAD_FIELDS:
        with subtests.test(overrides=overrides):
            response = propose(author, cycle.id, **overrides)
            assert (response.status_code, error_code(response)) == (422, "validation_error"), response.get_json()
            assert set(response.get_json()["error"]["fields"]) == fields
            assert proposals_written() == 0


def test_every_bad_field_is_named_at_once(app, make_cycle, resident, actor):
    cycle = make_cycle("proposals")
    author = actor(resident())
    response = author.post(f"/api/v1/budget/cycles/{cycle.id}/proposals", {})

    assert (response.status_code, error_code(response)) == (422, "validation_error")
    assert set(response.get_json()["error"]["fields"]) == {"title", "description", "category", "settlement", "cost"}
    assert proposals_written() == 0


# --- submission with the SIGN key -------------------------------------------------------


def test_the_author_submits_a_proposal_with_a_proposal_submit_signature(app, make_cycle, resident, actor):
    from budgeting.models import Proposal
    from extensions import db

    cycle = make_cycle("proposals")
    author = actor(resident())
    draft = propose(author, cycle.id).get_json()

    response = submit(author, draft)

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["state"] == "submitted" and response.get_json()["submitted_at"]
    db.session.rollback()
    assert db.session.get(Proposal, draft["id"]).submit_jws


def test_a_signature_for_another_document_is_a_digest_mismatch(app, make_cycle, resident, actor):
    cycle = make_cycle("proposals")
    author = actor(resident())
    first = propose(author, cycle.id).get_json()
    second = propose(author, cycle.id, title="Балалар алаңы", category="playgrounds_sport").get_json()

    for doc in (
        signed_doc(second),  # the author's other proposal
        {**signed_doc(first), "digest": second["digest"]},  # this id, another text
        {**signed_doc(first), "type": "petition"},
    ):
        response = submit(author, first, submit_jws(author.citizen, doc))
        assert (response.status_code, error_code(response)) == (400, "digest_mismatch")
    petition_purpose = author.citizen.jws({"purpose": "petition.submit", "iat": int(time.time()), "doc": signed_doc(first)})
    response = submit(author, first, petition_purpose)
    assert (response.status_code, error_code(response)) == (400, "digest_mismatch")
    assert author.get(f"/api/v1/budget/proposals/{first['id']}").get_json()["state"] == "draft"


def test_a_proposal_signed_with_the_auth_key_is_refused(app, make_cycle, resident, actor):
    cycle = make_cycle("proposals")
    author = actor(resident())
    draft = propose(author, cycle.id).get_json()

    response = submit(author, draft, submit_jws(author.citizen, signed_doc(draft), usage="auth"))

    assert (response.status_code, error_code(response)) == (400, "wrong_key_usage")
    assert author.get(f"/api/v1/budget/proposals/{draft['id']}").get_json()["state"] == "draft"


def test_nobody_submits_someone_elses_proposal(app, make_cycle, resident, actor):
    cycle = make_cycle("proposals")
    author = actor(resident())
    neighbour = actor(resident(kato=VILLAGE_1))
    draft = propose(author, cycle.id).get_json()

    # the neighbour's own token and signature
    response = submit(neighbour, draft, submit_jws(neighbour.citizen, signed_doc(draft)))
    assert (response.status_code, error_code(response)) == (403, "forbidden")
    # the author's token with the neighbour's signature
    response = submit(author, draft, submit_jws(neighbour.citizen, signed_doc(draft)))
    assert (response.status_code, error_code(response)) == (403, "forbidden")
    assert author.get(f"/api/v1/budget/proposals/{draft['id']}").get_json()["state"] == "draft"


def test_a_draft_is_hidden_from_everyone_but_its_author(app, client, make_cycle, resident, actor):
    cycle = make_cycle("proposals")
    author = actor(resident())
    draft = propose(author, cycle.id).get_json()

    assert client.get(f"/api/v1/budget/proposals/{draft['id']}").status_code == 404
    assert actor(resident()).get(f"/api/v1/budget/proposals/{draft['id']}").status_code == 404
    assert client.get(f"/api/v1/budget/cycles/{cycle.id}").get_json()["projects"] == []
    submit(author, draft)
    assert client.get(f"/api/v1/budget/proposals/{draft['id']}").get_json()["state"] == "submitted"


def test_a_proposal_is_submitted_once_and_only_while_proposals_are_open(app, make_cycle, resident, actor):
    cycle = make_cycle("proposals")
    author = actor(resident())
    draft = propose(author, cycle.id).get_json()
    late = propose(author, cycle.id, title="Кешіккен жоба").get_json()
    assert submit(author, draft).status_code == 200

    again = submit(author, draft)
    assert (again.status_code, error_code(again)) == (409, "wrong_state")

    move_to(cycle, "screening")
    response = submit(author, late)
    assert (response.status_code, error_code(response)) == (409, "wrong_state")
    assert author.get(f"/api/v1/budget/proposals/{late['id']}").get_json()["state"] == "draft"


# --- screening by the budget officer ------------------------------------------------------


def screen(officer, proposal_id, **decision):
    """The `proposal.screen` act of `officer` (an Actor) on the proposal as it stands, with `decision`
    as its payload besides purpose, iat and doc; signed with their official key if they hold a role,
    else with their SIGN key (refused either way)."""
    from budgeting.models import Proposal
    from extensions import db
    from kernel.errors import DomainError

    doc = db.session.get(Proposal, proposal_id).signed_doc()
    try:
        jws = officer.citizen.act("proposal.screen", doc, **decision)
    except DomainError:  # no role: no official certificate
        jws = officer.citizen.jws({"purpose": "proposal.screen", "iat": int(time.time()), "doc": doc, **decision})
    return officer.post(f"/api/v1/budget/proposals/{proposal_id}/screening", {"jws": jws})


@pytest.fixture
def screened_setup(app, make_cycle, resident, actor, officials):
    cycle = make_cycle("proposals")
    author = actor(resident(email="proposer@example.kz"))
    proposal = submitted_proposal(author, cycle.id, cost=400_000)
    return cycle, author, proposal


def test_the_officer_marks_a_proposal_eligible_with_a_checked_cost(app, actor, officials, screened_setup):
    cycle, _author, proposal = screened_setup
    move_to(cycle, "screening")

    response = screen(actor(officials["officer"]), proposal["id"], eligible=True, cost=450_000)

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["state"], body["checked_cost"], body["cost"], body["ineligible_reason"]) == ("eligible", 450_000, 400_000, None)


def test_without_a_checked_cost_the_proposers_estimate_stands(app, actor, officials, screened_setup):
    _cycle, _author, proposal = screened_setup
    response = screen(actor(officials["officer"]), proposal["id"], eligible=True)

    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["state"], response.get_json()["checked_cost"]) == ("eligible", 400_000)


def test_the_officer_marks_a_proposal_ineligible_with_a_reason(app, actor, officials, screened_setup):
    _cycle, _author, proposal = screened_setup
    response = screen(actor(officials["officer"]), proposal["id"], eligible=False, reason="  Бұл аудандық бюджеттің ісі.  ")

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["state"], body["checked_cost"], body["ineligible_reason"]) == ("ineligible", None, "Бұл аудандық бюджеттің ісі.")


def test_a_screening_decision_is_validated(app, actor, officials, screened_setup, subtests):
    _cycle, author, proposal = screened_setup
    officer = actor(officials["officer"])
    cases = [
        ({"eligible": False}, "reason"),
        ({"eligible": False, "reason": "   "}, "reason"),
        ({"eligible": "yes"}, "eligible"),
        ({}, "eligible"),
        ({"eligible": True, "cost": 0}, "cost"),
        ({"eligible": True, "cost": "450000"}, "cost"),
        ({"eligible": True, "cost": 1_000_001}, "cost"),
    ]

    for decision, field in cases:
        with subtests.test(decision=decision):
            response = screen(officer, proposal["id"], **decision)
            assert (response.status_code, error_code(response)) == (422, "validation_error")
            assert field in response.get_json()["error"]["fields"]
            assert author.get(f"/api/v1/budget/proposals/{proposal['id']}").get_json()["state"] == "submitted"


@pytest.mark.parametrize("who", ["other_officer", "secretary", "author"])
def test_only_the_budget_officer_of_that_rural_district_screens(app, actor, officials, screened_setup, who):
    _cycle, author, proposal = screened_setup
    screener = author if who == "author" else actor(officials[who])

    response = screen(screener, proposal["id"], eligible=True)

    assert (response.status_code, error_code(response)) == (403, "forbidden")
    assert author.get(f"/api/v1/budget/proposals/{proposal['id']}").get_json()["state"] == "submitted"


def test_a_draft_is_not_screened(app, make_cycle, resident, actor, officials):
    cycle = make_cycle("proposals")
    author = actor(resident())
    draft = propose(author, cycle.id).get_json()

    response = screen(actor(officials["officer"]), draft["id"], eligible=True)

    assert (response.status_code, error_code(response)) == (409, "wrong_state")


def test_screening_closes_when_voting_opens(app, actor, officials, screened_setup):
    cycle, author, proposal = screened_setup
    move_to(cycle, "voting")

    response = screen(actor(officials["officer"]), proposal["id"], eligible=True)

    assert (response.status_code, error_code(response)) == (409, "wrong_state")
    assert author.get(f"/api/v1/budget/proposals/{proposal['id']}").get_json()["state"] == "submitted"


def test_the_proposer_is_told_of_the_screening_in_the_inbox_and_by_mail(app, actor, officials, screened_setup, smtp):
    from extensions import db
    from workers.outbox import OutboxEvent
    from workers.queues import wait_for_inprocess

    cycle, author, proposal = screened_setup
    wait_for_inprocess()  # the welcome mail of the proposer's first sign-in has had its (failed) try
    app.config["MAIL_PORT"] = smtp.port

    assert screen(actor(officials["officer"]), proposal["id"], eligible=False, reason="Жер телімі жеке меншікте.").status_code == 200
    wait_for_inprocess()

    db.session.rollback()
    events = db.session.scalars(select(OutboxEvent).where(OutboxEvent.event == "budget.proposal_screened")).all()
    assert [(e.payload["proposal_id"], e.payload["cycle_id"]) for e in events] == [(proposal["id"], cycle.id)]
    assert events[0].processed_at is not None
    items = author.get("/api/v1/me/notifications").get_json()["items"]
    assert [(i["event"], i.get("cycle")) for i in items if i["event"].startswith("budget.")] == [
        ("budget.proposal_screened", cycle.id)
    ]
    mails = smtp.wait_for(1)
    assert [m["To"] for m in mails] == ["proposer@example.kz"]


def test_saving_the_same_screening_twice_tells_the_proposer_once_and_a_changed_one_again(
    app, actor, officials, screened_setup
):
    from extensions import db
    from workers.outbox import OutboxEvent

    cycle, author, proposal = screened_setup
    officer = actor(officials["officer"])

    assert screen(officer, proposal["id"], eligible=True, cost=900_000).status_code == 200
    assert screen(officer, proposal["id"], eligible=True, cost=900_000).status_code == 200
    db.session.rollback()
    count = select(func.count()).select_from(OutboxEvent).where(OutboxEvent.event == "budget.proposal_screened")
    assert db.session.scalar(count) == 1

    assert screen(officer, proposal["id"], eligible=False, reason="Жер телімі жеке меншікте.").status_code == 200
    db.session.rollback()
    assert db.session.scalar(count) == 2
