"""Budget ballots and the tally at voting close, through a PostgreSQL crash on a throwaway server:
voters get a clear retryable 503 and are counted once; the count runs once, when the database is
back."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from tests.budgeting.conftest import VILLAGE_1, VILLAGE_2, ballot_jws, eligible_projects, move_to
from tests.faults.fixtures import app, pg  # noqa: F401
from tests.petitions.test_concurrency import post

pytestmark = pytest.mark.slow

VOTERS = 40


def ballots(cycle_id: int) -> int:
    from budgeting.models import Ballot
    from extensions import db

    db.session.remove()
    return db.session.scalar(select(func.count(Ballot.id)).where(Ballot.cycle_id == cycle_id))


def test_ballots_through_a_postgresql_crash_count_each_voter_once(app, server, pg, make_cycle, resident, officials):  # noqa: F811
    from extensions import db

    cycle = make_cycle("proposals")
    ids = eligible_projects(cycle, resident(kato=VILLAGE_1), officials["officer"], [200_000, 300_000, 400_000])
    move_to(cycle, "voting")
    cycle_id = cycle.id
    voters = [resident(kato=VILLAGE_2 if i % 2 else VILLAGE_1) for i in range(VOTERS)]
    url = f"{server}/api/v1/budget/cycles/{cycle_id}/ballots"
    db.session.remove()

    def cast(voter):
        time.sleep(0.02)
        return post(url, {"jws": ballot_jws(voter, cycle_id, [ids[0], ids[2]])})

    with ThreadPoolExecutor(max_workers=6) as pool:
        first = pool.map(cast, voters)
        time.sleep(0.1)
        pg.restart("immediate")
        first = list(first)

    assert {status for status, _ in first} <= {201, 503} and 503 in {status for status, _ in first}
    for status, answer in first:
        if status == 503:
            assert answer["error"]["code"] == "service_unavailable"
    again = [post(url, {"jws": ballot_jws(v, cycle_id, [ids[0], ids[2]])})[0]
             for (status, _), v in zip(first, voters) if status != 201]
    assert set(again) <= {201, 409}
    assert ballots(cycle_id) == VOTERS


def test_the_count_at_voting_close_waits_out_the_database_and_runs_once(app, pg, make_cycle, resident, officials):  # noqa: F811
    from budgeting import jobs
    from budgeting.models import BudgetCycle
    from extensions import db

    cycle = make_cycle("proposals", rule="mes")
    ids = eligible_projects(cycle, resident(kato=VILLAGE_1), officials["officer"], [200_000, 300_000])
    move_to(cycle, "voting")
    cycle_id = cycle.id
    client = app.test_client()
    for i in range(6):
        voter = resident(kato=VILLAGE_2)
        assert client.post(f"/api/v1/budget/cycles/{cycle_id}/ballots",
                           json={"jws": ballot_jws(voter, cycle_id, [ids[i % 2]])}).status_code == 201
    move_to(db.session.get(BudgetCycle, cycle_id), "counting")  # voting closed an hour ago
    db.session.remove()

    pg.stop("immediate")
    with pytest.raises(OperationalError):
        jobs.tick()  # the scheduled job fails; RQ and the clock try again on the next tick
    db.session.remove()
    pg.start()

    assert jobs.tick()["tallied"] == 1
    assert jobs.tick()["tallied"] == 0
    db.session.remove()
    result = db.session.get(BudgetCycle, cycle_id).result
    assert result["ballots"] == 6 and result["rule"] == "mes"
