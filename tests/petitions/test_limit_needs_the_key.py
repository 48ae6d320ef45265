"""A request counts against a certificate's signing limit only when it proves its sender holds the
certificate's key and would be taken: its signature verifies, for this endpoint's purpose, fresh,
for exactly this document, by a signer who has not signed it yet. Everything else counts against
the client's address.

Keyed on the x5c leaf after a chain check only, ten requests carrying a victim's public certificate
and 64 zero bytes for a signature each answered 400 and then locked the victim out for a minute; a
replay of one of the victim's genuine JWS (for another petition, stale, for another purpose, or the
one already accepted) did the same.
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from datetime import UTC, datetime

import pytest
from redis import Redis
from sqlalchemy import func, select

from tests.conftest import make_app, wipe
from tests.petitions.test_concurrency import citizen, sign_payload
from tests.petitions.test_rate_limit_key import net  # noqa: F401
from tests.petitions.test_transitions import make_petition

FORGED = (400, 401, 403, 409, 422)  # refused, each with its own code; never 429 before the limit


@pytest.fixture
def app(postgres_database, redis_url, instance_dir):
    prefix = f"dauys-test-{uuid.uuid4().hex[:8]}"  # this test's keys only: the Redis is shared
    app = make_app(
        postgres_database, RATELIMIT_ENABLED=True, RATELIMIT_SIGNED="2/minute",
        RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_KEY_PREFIX=prefix,
    )
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
def petitions(app, make_citizen):
    """Three open Government petitions."""
    author = citizen(make_citizen, kato="710000000")
    return [make_petition("open", author.iin, datetime.now(UTC), threshold=1000) for _ in range(3)]


def b64url(raw: bytes | str) -> str:
    return base64.urlsafe_b64encode(raw.encode() if isinstance(raw, str) else raw).rstrip(b"=").decode()


def now() -> int:
    return int(datetime.now(UTC).timestamp())


def signing(petition, iat: int | None = None, purpose: str = "petition.sign") -> dict:
    return {"purpose": purpose, "iat": iat or now(), "doc": petition.signed_doc()}


def unsigned(header: dict, payload: dict | str, signature: bytes) -> str:
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return f"{b64url(json.dumps(header))}.{b64url(body)}.{b64url(signature)}"


# --- what anyone can make of a victim's public certificate ------------------------------------
# Each takes (victim, payload) and returns a JWS the victim never made.


def zero_signature(victim, payload):
    return unsigned({"alg": "ES256", "x5c": victim.x5c(victim.sign_cert)}, payload, bytes(64))


def anything_zero_signature(victim, payload):  # the red team's: not even a payload
    return unsigned({"alg": "ES256", "x5c": victim.x5c(victim.sign_cert)}, "anything", bytes(64))


def random_signature(victim, payload):
    return unsigned({"alg": "ES256", "x5c": victim.x5c(victim.sign_cert)}, payload, secrets.token_bytes(64))


def rsa_sized_signature_relabelled_rs256(victim, payload):
    return unsigned({"alg": "RS256", "x5c": victim.x5c(victim.sign_cert)}, payload, secrets.token_bytes(256))


def genuine_header_other_payload(victim, payload):
    head, _, signature = victim.jws(payload).split(".")
    return f"{head}.{b64url(json.dumps({**payload, 'iat': payload['iat'] - 1}))}.{signature}"


def genuine_relabelled_rs256(victim, payload):
    head, body, signature = victim.jws(payload).split(".")
    header = json.loads(base64.urlsafe_b64decode(head + "=="))
    return f"{b64url(json.dumps({**header, 'alg': 'RS256'}))}.{body}.{signature}"


def genuine_header_respelled(victim, payload):  # the same members, other bytes: the signature no longer fits
    head, body, signature = victim.jws(payload).split(".")
    header = json.loads(base64.urlsafe_b64decode(head + "=="))
    return f"{b64url(json.dumps(header, indent=1))}.{body}.{signature}"


def leaf_respelled_zero_signature(victim, payload):  # PEM's line breaks in x5c[0]
    leaf, issuing = victim.x5c(victim.sign_cert)
    wrapped = "\n".join(leaf[i:i + 64] for i in range(0, len(leaf), 64))
    return unsigned({"alg": "ES256", "x5c": [wrapped, issuing]}, payload, bytes(64))


FORGERIES = [
    zero_signature, anything_zero_signature, random_signature, rsa_sized_signature_relabelled_rs256,
    genuine_header_other_payload, genuine_relabelled_rs256, genuine_header_respelled, leaf_respelled_zero_signature,
]


# --- the victim's own genuine JWS, replayed where it would be refused --------------------------
# Each takes (victim, target, elsewhere) and returns a JWS the victim did make, for something else.


def replay_for_another_petition(victim, target, elsewhere):
    return victim.jws(signing(elsewhere))


def replay_stale(victim, target, elsewhere):
    return victim.jws(signing(target, iat=now() - 3600))


def replay_from_the_future(victim, target, elsewhere):
    return victim.jws(signing(target, iat=now() + 3600))


def replay_of_another_purpose(victim, target, elsewhere):
    return victim.jws(signing(target, purpose="petition.submit"))


def replay_of_a_ballot(victim, target, elsewhere):
    return victim.jws({"purpose": "ballot.cast", "iat": now(), "ballot": {"cycle": target.id, "projects": [1]}})


def replay_with_extra_header_member(victim, target, elsewhere):  # the victim's key, a header eds refuses
    return victim.jws(signing(target), headers={"kid": "1"})


def replay_with_the_id_as_a_float(victim, target, elsewhere):  # Python's 1.0 == 1; the signed JSON differs
    return victim.jws({**signing(target), "doc": {**target.signed_doc(), "id": float(target.id)}})


REPLAYS = [
    replay_for_another_petition, replay_stale, replay_from_the_future, replay_of_another_purpose,
    replay_of_a_ballot, replay_with_extra_header_member, replay_with_the_id_as_a_float,
]


def signature_count() -> int:
    from extensions import db
    from petitions.models import Signature

    db.session.rollback()
    return db.session.scalar(select(func.count(Signature.id)))


def _url(petition) -> str:
    return f"/api/v1/petitions/{petition.id}/signatures"


@pytest.mark.parametrize("forgery", FORGERIES, ids=lambda f: f.__name__)
def test_forgeries_with_a_victims_certificate_do_not_lock_the_victim_out(app, make_citizen, petitions, net, forgery):  # noqa: F811
    target, elsewhere, third = petitions
    client = app.test_client()
    victim = citizen(make_citizen)
    attacker = {"REMOTE_ADDR": f"{net}::66"}

    answers = [client.post(_url(target), json={"jws": forgery(victim, signing(target))}, environ_base=attacker)
               for _ in range(10)]

    assert [a.status_code in FORGED for a in answers[:2]] == [True, True], [a.get_json() for a in answers]
    # limited by the attacker's address, as junk is
    assert {a.status_code for a in answers[2:]} == {429}
    assert signature_count() == 0
    # the victim signs at once, from her own address and from behind the attacker's (a carrier's NAT)
    home = {"REMOTE_ADDR": f"{net.rsplit(':', 1)[0]}:1::1"}
    assert client.post(_url(target), json=sign_payload(victim, target), environ_base=home).status_code == 201
    assert client.post(_url(elsewhere), json=sign_payload(victim, elsewhere), environ_base=attacker).status_code == 201
    # and is still limited by her certificate: her third signature within the minute waits
    third_answer = client.post(_url(third), json=sign_payload(victim, third), environ_base=home)
    assert third_answer.status_code == 429
    assert signature_count() == 2


@pytest.mark.parametrize("replay", REPLAYS, ids=lambda f: f.__name__)
def test_replays_of_the_victims_genuine_jws_that_would_be_refused_count_against_the_sender(app, make_citizen, petitions, net, replay):  # noqa: F811
    target, elsewhere, third = petitions
    client = app.test_client()
    victim = citizen(make_citizen)
    attacker = {"REMOTE_ADDR": f"{net}::66"}
    jws = replay(victim, target, elsewhere)

    answers = [client.post(_url(target), json={"jws": jws}, environ_base=attacker) for _ in range(10)]

    assert [a.status_code in FORGED for a in answers[:2]] == [True, True], [a.get_json() for a in answers]
    assert {a.status_code for a in answers[2:]} == {429}
    assert signature_count() == 0
    home = {"REMOTE_ADDR": f"{net.rsplit(':', 1)[0]}:1::1"}
    assert client.post(_url(target), json=sign_payload(victim, target), environ_base=home).status_code == 201
    assert client.post(_url(elsewhere), json=sign_payload(victim, elsewhere), environ_base=attacker).status_code == 201
    assert client.post(_url(third), json=sign_payload(victim, third), environ_base=home).status_code == 429


def test_replays_of_an_accepted_signature_count_against_the_sender(app, make_citizen, petitions, net):  # noqa: F811
    """The victim's accepted signature, captured (a shared device, a log) and replayed: each replay is
    refused (already_signed) and counted against the replaying address, never against her."""
    target, elsewhere, third = petitions
    client = app.test_client()
    victim = citizen(make_citizen)
    home, attacker = {"REMOTE_ADDR": f"{net.rsplit(':', 1)[0]}:1::1"}, {"REMOTE_ADDR": f"{net}::66"}
    accepted = sign_payload(victim, target)
    assert client.post(_url(target), json=accepted, environ_base=home).status_code == 201

    replays = [client.post(_url(target), json=accepted, environ_base=attacker) for _ in range(10)]

    assert [a.status_code for a in replays[:2]] == [409, 409]
    assert replays[0].get_json()["error"]["code"] == "already_signed"
    assert {a.status_code for a in replays[2:]} == {429}
    # her second signature within the minute goes through; her third meets her certificate's limit
    assert client.post(_url(elsewhere), json=sign_payload(victim, elsewhere), environ_base=home).status_code == 201
    assert client.post(_url(third), json=sign_payload(victim, third), environ_base=attacker).status_code == 429
    assert signature_count() == 2


def test_a_genuine_signature_is_verified_once_and_its_signer_read_once(app, make_citizen, petitions, monkeypatch):
    """The limit's key and the signing share one verification and one signer look-up (which also
    says whether the signer signed already): the hot path pays for neither twice, and makes no
    more round trips than it did before the key verified anything."""
    from jose.backends.cryptography_backend import CryptographyECKey
    from sqlalchemy import event

    from extensions import db

    target = petitions[0]
    victim = citizen(make_citizen)
    verified, statements = [], []
    verify = CryptographyECKey.verify
    monkeypatch.setattr(CryptographyECKey, "verify", lambda self, *args: verified.append(1) or verify(self, *args))

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    body, url = sign_payload(victim, target), _url(target)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = app.test_client().post(url, json=body)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)

    assert response.status_code == 201
    assert len(verified) == 1
    assert len([s for s in statements if "FROM person" in s]) == 1, statements
    # the signing facts, the signer (with whether they signed), the territories (read once per
    # process), the write: as many as before the limit's key verified anything
    assert len(statements) <= 4, statements
