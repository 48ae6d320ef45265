"""Ballots share signing's limit key: a re-spelled certificate buys no limit of its own (eds refuses
it, so it counts against its sender's address), and ballots carrying certificates not of our CA are
limited by address, not by whatever text they carry."""

from __future__ import annotations

import time
import uuid

import pytest
from redis import Redis

from tests.budgeting.conftest import VILLAGE_1, VILLAGE_2, eligible_projects, move_to
from tests.conftest import make_app, sign_jws, wipe
from tests.petitions.test_rate_limit_key import JUNK, _issuing, foreign_leaf, net, respellings  # noqa: F401


@pytest.fixture
def app(postgres_database, redis_url, instance_dir):
    prefix = f"dauys-test-{uuid.uuid4().hex[:8]}"
    app = make_app(postgres_database, RATELIMIT_ENABLED=True, RATELIMIT_SIGNED="2/minute",
                   RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_KEY_PREFIX=prefix)
    with app.app_context():
        yield app
        from extensions import db
        from workers.queues import wait_for_inprocess

        db.session.rollback()
        wait_for_inprocess()  # its jobs run in this process: done before the wipe
    wipe(app)
    redis = Redis.from_url(redis_url)
    for key in redis.scan_iter(f"*{prefix}*"):
        redis.delete(key)


@pytest.fixture
def voting(make_cycle, resident, officials):
    cycle = make_cycle("proposals")
    ids = eligible_projects(cycle, resident(kato=VILLAGE_1), officials["officer"], [200_000, 300_000])
    move_to(cycle, "voting")
    return cycle.id, ids


def ballot(cycle_id: int, projects: list[int]) -> dict:
    return {"purpose": "ballot.cast", "iat": int(time.time()), "ballot": {"cycle": cycle_id, "projects": projects}}


def test_a_respelled_certificate_buys_no_ballot_limit_of_its_own(app, client, voting, resident, net):  # noqa: F811
    cycle_id, ids = voting
    voter = resident(kato=VILLAGE_2)
    leaf = voter.x5c(voter.sign_cert)[0]
    url = f"/api/v1/budget/cycles/{cycle_id}/ballots"

    answers = [
        client.post(url, json={"jws": voter.jws(ballot(cycle_id, [ids[0]]), headers={"x5c": [spelling, voter.chain[0]]})},
                    environ_base={"REMOTE_ADDR": f"{net}::{i:x}"})
        for i, spelling in enumerate([leaf, *respellings(leaf)], start=1)
    ]

    assert answers[0].status_code == 201
    assert [a.get_json()["error"]["code"] for a in answers[1:3]] == ["untrusted_certificate"] * 2
    assert {a.status_code for a in answers[3:]} == {429}  # the sender's address: one /64
    assert all("Retry-After" in a.headers for a in answers[3:])


def test_ballots_with_certificates_not_of_our_ca_are_limited_by_address(app, client, voting, resident, net):  # noqa: F811
    cycle_id, ids = voting
    url = f"/api/v1/budget/cycles/{cycle_id}/ballots"
    issuing_b64, issuing = _issuing()
    nat = {"REMOTE_ADDR": f"{net}::1"}

    answers = []
    for kind in JUNK[2:] * 2:  # certificates: self-signed, another CA's, one forged in our CA's name
        leaf, key = foreign_leaf(kind, issuing)
        answers.append(client.post(url, json={"jws": sign_jws(ballot(cycle_id, [ids[0]]), key, {"x5c": [leaf, issuing_b64]}, "ES256")},
                                   environ_base=nat))

    assert [a.status_code for a in answers[2:]] == [429] * (len(answers) - 2)
    neighbour = resident(kato=VILLAGE_2)
    assert client.post(url, json={"jws": neighbour.jws(ballot(cycle_id, [ids[1]]))}, environ_base=nat).status_code == 201
