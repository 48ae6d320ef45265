"""From a petition to the village budget (DOMAIN.md "After the answer"): a proposal may take up a public
petition, which it signs; the petition's JSON and page list the public proposals citing it and their
fate; when the results fund one, the petition's signers who opted in hear of it, once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.budgeting.conftest import (
    VILLAGE_1,
    VILLAGE_2,
    ballot_jws,
    error_code,
    move_to,
    proposal_body,
    screen_jws,
    submit_jws,
    user_of,
)
from tests.budgeting.test_integer_limits import rows
from tests.petitions.conftest import sign
from tests.petitions.test_pages import sign_in_page
from tests.petitions.test_transitions import make_petition

PUBLIC = ("open", "under_review", "answered", "closed")
NOT_PUBLIC = ("draft", "moderation", "rejected", "restricted", "lapsed")


def petition_in(state: str, make_citizen):
    return make_petition(state, make_citizen(kato=VILLAGE_1).iin, datetime.now(UTC))


def propose(actor, cycle_id: int, **overrides):
    return actor.post(f"/api/v1/budget/cycles/{cycle_id}/proposals", proposal_body(**overrides))


def funded_events() -> list[dict]:
    from extensions import db
    from workers.outbox import OutboxEvent

    db.session.rollback()
    found = db.session.scalars(
        select(OutboxEvent.payload).where(OutboxEvent.event == "budget.petition_proposal_funded").order_by(OutboxEvent.id)
    )
    return list(found)


def tick(at: datetime) -> dict:
    from budgeting.jobs import tick as tick_job
    from extensions import db
    from workers.queues import wait_for_inprocess

    done = tick_job(at.isoformat())
    db.session.rollback()  # SQLite: hold no lock while the job thread writes
    wait_for_inprocess()
    return done


# --- citing a petition ------------------------------------------------------------------------------


@pytest.mark.parametrize("state", PUBLIC)
def test_a_proposal_may_take_up_a_public_petition_and_signs_it(make_cycle, resident, actor, make_citizen, state):
    from kernel.digests import digest

    cycle = make_cycle("proposals")
    petition = petition_in(state, make_citizen)
    author = resident(kato=VILLAGE_1)
    created = propose(actor(author), cycle.id, petition=petition.id)

    assert created.status_code == 201, created.get_json()
    proposal = created.get_json()
    assert proposal["petition"] == petition.id
    document = {
        "type": "proposal", "id": proposal["id"], "cycle": cycle.id, "title": proposal["title"],
        "description": proposal["description"], "category": "lighting", "settlement": VILLAGE_1, "cost": 300_000,
    }
    # the author signs what they cite: the petition is part of the digest
    assert proposal["digest"] == digest({**document, "petition": petition.id}) != digest(document)
    signed = {"type": "proposal", "id": proposal["id"], "digest": proposal["digest"]}
    submitted = actor(author).post(f"/api/v1/budget/proposals/{proposal['id']}/submit", {"jws": submit_jws(author, signed)})
    assert submitted.status_code == 200 and submitted.get_json()["petition"] == petition.id


def test_a_proposal_citing_no_petition_keeps_the_digest_it_had(make_cycle, resident, actor):
    """No `petition` key in the document when none is cited: digests signed before stay valid."""
    from kernel.digests import digest

    cycle = make_cycle("proposals")
    for body in ({}, {"petition": None}):
        proposal = propose(actor(resident(kato=VILLAGE_1)), cycle.id, **body).get_json()
        document = {
            "type": "proposal", "id": proposal["id"], "cycle": cycle.id, "title": proposal["title"],
            "description": proposal["description"], "category": "lighting", "settlement": VILLAGE_1, "cost": 300_000,
        }
        assert proposal["petition"] is None
        assert proposal["digest"] == digest(document)


@pytest.mark.parametrize("state", NOT_PUBLIC)
def test_a_proposal_citing_a_petition_the_public_cannot_see_is_refused_and_writes_nothing(
    make_cycle, resident, actor, make_citizen, state
):
    cycle = make_cycle("proposals")
    petition = petition_in(state, make_citizen)
    author = actor(resident(kato=VILLAGE_1))
    before = rows()

    refused = propose(author, cycle.id, petition=petition.id)

    assert refused.status_code == 422 and error_code(refused) == "validation_error"
    assert set(refused.get_json()["error"]["fields"]) == {"petition"}
    assert rows() == before


@pytest.mark.parametrize("value", [0, -1, 999_999, 2**31, 2**62, 2**63, 10**30])
def test_a_proposal_citing_no_such_petition_is_refused_and_writes_nothing(make_cycle, resident, actor, value):
    """Beyond 64 bits the strict JSON reader refuses the body before any member is read."""
    cycle = make_cycle("proposals")
    author = actor(resident(kato=VILLAGE_1))
    before = rows()

    refused = propose(author, cycle.id, petition=value)

    assert refused.status_code == 422 and error_code(refused) == "validation_error"
    assert set(refused.get_json()["error"]["fields"]) == ({"petition"} if abs(value) < 2**63 else {"body"})
    assert rows() == before


@pytest.mark.parametrize("value", ["1", "", True, False, 1.0, 1.5, [1], {"id": 1}])
def test_a_petition_of_the_wrong_type_is_refused_and_writes_nothing(make_cycle, resident, actor, make_citizen, value):
    cycle = make_cycle("proposals")
    petition = petition_in("open", make_citizen)
    assert petition.id == 1  # the one id `true`, 1.0 and "1" could be taken for
    author = actor(resident(kato=VILLAGE_1))
    before = rows()

    refused = propose(author, cycle.id, petition=value)

    assert refused.status_code == 422 and set(refused.get_json()["error"]["fields"]) == {"petition"}
    assert rows() == before


def test_the_use_case_refuses_a_wrong_type_too(make_cycle, resident, make_citizen):
    """The service is the one that checks (a page or a command may call it with anything)."""
    from budgeting import services
    from kernel.errors import DomainError

    cycle = make_cycle("proposals")
    petition_in("open", make_citizen)
    for value in (True, "1", 1.0):
        with pytest.raises(DomainError) as refused:
            services.create_proposal(cycle, user_of(resident(kato=VILLAGE_1)), proposal_body(petition=value), datetime.now(UTC))
        assert refused.value.code == "validation_error" and set(refused.value.fields) == {"petition"}


# --- the petition lists the proposals and their fate -------------------------------------------------


@pytest.fixture
def taken_up(app, client, make_cycle, resident, officials, make_citizen):
    """An open petition with an opted-in signer and one who did not opt in; a cycle in voting whose
    proposals A (cites it, will be funded), B (cites it, too dear to be funded), C (cites none,
    funded), D (cites it, screened not eligible) and E (cites it, a draft)."""
    from budgeting import services
    from extensions import db

    petition = make_petition("open", make_citizen(kato=VILLAGE_1).iin, datetime.now(UTC))
    told = make_citizen(kato=VILLAGE_2, email="told@example.kz")
    not_told = make_citizen(kato=VILLAGE_2, email="not-told@example.kz")
    for citizen, notify in ((told, True), (not_told, False)):
        user_of(citizen)  # both have an account: only the opt-in decides
        assert sign(client, citizen, {"id": petition.id, "digest": petition.digest}, notify=notify).status_code == 201

    cycle = make_cycle("proposals", amount=1_000_000, rule="greedy")
    now = datetime.now(UTC)
    author, officer = resident(kato=VILLAGE_1), officials["officer"]
    author_user, officer_user = user_of(author), user_of(officer)
    plan = {"A": (300_000, petition.id, True), "B": (900_000, petition.id, True), "C": (200_000, None, True),
            "D": (100_000, petition.id, False), "E": (100_000, petition.id, None)}
    ids = {}
    for name, (cost, cited, eligible) in plan.items():
        proposal = services.create_proposal(
            cycle, author_user, proposal_body(title=f"Жоба {name}", cost=cost, petition=cited), now
        )
        if eligible is not None:
            services.submit_proposal(proposal, author_user, submit_jws(author, proposal.signed_doc()), now)
            decision = {} if eligible else {"reason": "Аудан бюджетінің ісі."}
            services.screen(proposal, officer_user, screen_jws(officer, proposal.signed_doc(), eligible, **decision), now)
        ids[name] = proposal.id
    db.session.commit()
    move_to(cycle, "voting")
    for choice in ([ids["A"], ids["C"]], [ids["A"], ids["C"]], [ids["B"]]):
        services.cast_ballot(cycle, ballot_jws(resident(kato=VILLAGE_2), cycle.id, choice), datetime.now(UTC))
    db.session.commit()
    return {"petition": petition, "cycle": cycle, "ids": ids, "told": told, "not_told": not_told}


def listed(client, petition_id: int) -> list[dict]:
    return client.get(f"/api/v1/petitions/{petition_id}").get_json()["budget_proposals"]


def test_the_petition_lists_its_public_proposals_oldest_first_with_their_fate(client, taken_up):
    ids, cycle = taken_up["ids"], taken_up["cycle"]
    before_results = listed(client, taken_up["petition"].id)

    assert [(p["id"], p["cycle"], p["state"], p["funded"]) for p in before_results] == [
        (ids["A"], cycle.id, "eligible", None), (ids["B"], cycle.id, "eligible", None),
        (ids["D"], cycle.id, "ineligible", None),
    ]  # C cites none; E is a draft, which only its author sees
    assert before_results[0]["title"] == "Жоба A" and before_results[0]["year"] == cycle.year

    move_to(cycle, "counting")
    tick(datetime.now(UTC))
    after = {p["id"]: p for p in listed(client, taken_up["petition"].id)}
    assert [after[ids[n]]["state"] for n in "ABD"] == ["funded", "not_funded", "ineligible"]
    assert [after[ids[n]]["funded"] for n in "ABD"] == [True, False, False]
    assert after[ids["A"]]["implementation"] == "planned"


def test_a_funded_proposal_carried_out_is_implemented(client, taken_up):
    from budgeting.models import Proposal
    from extensions import db

    move_to(taken_up["cycle"], "counting")
    tick(datetime.now(UTC))
    db.session.get(Proposal, taken_up["ids"]["A"]).implementation = "done"
    db.session.commit()

    assert listed(client, taken_up["petition"].id)[0]["state"] == "implemented"


def test_a_petition_no_proposal_takes_up_lists_none(client, make_citizen):
    petition = petition_in("open", make_citizen)
    assert listed(client, petition.id) == []


def test_the_petition_page_shows_the_proposals_and_their_fate_in_each_language(client, taken_up):
    ids, cycle, petition = taken_up["ids"], taken_up["cycle"], taken_up["petition"]
    move_to(cycle, "counting")
    tick(datetime.now(UTC))

    page = client.get(f"/petitions/{petition.id}?lang=en").get_data(as_text=True)
    assert "Taken up in the village budget" in page
    assert f'href="/budget/{cycle.id}#proposal-{ids["A"]}"' in page and "Жоба A" in page
    assert "Funded" in page and "On the ballot, not funded" in page and "Screened not eligible" in page
    assert "Implementation: Planned" in page
    assert "Жоба C" not in page and "Жоба E" not in page
    for lang, heading in (("kk", "Ауыл бюджетіне ұсынылды"), ("ru", "Предложено в бюджет села")):
        assert heading in client.get(f"/petitions/{petition.id}?lang={lang}").get_data(as_text=True)
    # and the cycle's page names the petition each proposal takes up
    assert f'href="/petitions/{petition.id}"' in client.get(f"/budget/{cycle.id}").get_data(as_text=True)


def test_a_petition_page_without_proposals_has_no_such_section(client, make_citizen):
    petition = petition_in("open", make_citizen)
    assert "budget-proposals" not in client.get(f"/petitions/{petition.id}?lang=en").get_data(as_text=True)


# --- opted-in signers hear when one is funded, once ---------------------------------------------------


def notified(citizen) -> int:
    from auth.services import account_for
    from extensions import db
    from notifications.models import Notification

    db.session.rollback()
    user = account_for(citizen.iin, datetime.now(UTC))
    return db.session.scalar(
        select(func.count()).select_from(Notification).where(
            Notification.user_id == user.id, Notification.event == "budget.petition_proposal_funded"
        )
    )


def test_the_results_tell_the_opted_in_signers_once_however_often_the_job_runs(taken_up):
    ids, petition, cycle = taken_up["ids"], taken_up["petition"], taken_up["cycle"]
    move_to(cycle, "counting")
    now = datetime.now(UTC)

    assert tick(now)["tallied"] == 1
    assert tick(now)["tallied"] == 0
    tick(now + timedelta(hours=2))

    # A only: B was not funded, C cites no petition, D was not eligible
    assert funded_events() == [{"petition_id": petition.id, "proposal_id": ids["A"], "cycle_id": cycle.id}]
    assert notified(taken_up["told"]) == 1
    assert notified(taken_up["not_told"]) == 0


def test_concurrent_tallies_record_each_funded_proposal_once(app, taken_up):
    from extensions import db
    from workers.queues import wait_for_inprocess

    move_to(taken_up["cycle"], "counting")
    now = datetime.now(UTC)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def run() -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                tick(now)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    db.session.rollback()
    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    wait_for_inprocess()

    assert errors == []
    assert Counter(e["proposal_id"] for e in funded_events()) == Counter({taken_up["ids"]["A"]: 1})
    assert notified(taken_up["told"]) == 1


def test_the_notice_names_the_project_and_the_petition(app, taken_up):
    from extensions import db
    from notifications.models import EmailDelivery

    move_to(taken_up["cycle"], "counting")
    tick(datetime.now(UTC))
    db.session.rollback()
    letters = db.session.execute(
        select(EmailDelivery.to_addr, EmailDelivery.body).where(EmailDelivery.body.like("%Жоба A%"))
    ).all()

    assert [to for to, _body in letters] == ["told@example.kz"]
    body = letters[0][1]
    assert f"/petitions/{taken_up['petition'].id}" in body
    assert f"/budget/{taken_up['cycle'].id}#proposal-{taken_up['ids']['A']}" in body
    assert "300" in body


# --- the proposal page's form ----------------------------------------------------------------------


def test_the_propose_page_takes_a_petition_number_and_says_when_it_is_no_public_one(client, make_cycle, resident, make_citizen):
    from budgeting.models import Proposal
    from extensions import db

    cycle = make_cycle("proposals")
    public, hidden = petition_in("open", make_citizen), petition_in("moderation", make_citizen)
    sign_in_page(client, resident(kato=VILLAGE_2))
    form = {"title": "Көше жарығы", "description": "Домбыралы ауылының орталық көшесіне 40 шам орнату керек.",
            "category": "lighting", "settlement": VILLAGE_1, "cost": "300000"}
    assert "Petition it takes up" in client.get(f"/budget/{cycle.id}/propose?lang=en").get_data(as_text=True)

    for value in (str(hidden.id), "999999", "0", str(2**31)):
        refused = client.post(f"/budget/{cycle.id}/propose?lang=en", data={**form, "petition": value})
        assert refused.status_code == 422, value
        page = refused.get_data(as_text=True)
        assert "published petition" in page or "out of range" in page, value
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0

    done = client.post(f"/budget/{cycle.id}/propose", data={**form, "petition": str(public.id)})
    assert done.status_code == 302
    none = client.post(f"/budget/{cycle.id}/propose", data={**form, "petition": ""})
    assert none.status_code == 302
    db.session.expire_all()
    assert sorted(db.session.scalars(select(Proposal.petition_id)), key=str) == sorted([public.id, None], key=str)
    cited = db.session.scalars(select(Proposal).where(Proposal.petition_id == public.id)).one()
    submit_page = client.get(f"/budget/proposals/{cited.id}/submit").get_data(as_text=True)
    assert f'href="/petitions/{public.id}"' in submit_page
