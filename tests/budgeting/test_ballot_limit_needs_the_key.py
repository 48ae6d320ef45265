"""A ballot counts against its certificate's limit only when its signature proves the sender holds
the key and the ballot would be taken (ballot.cast, fresh, for exactly this cycle, a first ballot);
forgeries carrying a victim's public certificate, and replays of her genuine ballots, count against
the sender's address and never lock the voter out."""

from __future__ import annotations

import time
import uuid

import pytest
from redis import Redis

from tests.budgeting.conftest import VILLAGE_1, VILLAGE_2, ballot_count, ballot_jws, eligible_projects, move_to
from tests.conftest import make_app, wipe
from tests.petitions.test_limit_needs_the_key import FORGED, FORGERIES
from tests.petitions.test_rate_limit_key import net  # noqa: F401


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
        wait_for_inprocess()
    wipe(app)
    redis = Redis.from_url(redis_url)
    for key in redis.scan_iter(f"*{prefix}*"):
        redis.delete(key)


@pytest.fixture
def cycles(make_cycle, resident, officials):
    """Three cycles of the rural district in their voting phase: [(cycle id, project ids)]."""
    author = resident(kato=VILLAGE_1)
    made = []
    for _ in range(3):
        cycle = make_cycle("proposals")
        ids = eligible_projects(cycle, author, officials["officer"], [200_000, 300_000])
        move_to(cycle, "voting")
        made.append((cycle.id, ids))
    return made


def ballot(cycle_id: int, projects: list[int], iat: int | None = None, purpose: str = "ballot.cast") -> dict:
    return {"purpose": purpose, "iat": iat or int(time.time()), "ballot": {"cycle": cycle_id, "projects": projects}}


def _url(cycle_id: int) -> str:
    return f"/api/v1/budget/cycles/{cycle_id}/ballots"


def replay_for_another_cycle(voter, target, elsewhere):
    return ballot_jws(voter, elsewhere[0], [elsewhere[1][0]])


def replay_stale(voter, target, elsewhere):
    return ballot_jws(voter, target[0], [target[1][0]], iat=int(time.time()) - 3600)


def replay_of_a_petition_signature(voter, target, elsewhere):
    doc = {"type": "petition", "id": target[0], "digest": "sha256:" + "0" * 64}
    return voter.jws({"purpose": "petition.sign", "iat": int(time.time()), "doc": doc})


def replay_with_extra_header_member(voter, target, elsewhere):
    return voter.jws(ballot(target[0], [target[1][0]]), headers={"kid": "1"})


def replay_with_the_cycle_as_a_float(voter, target, elsewhere):
    return voter.jws(ballot(float(target[0]), [target[1][0]]))


REPLAYS = [
    replay_for_another_cycle, replay_stale, replay_of_a_petition_signature, replay_with_extra_header_member,
    replay_with_the_cycle_as_a_float,
]


def _locked_out_check(client, voter, cycles, attacker, home) -> None:
    (target, target_ids), (elsewhere, elsewhere_ids), (third, third_ids) = cycles
    # the voter votes at once, from her own address and from behind the attacker's
    assert client.post(_url(target), json={"jws": ballot_jws(voter, target, [target_ids[0]])}, environ_base=home).status_code == 201
    assert client.post(_url(elsewhere), json={"jws": ballot_jws(voter, elsewhere, [elsewhere_ids[0]])},
                       environ_base=attacker).status_code == 201
    # and her certificate's own limit still holds
    assert client.post(_url(third), json={"jws": ballot_jws(voter, third, [third_ids[0]])}, environ_base=home).status_code == 429


