"""The paper-ballot form's check of the voter: the secretary of the cycle types the IIN from the identity
card and reads back the registry's name and whether the person may vote, before signing the ballot.

POST /budget/<id>/paper/voter, a page route (not the API): the secretary of exactly this cycle's rural
district only, CSRF-protected, the IIN in a JSON body (never a URL), rate-limited per secretary,
answering `{status, name}` and never the IIN; nothing it does logs the IIN.
"""

from __future__ import annotations

import logging
import re
import uuid

import pytest

from tests.budgeting.conftest import OTHER_VILLAGE, VILLAGE_1, VILLAGE_2, eligible_projects, move_to
from tests.petitions.test_pages import sign_in_page, sign_out_page


@pytest.fixture
def voting(make_cycle):
    return make_cycle("voting")


def check(client, cycle, iin, **kwargs):
    return client.post(f"/budget/{cycle.id}/paper/voter", json={"iin": iin}, **kwargs)


def answer(response) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def test_the_secretary_reads_the_name_and_whether_the_person_may_vote(client, voting, officials, resident, minor_born):
    from budgeting.models import Ballot
    from extensions import db

    voter = resident(kato=VILLAGE_2, surname="Әбілов", given_name="Серік")
    already = resident(kato=VILLAGE_1, surname="Нұрланова", given_name="Дана")
    db.session.add(
        Ballot(
            cycle_id=voting.id,
            voter_hash=_voter_hash(already.iin, voting.id),
            settlement=VILLAGE_1,
            method="online",
            projects=[],
            cast_at=voting.voting_open,
            receipt=uuid.uuid4().hex[:24],
        )
    )
    db.session.commit()
    outsider, minor = resident(kato=OTHER_VILLAGE), resident(kato=VILLAGE_1, born=minor_born)
    secretary = officials["secretary"]
    sign_in_page(client, secretary)

    seen = {}
    for name, person in (
        ("voter", voter),
        ("already", already),
        ("outsider", outsider),
        ("minor", minor),
        ("self", secretary),
    ):
        response = check(client, voting, person.iin)
        assert person.iin not in response.get_data(as_text=True)  # never echoed
        seen[name] = answer(response)
    assert seen == {
        "voter": {"status": "eligible", "name": "Әбілов Серік"},
        "already": {"status": "already_voted", "name": "Нұрланова Дана"},
        "outsider": {"status": "not_resident", "name": None},  # no name for someone of another district
        "minor": {"status": "not_eligible", "name": None},
        "self": {"status": "own_ballot", "name": None},
    }
    unknown = _valid_unknown_iin()
    assert answer(check(client, voting, unknown)) == {
        "status": "not_eligible",
        "name": None,
    }  # as a minor: which, unsaid


def _voter_hash(iin: str, cycle_id: int) -> str:
    from budgeting.services import _voter_hash

    return _voter_hash(iin, cycle_id)


def _valid_unknown_iin() -> str:
    from datetime import date

    from auth.iin import make

    return make(date(1970, 1, 1), "M", 4321)


def test_a_bad_iin_is_a_clear_error_that_does_not_repeat_it(client, voting, officials):
    sign_in_page(client, officials["secretary"])
    for bad in ("123456789012", "12345", "", "abcdefghijkl"):
        response = check(client, voting, bad)
        assert response.status_code == 422
        body = response.get_json()
        assert body["error"]["code"] == "validation_error" and "iin" in body["error"]["fields"]
        if bad:
            assert bad not in response.get_data(as_text=True)
    for body in ({"iin": 870_412_300_123}, {}, [], "x"):
        assert client.post(f"/budget/{voting.id}/paper/voter", json=body).status_code == 422
    assert client.post(f"/budget/{voting.id}/paper/voter", data={"iin": _valid_unknown_iin()}).status_code == 422


def test_the_iin_is_read_from_the_body_never_from_the_url(client, voting, officials):
    # an IIN nobody holds (a registered one in a URL is itself a finding of tests/privacy_guard.py)
    unregistered = _valid_unknown_iin()
    sign_in_page(client, officials["secretary"])
    response = client.post(f"/budget/{voting.id}/paper/voter?iin={unregistered}", json={})
    assert response.status_code == 422 and unregistered not in response.get_data(as_text=True)
    assert client.get(f"/budget/{voting.id}/paper/voter").status_code == 405


def test_only_the_secretary_of_this_cycle_is_answered(client, voting, officials, resident):
    voter = resident(kato=VILLAGE_2)

    def refused(expected: int) -> None:
        response = check(client, voting, voter.iin)
        assert response.status_code == expected
        text = response.get_data(as_text=True)
        assert voter.iin not in text and "name" not in (response.get_json() or {})
        assert response.get_json()["error"]["code"] == {401: "unauthorized", 403: "forbidden"}[expected]

    refused(401)  # nobody signed in
    for stranger in (resident(kato=VILLAGE_1), officials["other_secretary"], officials["officer"]):
        sign_in_page(client, stranger)  # a citizen of the district, the next district's secretary, its budget officer
        refused(403)
        sign_out_page(client)
    sign_in_page(client, officials["secretary"])
    assert answer(check(client, voting, voter.iin))["status"] == "eligible"
    assert client.post("/budget/999999/paper/voter", json={"iin": voter.iin}).status_code == 404


