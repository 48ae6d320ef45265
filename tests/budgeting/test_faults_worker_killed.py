"""`kill -9` of the worker (its main process, clock and work horse) in the middle of the count at
voting close: a new worker publishes the result once, with the winners a fresh recount gives, and
every follower and the proposer hears of it once, in the inbox and by e-mail.

The count is caught at two points: reading the ballots (the cycle already locked for the count), and
publishing (the result already written to the cycle, not yet committed). It is held there with no
hook in the code: another transaction holds the table the count needs next, as a long report or a
migration would, and the test sees the worker's statement waiting on it in pg_stat_activity, the
cycle locked by it in pg_locks, and its job in RQ's started-job registry — then kills the worker.
"""

from __future__ import annotations

import time
from collections import Counter

import psycopg
import pytest
from sqlalchemy import func, select

from tests.budgeting.conftest import VILLAGE_1, VILLAGE_2, ballot_jws, eligible_projects, move_to
from tests.conftest import migrated
from tests.faults.fixtures import app_with_worker, pg, redis_server, wait  # noqa: F401
from tests.faults.servers import kill_session, session_members

pytestmark = pytest.mark.slow

VOTERS = 24
FOLLOWERS = 4  # the first voters ask to hear of the results (`notify`), each with an e-mail address
COSTS = [200_000, 300_000, 400_000, 500_000]
CHOICES = [(0, 1), (2,), (1, 3), (0, 2, 3), (1,), (0, 3)]  # indexes into the projects, by voter

# where the count is caught: the table another transaction holds and how; the statement the count
# then waits in; the lock the count holds on budget_cycle by then (FOR UPDATE; or UPDATE, the result written)
HOLDS = {
    "reading the ballots": ("budget_ballot", "ACCESS EXCLUSIVE", "SELECT budget_ballot.projects", "RowShareLock"),
    "publishing the result": ("budget_proposal", "SHARE", "UPDATE budget_proposal", "RowExclusiveLock"),
}


@pytest.fixture
def app(pg, redis_server, smtp, instance_dir):  # noqa: F811
    settings = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port, "EMAIL_LEASE_SECONDS": 3}
    with app_with_worker(migrated(pg.url), redis_server.url, instance_dir, **settings) as app:
        yield app


@pytest.fixture
def sessions(app, pg):  # noqa: F811 - after `app`, so closed before the teardown wipes the tables
    """Database sessions of the test's own, beside the app's: closed (their locks let go) whatever happens."""
    opened: list[psycopg.Connection] = []

    def connect(**kwargs) -> psycopg.Connection:
        opened.append(psycopg.connect(pg.url, **kwargs))
        return opened[-1]

    yield connect
    for conn in opened:
        conn.close()


