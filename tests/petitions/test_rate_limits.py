"""Signing is rate-limited per signing certificate (on Redis), never per client address.

Mobile carriers put thousands of citizens behind one address: a national petition must not be
throttled by its own popularity, while one certificate cannot hammer the endpoint. A certificate's
limit counts the signatures it would have taken (a repeat of one already taken counts against the
address: tests/petitions/test_limit_needs_the_key.py).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from redis import Redis

from tests.conftest import make_app, wipe
from tests.petitions.test_concurrency import citizen, restricted_petition, sign_payload  # noqa: F401
from tests.petitions.test_transitions import make_petition


@pytest.fixture
def app(postgres_database, redis_url, instance_dir):
    prefix = f"dauys-test-{uuid.uuid4().hex[:8]}"  # this test's keys only: the Redis is shared
    app = make_app(
        postgres_database, REDIS_URL=redis_url, RATELIMIT_ENABLED=True, RATELIMIT_SIGNED="2/minute",
        RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_KEY_PREFIX=prefix, PETITION_RESTRICTED_SUPPORTERS=1,
        PETITION_THRESHOLD_GOVERNMENT=30,
    )
    with app.app_context():
        yield app
    wipe(app)
    redis = Redis.from_url(redis_url)
    for pattern in (f"*{prefix}*", "*petitions_api.sign_petition*"):
        for key in redis.scan_iter(pattern):
            redis.delete(key)


def test_one_certificate_is_limited_and_the_citizen_beside_it_is_not(app, make_citizen, restricted_petition):  # noqa: F811
    petition, people = restricted_petition
    petitions = [petition] + [make_petition("open", people["author"].iin, datetime.now(UTC), threshold=1000) for _ in range(2)]
    client = app.test_client()
    eager = citizen(make_citizen)

    answers = [client.post(f"/api/v1/petitions/{p.id}/signatures", json=sign_payload(eager, p)) for p in petitions]

    assert [a.status_code for a in answers] == [201, 201, 429]
    assert answers[2].get_json()["error"]["code"] == "rate_limited"
    assert 0 < int(answers[2].headers["Retry-After"]) <= 60
    # the same address, another certificate: signs at once
    last = petitions[2]
    assert client.post(f"/api/v1/petitions/{last.id}/signatures", json=sign_payload(citizen(make_citizen), last)).status_code == 201
    # the limit lives in Redis, shared by every web process (keyed by certificate, not address)
    keys = list(Redis.from_url(app.config["REDIS_URL"]).scan_iter("*petitions_api.sign_petition*"))
    assert keys and all(b"/cert:" in key for key in keys)


def test_challenge_and_token_endpoints_are_limited_per_address_with_retry_after(app):
    client = app.test_client()
    answers = [client.post("/api/v1/auth/challenge", json={}) for _ in range(31)]
    assert [a.status_code for a in answers[:30]] == [201] * 30
    assert answers[30].status_code == 429
    assert answers[30].get_json()["error"]["code"] == "rate_limited"
    assert 0 < int(answers[30].headers["Retry-After"]) <= 60
    tokens = [client.post("/api/v1/auth/token", json={"jws": "not-a-jws"}) for _ in range(31)]
    assert tokens[-1].status_code == 429 and "Retry-After" in tokens[-1].headers
    assert {t.status_code for t in tokens[:30]} == {400}
