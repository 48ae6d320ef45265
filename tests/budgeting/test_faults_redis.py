"""Voting through a Redis outage that spans the close of voting: every ballot is kept, and when
Redis is back the worker's clock runs the count — once — and the results reach the proposer once."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.budgeting.conftest import VILLAGE_1, VILLAGE_2, ballot_jws, eligible_projects, move_to
from tests.faults.fixtures import app_with_worker, redis_server  # noqa: F401

pytestmark = pytest.mark.slow


@pytest.fixture
def app(postgres_database, redis_server, instance_dir):  # noqa: F811
    with app_with_worker(postgres_database, redis_server.url, instance_dir) as app:
        yield app


def test_ballots_and_the_count_survive_a_redis_outage_over_the_close(app, redis_server,  # noqa: F811
                                                                       make_cycle, resident, officials):
    from budgeting.models import Ballot, BudgetCycle
    from extensions import db
    from notifications.models import Notification
    from workers.outbox import OutboxEvent

    cycle = make_cycle("proposals", rule="mes")
    author = resident(kato=VILLAGE_1)
    ids = eligible_projects(cycle, author, officials["officer"], [200_000, 300_000, 400_000])
    move_to(cycle, "voting")
    cycle_id = cycle.id
    voters = [resident(kato=VILLAGE_2) for _ in range(60)]
    client = app.test_client()

    redis_server.stop()
    statuses = [client.post(f"/api/v1/budget/cycles/{cycle_id}/ballots",
                            json={"jws": ballot_jws(v, cycle_id, [ids[i % 3]])}).status_code for i, v in enumerate(voters)]
    assert statuses == [201] * len(voters)
    move_to(db.session.get(BudgetCycle, cycle_id), "counting")  # voting closes while Redis is away
    time.sleep(5)
    db.session.remove()
    assert db.session.get(BudgetCycle, cycle_id).result is None  # nothing could count it yet
    # ... because the outage reached the worker: its clock could not tick (not merely not yet due)
    assert "clock tick postponed" in Path(app.workers[0].output).read_text(errors="replace")
    redis_server.start()

    deadline = time.monotonic() + 90
    while True:
        db.session.remove()
        cycle = db.session.get(BudgetCycle, cycle_id)
        results = db.session.scalar(select(OutboxEvent.id).where(OutboxEvent.event == "budget.results"))
        delivered = results and db.session.scalar(select(func.count(Notification.id)).where(Notification.outbox_id == results))
        if (cycle.result and delivered) or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    time.sleep(4)  # a lease longer: a second count or letter would show now
    db.session.remove()
    cycle = db.session.get(BudgetCycle, cycle_id)
    assert cycle.result["ballots"] == len(voters)
    assert db.session.scalar(select(func.count(Ballot.id)).where(Ballot.cycle_id == cycle_id)) == len(voters)
    assert db.session.scalar(select(func.count(OutboxEvent.id)).where(OutboxEvent.event == "budget.results")) == 1
    per_user = db.session.execute(
        select(Notification.user_id, func.count()).where(Notification.event == "budget.results").group_by(Notification.user_id)
    ).all()
    assert len(per_user) == 1 and {n for _, n in per_user} == {1}  # the proposer, once