def test_no_answer_outside_the_voting_phase(client, voting, officials, resident):
    voter = resident(kato=VILLAGE_2)
    sign_in_page(client, officials["secretary"])
    move_to(voting, "counting")
    response = check(client, voting, voter.iin)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "wrong_state"


def test_nothing_the_check_does_logs_the_iin(client, voting, officials, resident, caplog):
    voter, outsider = resident(kato=VILLAGE_2), resident(kato=OTHER_VILLAGE)
    sign_in_page(client, officials["secretary"])
    caplog.set_level(logging.DEBUG)
    for iin in (voter.iin, outsider.iin, "123456789012"):
        check(client, voting, iin)
    sign_out_page(client)
    check(client, voting, voter.iin)
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_info or ''}" for r in caplog.records)
    for iin in (voter.iin, outsider.iin, "123456789012"):
        assert iin not in logged


def test_the_paper_form_offers_the_check_and_the_running_total(client, make_cycle, officials, resident):
    cycle = make_cycle(ballot="knapsack", amount=800_000)
    ids = eligible_projects(cycle, resident(kato=VILLAGE_1), officials["officer"], [500_000, 250_000])
    move_to(cycle, "voting")
    sign_in_page(client, officials["secretary"])
    for lang, total in (
        ("en", "Chosen: 0 ₸ of 800,000 ₸"),
        ("ru", "Выбрано: 0 ₸ из 800 000 ₸"),
        ("kk", "Таңдалды: 800 000 ₸ ішінен 0 ₸"),
    ):
        page = client.get(f"/budget/{cycle.id}/paper?lang={lang}").get_data(as_text=True)
        assert f'data-check-url="/budget/{cycle.id}/paper/voter"' in page and "paper-ballot.js" in page
        assert re.search(r'<input id="voter-iin"(?![^>]*name=)[^>]*>', page), "the IIN's input is still never posted"
        assert 'id="paper-summary"' in page and 'data-ballot="knapsack" data-amount="800000"' in page
        assert total in re.sub(r"\s+", " ", page)
        for pid, cost in zip(ids, (500_000, 250_000), strict=True):
            assert re.search(rf'value="{pid}" data-project="{pid}" data-cost="{cost}"', page)
    assert "{name}" in page and "data-msg-already-voted" in page


def test_csrf_guards_the_check(app, client, voting, officials, resident):
    voter = resident(kato=VILLAGE_2)
    sign_in_page(client, officials["secretary"])
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert check(client, voting, voter.iin).status_code == 400  # no token
        page = client.get(f"/budget/{voting.id}/paper").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        assert answer(check(client, voting, voter.iin, headers={"X-CSRFToken": token}))["status"] == "eligible"
        assert check(client, voting, voter.iin, headers={"X-CSRFToken": "forged"}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_every_look_up_is_in_the_audit_log_by_pseudonym_never_by_iin(client, voting, officials, resident):
    """Reading the registry is an act on a person: who asked, about whom, with what answer, and when."""
    from sqlalchemy import select

    from audit.models import AuditEntry
    from extensions import db
    from kernel.keyed_hashes import person_pseudonym

    voter, outsider = resident(kato=VILLAGE_2, surname="Әбілов", given_name="Серік"), resident(kato=OTHER_VILLAGE)
    unknown = _valid_unknown_iin()
    secretary = officials["secretary"]
    sign_in_page(client, secretary)
    for iin in (voter.iin, outsider.iin, unknown):
        answer(check(client, voting, iin))
    assert check(client, voting, "12345").status_code == 422  # not an IIN: nobody was looked up
    db.session.expire_all()
    rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "ballot.voter_check").order_by(AuditEntry.id)).all()
    assert [(row.subject_type, row.subject_id, row.details["result"]) for row in rows] == [
        ("person", person_pseudonym(voter.iin), "eligible"),
        ("person", person_pseudonym(outsider.iin), "not_resident"),
        ("person", person_pseudonym(unknown), "not_eligible"),
    ]
    from auth.models import Person
    from tests.budgeting.conftest import user_of

    assert all(row.actor_user_id == user_of(secretary).id and row.details["cycle"] == voting.id for row in rows)
    assert rows[0].details["name"] == db.session.get(Person, voter.iin).full_name and rows[2].details["name"] is None
    for row in rows:
        assert not any(iin in str(row.details) or iin in row.subject_id for iin in (voter.iin, outsider.iin, unknown))