@pytest.mark.parametrize("forgery", FORGERIES, ids=lambda f: f.__name__)
def test_forged_ballots_with_a_voters_certificate_do_not_lock_her_out(app, client, cycles, resident, net, forgery):  # noqa: F811
    target, ids = cycles[0]
    voter = resident(kato=VILLAGE_2)
    attacker, home = {"REMOTE_ADDR": f"{net}::66"}, {"REMOTE_ADDR": f"{net.rsplit(':', 1)[0]}:1::1"}

    answers = [client.post(_url(target), json={"jws": forgery(voter, ballot(target, [ids[0]]))}, environ_base=attacker)
               for _ in range(10)]

    assert [a.status_code in FORGED for a in answers[:2]] == [True, True], [a.get_json() for a in answers]
    assert {a.status_code for a in answers[2:]} == {429}  # limited by the attacker's address
    assert ballot_count(target) == 0
    _locked_out_check(client, voter, cycles, attacker, home)


@pytest.mark.parametrize("replay", REPLAYS, ids=lambda f: f.__name__)
def test_replayed_ballots_that_would_be_refused_do_not_lock_her_out(app, client, cycles, resident, net, replay):  # noqa: F811
    voter = resident(kato=VILLAGE_2)
    attacker, home = {"REMOTE_ADDR": f"{net}::66"}, {"REMOTE_ADDR": f"{net.rsplit(':', 1)[0]}:1::1"}
    jws = replay(voter, cycles[0], cycles[1])

    answers = [client.post(_url(cycles[0][0]), json={"jws": jws}, environ_base=attacker) for _ in range(10)]

    assert [a.status_code in FORGED for a in answers[:2]] == [True, True], [a.get_json() for a in answers]
    assert {a.status_code for a in answers[2:]} == {429}
    assert ballot_count(cycles[0][0]) == 0
    _locked_out_check(client, voter, cycles, attacker, home)


def test_replays_of_a_cast_ballot_count_against_the_sender(app, client, cycles, resident, net):  # noqa: F811
    (target, ids), (elsewhere, elsewhere_ids), (third, third_ids) = cycles
    voter = resident(kato=VILLAGE_2)
    attacker, home = {"REMOTE_ADDR": f"{net}::66"}, {"REMOTE_ADDR": f"{net.rsplit(':', 1)[0]}:1::1"}
    cast = {"jws": ballot_jws(voter, target, [ids[0]])}
    assert client.post(_url(target), json=cast, environ_base=home).status_code == 201

    replays = [client.post(_url(target), json=cast, environ_base=attacker) for _ in range(10)]

    assert [a.status_code for a in replays[:2]] == [409, 409]
    assert replays[0].get_json()["error"]["code"] == "already_voted"
    assert {a.status_code for a in replays[2:]} == {429}
    assert client.post(_url(elsewhere), json={"jws": ballot_jws(voter, elsewhere, [elsewhere_ids[0]])},
                       environ_base=home).status_code == 201
    assert client.post(_url(third), json={"jws": ballot_jws(voter, third, [third_ids[0]])}, environ_base=home).status_code == 429
    assert (ballot_count(target), ballot_count(elsewhere), ballot_count(third)) == (1, 1, 0)


def test_a_ballot_is_verified_once_and_its_voter_read_once(app, client, cycles, resident, monkeypatch):
    """The limit's key and the ballot share one verification and one voter look-up (which also says
    whether the voter voted already in this cycle)."""
    from jose.backends.cryptography_backend import CryptographyECKey
    from sqlalchemy import event

    from extensions import db

    target, ids = cycles[0]
    voter = resident(kato=VILLAGE_2)
    verified, statements = [], []
    verify = CryptographyECKey.verify
    monkeypatch.setattr(CryptographyECKey, "verify", lambda self, *args: verified.append(1) or verify(self, *args))

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    body = {"jws": ballot_jws(voter, target, [ids[0]])}
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.post(_url(target), json=body)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)

    assert response.status_code == 201
    assert len(verified) == 1
    assert len([s for s in statements if "FROM person" in s]) == 1, statements
    # whether they voted is asked in the voter look-up, not in a round trip of its own
    assert [s for s in statements if "voter_hash = " in s and "FROM person" not in s] == []
