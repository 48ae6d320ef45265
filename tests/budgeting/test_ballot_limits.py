"""Ballots are rate-limited per signing certificate on Redis (429 with Retry-After); the neighbour
behind the same address votes at once. A certificate's limit counts the ballots it would have had
taken (one per cycle; a repeat counts against the address: test_ballot_limit_needs_the_key.py)."""

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
    author = resident(kato=VILLAGE_1)
    cycles = []
    for _ in range(3):  # three cycles of the district (three years) in their voting phase together
        cycle = make_cycle("proposals")
        ids = eligible_projects(cycle, author, officials["officer"], [200_000, 300_000])
        move_to(cycle, "voting")
        cycles.append((cycle.id, ids))
    voter, neighbour = resident(kato=VILLAGE_2), resident(kato=VILLAGE_2)

    answers = [client.post(f"/api/v1/budget/cycles/{cycle_id}/ballots", json={"jws": ballot_jws(voter, cycle_id, [ids[0]])})
               for cycle_id, ids in cycles]

    assert [a.status_code for a in answers] == [201, 201, 429]
    assert answers[2].get_json()["error"]["code"] == "rate_limited"
    assert 0 < int(answers[2].headers["Retry-After"]) <= 60
    cycle_id, ids = cycles[2]
    assert client.post(f"/api/v1/budget/cycles/{cycle_id}/ballots",
                       json={"jws": ballot_jws(neighbour, cycle_id, [ids[1]])}).status_code == 201