@pytest.mark.parametrize("hold", HOLDS)
def test_a_worker_killed_mid_count_leaves_one_result_and_one_letter_each(
    app, sessions, smtp, make_cycle, resident, officials, hold
):
    from rq.job import Job
    from rq.registry import StartedJobRegistry

    from budgeting import allocation, pabulib
    from budgeting.models import Ballot, BudgetCycle, Proposal
    from extensions import db
    from notifications.models import EmailDelivery, Notification
    from workers import queues
    from workers.outbox import OutboxEvent

    table, mode, statement, cycle_lock = HOLDS[hold]
    cycle = make_cycle("proposals", rule="mes")
    ids = eligible_projects(cycle, resident(kato=VILLAGE_1, email="author@example.kz"), officials["officer"], COSTS)
    move_to(cycle, "voting")
    cycle_id = cycle.id
    client = app.test_client()
    for i in range(VOTERS):
        follows = i < FOLLOWERS
        voter = resident(kato=VILLAGE_2 if i % 2 else VILLAGE_1, email=f"voter{i}@example.kz" if follows else None)
        body = {"jws": ballot_jws(voter, cycle_id, [ids[k] for k in CHOICES[i % len(CHOICES)]]), "notify": follows}
        assert client.post(f"/api/v1/budget/cycles/{cycle_id}/ballots", json=body).status_code == 201

    holder = sessions()  # the other transaction, which the count will have to wait for
    holder.execute(f"LOCK TABLE {table} IN {mode} MODE")
    holder_pid = holder.info.backend_pid
    observer = sessions(autocommit=True)
    move_to(db.session.get(BudgetCycle, cycle_id), "counting")  # voting closed an hour ago
    db.session.remove()
    first = app.workers[0]
    queues.enqueue("budgeting.jobs.tick")  # the clock's tick at voting close

    # the count is in progress: its statement waits on our lock, holding the cycle's row ...
    blocked = wait(
        lambda: observer.execute(
            "SELECT pid, query FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", (holder_pid,)
        ).fetchall(),
        what="the count to reach the held table",
    )
    assert len(blocked) == 1 and blocked[0][1].lstrip().startswith(statement), blocked
    count_pid = blocked[0][0]
    modes = {
        m
        for (m,) in observer.execute(
            "SELECT mode FROM pg_locks WHERE pid = %s AND granted AND relation = 'budget_cycle'::regclass", (count_pid,)
        )
    }
    assert cycle_lock in modes, modes
    with pytest.raises(psycopg.errors.LockNotAvailable):
        observer.execute("SELECT id FROM budget_cycle WHERE id = %s FOR UPDATE NOWAIT", (cycle_id,))
    # ... its job is the started one RQ records ...
    registry = StartedJobRegistry(queue=queues.queue(app))
    started = [Job.fetch(job_id, connection=registry.connection).func_name for job_id in registry.get_job_ids()]
    assert started == ["budgeting.jobs.tick"], started
    # ... and nothing of it is committed yet
    assert observer.execute(
        "SELECT phase, tallied_at, result FROM budget_cycle WHERE id = %s", (cycle_id,)
    ).fetchone() == ("counting", None, None)

    kill_session(first)  # the worker, its clock and the work horse in the middle of the count, no goodbye
    assert session_members(first) == []
    holder.rollback()  # the long transaction ends; the dead worker's session finds its client gone
    wait(
        lambda: not observer.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (count_pid,)).fetchall(),
        what="the killed count's database session to end",
    )
    db.session.remove()
    assert db.session.get(BudgetCycle, cycle_id).tallied_at is None  # rolled back whole: nothing half-published
    assert db.session.scalar(select(func.count(OutboxEvent.id)).where(OutboxEvent.event == "budget.results")) == 0
    assert db.session.scalar(select(func.count(Proposal.id)).where(Proposal.implementation.is_not(None))) == 0

    app.start_worker()
    expected = {"author@example.kz", *(f"voter{i}@example.kz" for i in range(FOLLOWERS))}

    def delivered() -> bool:
        db.session.remove()
        event_id = db.session.scalar(select(OutboxEvent.id).where(OutboxEvent.event == "budget.results"))
        return event_id is not None and db.session.scalar(
            select(func.count(EmailDelivery.id)).where(
                EmailDelivery.outbox_id == event_id, EmailDelivery.state == "sent"
            )
        ) == len(expected)

    wait(delivered, 90, "the results to be counted and delivered")
    time.sleep(4)  # a lease longer: a second count or letter would show now
    db.session.remove()

    # one result, one event; the phase changed once
    assert db.session.scalar(select(func.count(OutboxEvent.id)).where(OutboxEvent.event == "budget.results")) == 1
    phase_events = db.session.scalars(select(OutboxEvent.payload).where(OutboxEvent.event == "budget.phase_changed"))
    assert [p["phase"] for p in phase_events].count("counting") == 1
    cycle = db.session.get(BudgetCycle, cycle_id)
    assert cycle.announced_phase == "results" and cycle.tallied_at is not None
    result = cycle.result

    # the winners of a fresh recount, from the ballots in the database and from the published .pb file
    proposals = db.session.scalars(
        select(Proposal)
        .where(Proposal.cycle_id == cycle_id, Proposal.state == "eligible")
        .order_by(Proposal.submitted_at, Proposal.id)
    ).all()
    projects = [allocation.Project(id=p.id, cost=p.checked_cost, submitted_order=i) for i, p in enumerate(proposals)]
    ballots = [frozenset(b) for b in db.session.scalars(select(Ballot.projects).where(Ballot.cycle_id == cycle_id))]
    assert len(ballots) == result["ballots"] == VOTERS
    recount = allocation.mes_add1(projects, ballots, cycle.amount)
    assert recount.funded and result["funded"] == list(recount.funded)
    assert result["greedy_funded"] == list(allocation.greedy(projects, ballots, cycle.amount).funded)
    assert result["votes"] == {str(p): n for p, n in Counter(p for b in ballots for p in b).items()}
    assert cycle.pb_sha256 == result["pb_sha256"] == pabulib.sha256(cycle.pb_file)
    pb_projects, pb_ballots, budget = pabulib.load(cycle.pb_file).tally_input()
    assert list(allocation.mes_add1(pb_projects, pb_ballots, budget).funded) == result["funded"]
    assert {p.id for p in proposals if p.implementation == "planned"} == set(result["funded"])

    # each follower and the proposer: one inbox item, one e-mail, one copy in the mailbox
    event_id = db.session.scalar(select(OutboxEvent.id).where(OutboxEvent.event == "budget.results"))
    per_user = db.session.execute(
        select(Notification.user_id, func.count())
        .where(Notification.outbox_id == event_id)
        .group_by(Notification.user_id)
    ).all()
    assert len(per_user) == len(expected) and {n for _, n in per_user} == {1}
    deliveries = db.session.scalars(select(EmailDelivery).where(EmailDelivery.outbox_id == event_id)).all()
    assert sorted(d.to_addr for d in deliveries) == sorted(expected)
    for delivery in deliveries:
        copies = [m for m in smtp.messages if m["To"] == delivery.to_addr and str(m["Subject"]) == delivery.subject]
        assert len(copies) == 1, (delivery.to_addr, len(copies))
