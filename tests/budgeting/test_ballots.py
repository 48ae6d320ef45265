"""Ballots online (EDS-signed) and on paper: every refusal has its API.md code and writes nothing; nobody votes twice."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest
from werkzeug.serving import make_server

from auth.iin import make as make_iin
from tests.budgeting.conftest import (
    ASTANA,
    OTHER_VILLAGE,
    VILLAGE_1,
    VILLAGE_2,
    ballot_count,
    ballot_jws,
    eligible_projects,
    error_code,
    move_to,
    paper_jws,
)
from tests.conftest import free_port


@pytest.fixture
def ballot_cycle(app, make_cycle, resident, officials):
    """A cycle in its voting phase with eligible projects of the given costs: (cycle, project ids)."""
    author = resident()

    def make(costs=(200_000, 300_000, 400_000, 500_000), **cycle_options):
        cycle = make_cycle("proposals", **cycle_options)
        ids = eligible_projects(cycle, author, officials["officer"], list(costs))
        move_to(cycle, "voting")
        return cycle, ids

    return make


@pytest.fixture
def secretary(actor, officials):
    return actor(officials["secretary"])


def vote(client, cycle_id: int, jws: str, **extra):
    return client.post(f"/api/v1/budget/cycles/{cycle_id}/ballots", json={"jws": jws, **extra})


def vote_online(client, citizen, cycle_id: int, projects: list[int]):
    return vote(client, cycle_id, ballot_jws(citizen, cycle_id, projects))


def vote_on_paper(secretary, cycle_id: int, iin: str, projects: list[int]):
    """The `ballot.paper` act of whoever `secretary` is, with their official key if they hold a role
    (a resident who holds none signs with their SIGN key: refused either way)."""
    from kernel.errors import DomainError

    try:
        jws = paper_jws(secretary.citizen, cycle_id, iin, projects)
    except DomainError:  # no role, so no official certificate
        jws = secretary.citizen.jws({"purpose": "ballot.paper", "iat": int(time.time()), "iin": iin,
                                     "ballot": {"cycle": cycle_id, "projects": projects}})
    return secretary.post(f"/api/v1/budget/cycles/{cycle_id}/paper-ballots", {"jws": jws})


def refused(response, status: int, code: str, cycle_id: int, already: int = 0) -> None:
    assert (response.status_code, error_code(response)) == (status, code), response.get_json()
    assert ballot_count(cycle_id) == already, "a refused ballot left a row behind"


# --- accepted ballots ---------------------------------------------------------------------


def test_a_resident_votes_online_and_gets_a_receipt(app, client, ballot_cycle, resident):
    from budgeting.models import Ballot
    from extensions import db

    cycle, ids = ballot_cycle()
    voter = resident(kato=VILLAGE_1)

    response = vote_online(client, voter, cycle.id, [ids[0], ids[2]])

    assert response.status_code == 201, response.get_json()
    receipt = response.get_json()["receipt"]
    assert len(receipt) >= 20
    ballot = db.session.query(Ballot).one()
    assert (ballot.method, ballot.projects, ballot.settlement, ballot.receipt) == ("online", [ids[0], ids[2]], VILLAGE_1, receipt)
    assert ballot.jws and ballot.recorded_by is None
    assert voter.iin not in ballot.voter_hash
    assert client.get(f"/api/v1/budget/cycles/{cycle.id}").get_json()["ballots"] == 1


def test_the_secretary_records_a_paper_ballot_checked_against_the_registry(app, ballot_cycle, resident, secretary):
    from auth.services import account_for
    from budgeting.models import Ballot
    from extensions import db

    cycle, ids = ballot_cycle()
    voter = resident(kato=VILLAGE_2)

    response = vote_on_paper(secretary, cycle.id, voter.iin, [ids[1]])

    assert response.status_code == 201, response.get_json()
    ballot = db.session.query(Ballot).one()
    assert (ballot.method, ballot.projects, ballot.settlement) == ("paper", [ids[1]], VILLAGE_2)
    assert ballot.jws.count(".") == 2  # the secretary's signed act, kept as the online ballot's JWS is
    assert ballot.recorded_by == account_for(secretary.citizen.iin, datetime.now(UTC)).id


def test_a_knapsack_ballot_within_the_amount_is_accepted(app, client, ballot_cycle, resident):
    cycle, ids = ballot_cycle(costs=(600_000, 400_000, 300_000), ballot="knapsack", amount=1_000_000)
    response = vote_online(client, resident(), cycle.id, [ids[0], ids[1]])  # exactly the amount
    assert response.status_code == 201, response.get_json()
    assert ballot_count(cycle.id, "online") == 1


def test_an_approval_ballot_may_pick_any_number_within_min_and_max(app, client, ballot_cycle, resident, secretary):
    cycle, ids = ballot_cycle(min_choices=2, max_choices=3)
    assert vote_online(client, resident(), cycle.id, ids[:2]).status_code == 201
    assert vote_online(client, resident(), cycle.id, ids[1:]).status_code == 201
    assert vote_on_paper(secretary, cycle.id, resident().iin, ids[:3]).status_code == 201
    assert (ballot_count(cycle.id, "online"), ballot_count(cycle.id, "paper")) == (2, 1)


# --- who may vote ----------------------------------------------------------------------------


def test_a_minor_cannot_vote(app, client, ballot_cycle, resident, secretary, minor_born):
    cycle, ids = ballot_cycle()
    minor = resident(born=minor_born)

    refused(vote_online(client, minor, cycle.id, [ids[0]]), 403, "not_eligible", cycle.id)
    refused(vote_on_paper(secretary, cycle.id, minor.iin, [ids[0]]), 403, "not_eligible", cycle.id)


@pytest.mark.parametrize("home", [ASTANA, OTHER_VILLAGE], ids=["astana", "other-rural-district"])
def test_only_residents_of_the_rural_district_vote(app, client, ballot_cycle, resident, secretary, home):
    cycle, ids = ballot_cycle()
    outsider = resident(kato=home)

    refused(vote_online(client, outsider, cycle.id, [ids[0]]), 403, "not_resident", cycle.id)
    refused(vote_on_paper(secretary, cycle.id, outsider.iin, [ids[0]]), 403, "not_resident", cycle.id)


# --- nobody votes twice -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [("online", "online"), ("online", "paper"), ("paper", "online"), ("paper", "paper")],
)
def test_nobody_votes_twice(app, client, ballot_cycle, resident, secretary, first, second):
    cycle, ids = ballot_cycle()
    voter = resident()

    def cast(method, projects):
        if method == "online":
            return vote_online(client, voter, cycle.id, projects)
        return vote_on_paper(secretary, cycle.id, voter.iin, projects)

    assert cast(first, [ids[0]]).status_code == 201
    refused(cast(second, [ids[1], ids[2]]), 409, "already_voted", cycle.id, already=1)
    assert ballot_count(cycle.id, first) == 1


def test_the_same_signed_ballot_sent_twice_counts_once(app, client, ballot_cycle, resident):
    cycle, ids = ballot_cycle()
    jws = ballot_jws(resident(), cycle.id, [ids[0]])
    assert vote(client, cycle.id, jws).status_code == 201
    refused(vote(client, cycle.id, jws), 409, "already_voted", cycle.id, already=1)


def test_a_voter_may_vote_in_each_cycle_once(app, client, ballot_cycle, resident):
    first, first_ids = ballot_cycle()
    second, second_ids = ballot_cycle()
    voter = resident()
    assert vote_online(client, voter, first.id, [first_ids[0]]).status_code == 201
    assert vote_online(client, voter, second.id, [second_ids[0]]).status_code == 201
    assert (ballot_count(first.id), ballot_count(second.id)) == (1, 1)


# --- the ballot's content -------------------------------------------------------------------------


def test_a_knapsack_ballot_over_the_amount_is_refused(app, client, ballot_cycle, resident, secretary):
    cycle, ids = ballot_cycle(costs=(600_000, 400_001, 300_000), ballot="knapsack", amount=1_000_000)

    refused(vote_online(client, resident(), cycle.id, [ids[0], ids[1]]), 422, "over_budget", cycle.id)
    refused(vote_on_paper(secretary, cycle.id, resident().iin, ids), 422, "over_budget", cycle.id)


def test_an_empty_knapsack_ballot_is_too_few_choices(app, client, ballot_cycle, resident):
    cycle, _ids = ballot_cycle(costs=(600_000,), ballot="knapsack")
    refused(vote_online(client, resident(), cycle.id, []), 422, "too_few_choices", cycle.id)


def test_an_approval_ballot_over_the_maximum_is_too_many_choices(app, client, ballot_cycle, resident, secretary):
    cycle, ids = ballot_cycle(min_choices=2, max_choices=3)

    refused(vote_online(client, resident(), cycle.id, ids), 422, "too_many_choices", cycle.id)
    refused(vote_on_paper(secretary, cycle.id, resident().iin, ids), 422, "too_many_choices", cycle.id)


def test_an_approval_ballot_under_the_minimum_is_too_few_choices(app, client, ballot_cycle, resident, secretary):
    cycle, ids = ballot_cycle(min_choices=2, max_choices=3)

    refused(vote_online(client, resident(), cycle.id, [ids[0]]), 422, "too_few_choices", cycle.id)
    refused(vote_on_paper(secretary, cycle.id, resident().iin, []), 422, "too_few_choices", cycle.id)


def test_an_empty_approval_ballot_is_too_few_choices_even_without_a_minimum(app, client, ballot_cycle, resident):
    cycle, _ids = ballot_cycle()
    refused(vote_online(client, resident(), cycle.id, []), 422, "too_few_choices", cycle.id)


def test_a_ballot_signed_for_another_cycle_is_a_digest_mismatch(app, client, ballot_cycle, resident):
    cycle, ids = ballot_cycle()
    other, other_ids = ballot_cycle()
    voter = resident()

    # the other cycle's ballot, posted here; and this cycle's projects signed for the other cycle
    refused(vote(client, cycle.id, ballot_jws(voter, other.id, [other_ids[0]])), 400, "digest_mismatch", cycle.id)
    refused(vote(client, cycle.id, ballot_jws(voter, other.id, [ids[0]])), 400, "digest_mismatch", cycle.id)
    refused(vote(client, cycle.id, ballot_jws(voter, str(cycle.id), [ids[0]])), 400, "digest_mismatch", cycle.id)
    assert ballot_count(other.id) == 0


def test_projects_must_be_ascending_ids_on_this_ballot(app, client, ballot_cycle, resident, officials, actor, subtests):
    cycle, ids = ballot_cycle()
    other, other_ids = ballot_cycle(costs=(100_000,))
    ineligible = _ineligible_proposal(cycle, resident(), actor(officials["officer"]))
    secretary = actor(officials["secretary"])
    voter = resident()
    cases = {
        "descending": [ids[1], ids[0]],
        "duplicate": [ids[0], ids[0]],
        "ineligible": [ineligible],
        "other-cycle": [other_ids[0]],
        "unknown": [ids[-1] + 1000],
        "strings": [str(ids[0])],
        "not-a-list": ids[0],
        "bool": [True],
        "missing": None,
    }

    for name, projects in cases.items():
        with subtests.test(name):
            refused(vote_online(client, voter, cycle.id, projects), 422, "validation_error", cycle.id)
            refused(vote_on_paper(secretary, cycle.id, voter.iin, projects), 422, "validation_error", cycle.id)


def _ineligible_proposal(cycle, author, officer) -> int:
    from budgeting import services
    from extensions import db
    from tests.budgeting.conftest import proposal_body, screen_jws, submit_jws, user_of

    now = datetime.now(UTC)
    move_to(cycle, "proposals", now)
    user = user_of(author)
    proposal = services.create_proposal(cycle, user, proposal_body(title="Облыстық жол"), now)
    services.submit_proposal(proposal, user, submit_jws(author, proposal.signed_doc()), now)
    services.screen(proposal, user_of(officer.citizen), screen_jws(officer.citizen, proposal.signed_doc(), False,
                                                                   reason="Облыс бюджетінің ісі"), now)
    db.session.commit()
    move_to(cycle, "voting", now)
    return proposal.id


# --- when, and by whom on paper -------------------------------------------------------------------


def test_ballots_are_taken_only_during_the_voting_phase(app, client, ballot_cycle, resident, secretary, subtests):
    cycle, ids = ballot_cycle()
    voter = resident()

    for phase in ("proposals", "screening", "counting"):
        with subtests.test(phase):
            move_to(cycle, phase)
            refused(vote_online(client, voter, cycle.id, [ids[0]]), 409, "wrong_state", cycle.id)
            refused(vote_on_paper(secretary, cycle.id, voter.iin, [ids[0]]), 409, "wrong_state", cycle.id)


@pytest.mark.parametrize("who", ["resident", "other_secretary", "officer"])
def test_only_the_secretary_of_that_rural_district_records_paper_ballots(app, ballot_cycle, resident, officials, actor, who):
    cycle, ids = ballot_cycle()
    recorder = actor(resident() if who == "resident" else officials[who])

    refused(vote_on_paper(recorder, cycle.id, resident().iin, [ids[0]]), 403, "forbidden", cycle.id)


def test_a_paper_ballot_needs_a_bearer_token(app, client, ballot_cycle, resident):
    cycle, ids = ballot_cycle()
    response = client.post(f"/api/v1/budget/cycles/{cycle.id}/paper-ballots", json={"jws": "a.b.c"})
    refused(response, 401, "unauthorized", cycle.id)


def test_a_paper_ballot_for_an_iin_not_in_the_registry_is_refused(app, ballot_cycle, secretary):
    cycle, ids = ballot_cycle()
    stranger = make_iin(date(1985, 6, 1), "M", 4321)  # a valid IIN nobody holds

    refused(vote_on_paper(secretary, cycle.id, stranger, [ids[0]]), 403, "not_eligible", cycle.id)


def test_a_paper_ballot_with_a_malformed_iin_is_a_validation_error(app, ballot_cycle, secretary, subtests):
    cycle, ids = ballot_cycle()

    for iin in ("12345", "850601312345", None, 850601300000, "85060130000x"):
        with subtests.test(iin=iin):
            response = vote_on_paper(secretary, cycle.id, iin, [ids[0]])
            refused(response, 422, "validation_error", cycle.id)
            assert "iin" in response.get_json()["error"]["fields"]


# --- the signature -------------------------------------------------------------------------------


def test_a_ballot_signed_with_the_auth_key_is_refused(app, client, ballot_cycle, resident):
    cycle, ids = ballot_cycle()
    refused(vote(client, cycle.id, ballot_jws(resident(), cycle.id, [ids[0]], usage="auth")), 400, "wrong_key_usage", cycle.id)


def test_a_stale_ballot_signature_is_refused(app, client, ballot_cycle, resident):
    cycle, ids = ballot_cycle()
    stale = ballot_jws(resident(), cycle.id, [ids[0]], iat=int(time.time()) - 3600)
    refused(vote(client, cycle.id, stale), 400, "stale_signature", cycle.id)


def test_a_ballot_with_the_wrong_purpose_is_refused(app, client, ballot_cycle, resident):
    cycle, ids = ballot_cycle()
    voter = resident()
    jws = voter.jws({"purpose": "petition.sign", "iat": int(time.time()), "ballot": {"cycle": cycle.id, "projects": [ids[0]]}})
    refused(vote(client, cycle.id, jws), 400, "digest_mismatch", cycle.id)


def test_a_vote_that_asks_to_be_told_follows_the_cycle(app, client, ballot_cycle, resident):
    from budgeting.models import BudgetFollower
    from extensions import db

    cycle, ids = ballot_cycle()
    assert vote(client, cycle.id, ballot_jws(resident(), cycle.id, [ids[0]]), notify=True).status_code == 201
    db.session.rollback()
    assert db.session.query(BudgetFollower).filter_by(cycle_id=cycle.id).count() == 1


def test_a_refused_ballot_that_asked_to_be_told_follows_nothing(app, client, ballot_cycle, resident):
    from budgeting.models import BudgetFollower
    from extensions import db

    cycle, ids = ballot_cycle(max_choices=1)
    refused(vote(client, cycle.id, ballot_jws(resident(), cycle.id, ids[:2]), notify=True), 422, "too_many_choices", cycle.id)
    db.session.rollback()
    assert db.session.query(BudgetFollower).count() == 0


# --- concurrency, on the production database -----------------------------------------------------


def _post(url: str, payload: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_ten_ballots_fired_at_once_by_one_voter_count_once(app, ballot_cycle, resident):
    cycle, ids = ballot_cycle()
    voter = resident()
    payloads = [{"jws": ballot_jws(voter, cycle.id, [ids[i % len(ids)]])} for i in range(10)]
    port = free_port()
    httpd = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}/api/v1/budget/cycles/{cycle.id}/ballots"
    barrier = threading.Barrier(len(payloads))

    def fire(payload):
        barrier.wait(timeout=30)
        return _post(url, payload)

    try:
        with ThreadPoolExecutor(max_workers=len(payloads)) as pool:
            answers = list(pool.map(fire, payloads))
    finally:
        httpd.shutdown()
        thread.join(timeout=10)

    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * 9, answers
    assert sorted(body.get("error", {}).get("code", "") for _, body in answers) == [""] + ["already_voted"] * 9
    assert ballot_count(cycle.id) == 1
