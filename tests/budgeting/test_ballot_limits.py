"""Ballots are rate-limited per signing certificate on Redis (429 with Retry-After); the neighbour
behind the same address votes at once."""

from __future__ import annotations

import uuid

import pytest
from redis import Redis

from tests.budgeting.conftest import VILLAGE_1, VILLAGE_2, ballot_jws, eligible_projects, move_to
from tests.conftest import make_app, wipe


@pytest.fixture
def app(postgres_database, redis_url, instance_dir):
    prefix = f"dauys-test-{uuid.uuid4().hex[:8]}"
    app = make_app(postgres_database, RATELIMIT_ENABLED=True, RATELIMIT_SIGNED="2/minute",
                   RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_KEY_PREFIX=prefix)
    with app.app_context():
        yield app
    wipe(app)
    redis = Redis.from_url(redis_url)
    for key in redis.scan_iter(f"*{prefix}*"):
        redis.delete(key)


def test_one_certificate_is_limited_and_the_neighbour_is_not(app, client, make_cycle, resident, officials):
    cycle = make_cycle("proposals")
    ids = eligible_projects(cycle, resident(kato=VILLAGE_1), officials["officer"], [200_000, 300_000])
    move_to(cycle, "voting")
    voter, neighbour = resident(kato=VILLAGE_2), resident(kato=VILLAGE_2)
    url = f"/api/v1/budget/cycles/{cycle.id}/ballots"

    answers = [client.post(url, json={"jws": ballot_jws(voter, cycle.id, [ids[0]])}) for _ in range(3)]

    assert [a.status_code for a in answers] == [201, 409, 429]
    assert answers[2].get_json()["error"]["code"] == "rate_limited"
    assert 0 < int(answers[2].headers["Retry-After"]) <= 60
    assert client.post(url, json={"jws": ballot_jws(neighbour, cycle.id, [ids[1]])}).status_code == 201
