"""Phases change on their dates by the scheduled tick, each change recorded once; the tally runs once."""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.budgeting.conftest import VILLAGE_1, VILLAGE_2, ballot_jws, eligible_projects, move_to, paper_jws, user_of

# A cycle in 2031, far from the real clock: the tick is told the time.
PROPOSALS_OPEN = datetime(2031, 3, 1, 4, 0, tzinfo=UTC)
PROPOSALS_CLOSE = datetime(2031, 4, 1, 13, 0, tzinfo=UTC)
VOTING_OPEN = datetime(2031, 4, 10, 4, 0, tzinfo=UTC)
VOTING_CLOSE = datetime(2031, 4, 20, 15, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def tick(at: datetime) -> dict:
    """Run the scheduled job at a pinned instant, then let the notification jobs it started finish."""
    from budgeting.jobs import tick as tick_job
    from extensions import db
    from workers.queues import wait_for_inprocess

    done = tick_job(at.isoformat())
    db.session.rollback()  # SQLite: hold no lock while the job thread writes
    wait_for_inprocess()
    return done


def events(name: str, cycle_id: int | None = None) -> list[dict]:
    from extensions import db
    from workers.outbox import OutboxEvent

    db.session.rollback()
    rows = db.session.scalars(select(OutboxEvent).where(OutboxEvent.event == name).order_by(OutboxEvent.id))
    return [row.payload for row in rows if cycle_id is None or row.payload.get("cycle_id") == cycle_id]


def phase_changes(cycle_id: int) -> list[str]:
    return [payload["phase"] for payload in events("budget.phase_changed", cycle_id)]


def stored_phase(cycle_id: int) -> str:
    from budgeting.models import BudgetCycle
    from extensions import db

    db.session.rollback()
    return db.session.get(BudgetCycle, cycle_id).announced_phase


@pytest.fixture
def cycle_2031(app, territories):
    from auth.access import CONSOLE
    from budgeting import services
    from extensions import db

    cycle = services.create_cycle(
        CONSOLE, kato="113243000", year=2031, amount=2_000_000, ballot="approval", rule="greedy", min_choices=None,
        max_choices=None, proposals_open=PROPOSALS_OPEN, proposals_close=PROPOSALS_CLOSE, voting_open=VOTING_OPEN,
        voting_close=VOTING_CLOSE, now=PROPOSALS_OPEN - timedelta(days=30),
    )
    cycle_id = cycle.id
    db.session.commit()
    return cycle_id


def test_a_new_cycle_waits_scheduled_until_its_proposals_open(app, cycle_2031):
    assert stored_phase(cycle_2031) == "scheduled"
    tick(PROPOSALS_OPEN - SECOND)
    tick(PROPOSALS_OPEN - SECOND)
    assert stored_phase(cycle_2031) == "scheduled"
    assert phase_changes(cycle_2031) == []


def test_tick_moves_a_cycle_through_every_phase_on_its_dates(app, cycle_2031):
    from budgeting.models import BudgetCycle
    from extensions import db

    seen = []
    for at in (PROPOSALS_OPEN, PROPOSALS_CLOSE, VOTING_OPEN):
        tick(at)
        seen.append(stored_phase(cycle_2031))
    assert seen == ["proposals", "screening", "voting"]
    tick(VOTING_CLOSE - SECOND)
    assert stored_phase(cycle_2031) == "voting"

    assert tick(VOTING_CLOSE) == {"moved": 1, "tallied": 1, "failed": []}

    assert phase_changes(cycle_2031) == ["proposals", "screening", "voting", "counting"]
    assert events("budget.results", cycle_2031) == [{"cycle_id": cycle_2031}]
    cycle = db.session.get(BudgetCycle, cycle_2031)
    assert (cycle.announced_phase, cycle.tallied_at) == ("results", VOTING_CLOSE)
    assert cycle.result["funded"] == [] and cycle.result["ballots"] == 0


def test_each_phase_change_is_recorded_once_however_often_tick_runs(app, cycle_2031):
    instants = []
    for start, end in ((PROPOSALS_OPEN, PROPOSALS_CLOSE), (PROPOSALS_CLOSE, VOTING_OPEN), (VOTING_OPEN, VOTING_CLOSE)):
        instants += [start, start, start + (end - start) / 2, end - SECOND, end - SECOND]
    instants += [VOTING_CLOSE, VOTING_CLOSE, VOTING_CLOSE + timedelta(days=1), VOTING_CLOSE + timedelta(days=400)]

    for at in instants:
        tick(at)

    assert phase_changes(cycle_2031) == ["proposals", "screening", "voting", "counting"]
    assert len(events("budget.results", cycle_2031)) == 1
    assert stored_phase(cycle_2031) == "results"


def test_a_late_tick_moves_straight_to_the_phase_the_dates_give(app, cycle_2031):
    tick(VOTING_OPEN + timedelta(hours=3))  # the worker was down through proposals and screening
    tick(VOTING_OPEN + timedelta(hours=4))

    assert stored_phase(cycle_2031) == "voting"
    assert phase_changes(cycle_2031) == ["voting"]


def test_tick_moves_each_cycle_on_its_own_dates(app, territories, make_cycle, cycle_2031):
    from auth.access import CONSOLE
    from budgeting import services
    from extensions import db

    later = services.create_cycle(
        CONSOLE, kato="113243000", year=2032, amount=1_000_000, ballot="knapsack", rule="mes", min_choices=None,
        max_choices=None, proposals_open=PROPOSALS_CLOSE, proposals_close=VOTING_OPEN, voting_open=VOTING_OPEN,
        voting_close=VOTING_CLOSE + timedelta(days=30), now=PROPOSALS_OPEN - SECOND,
    ).id
    db.session.commit()

    tick(PROPOSALS_CLOSE)

    assert (stored_phase(cycle_2031), stored_phase(later)) == ("screening", "proposals")
    assert (phase_changes(cycle_2031), phase_changes(later)) == (["screening"], ["proposals"])


def test_concurrent_ticks_record_each_phase_change_once(app, cycle_2031):
    """Two workers' clocks fire together (RQ scheduler overlap): still one event per change, one result."""
    from extensions import db
    from workers.queues import wait_for_inprocess

    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def run(at: datetime) -> None:
        with app.app_context():
            from extensions import db

            try:
                barrier.wait(timeout=30)
                tick(at)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    db.session.rollback()
    for at in (VOTING_OPEN, VOTING_CLOSE):
        threads = [threading.Thread(target=run, args=(at,)) for _ in range(4)]
        barrier.reset()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    wait_for_inprocess()
    assert errors == []
    assert phase_changes(cycle_2031) == ["voting", "counting"]
    assert len(events("budget.results", cycle_2031)) == 1


# --- the tally -------------------------------------------------------------------------------


@pytest.fixture
def voted_cycle(app, make_cycle, resident, officials, actor):
    """A greedy cycle with five eligible projects and ballots online and on paper, voting still open."""
    from budgeting import services
    from extensions import db

    cycle = make_cycle("proposals", amount=1_000_000, rule="greedy")
    proposer = resident(kato=VILLAGE_1, email="proposer@example.kz")
    ids = eligible_projects(cycle, proposer, officials["officer"], [500_000, 400_000, 300_000, 200_000, 700_000])
    move_to(cycle, "voting")
    now = datetime.now(UTC)
    choices = [[ids[0], ids[1]], [ids[0], ids[2]], [ids[0]], [ids[1], ids[3]], [ids[4]], [ids[1], ids[2]]]
    for index, projects in enumerate(choices):
        voter = resident(kato=(VILLAGE_1, VILLAGE_2)[index % 2])
        if index % 3 == 2:
            act = paper_jws(officials["secretary"], cycle.id, voter.iin, projects)
            services.record_paper_ballot(cycle, user_of(officials["secretary"]), act, now)
        else:
            services.cast_ballot(cycle, ballot_jws(voter, cycle.id, projects), now, notify=index == 0)
    db.session.commit()
    # votes: ids[0] 3, ids[1] 3, ids[2] 2, ids[3] 1, ids[4] 1
    return cycle, ids, proposer


def test_the_tally_run_twice_publishes_once(app, voted_cycle, actor):
    from budgeting.models import BudgetCycle, Proposal
    from extensions import db
    from workers.queues import wait_for_inprocess

    cycle, ids, proposer = voted_cycle
    closed = cycle.voting_close + timedelta(minutes=1)

    first = tick(closed)
    second = tick(closed)
    third = tick(closed + timedelta(hours=2))

    assert (first["tallied"], second["tallied"], third["tallied"]) == (1, 0, 0)
    db.session.rollback()
    cycle = db.session.get(BudgetCycle, cycle.id)
    assert (cycle.announced_phase, cycle.tallied_at) == ("results", closed)
    # greedy: ids[1] (3 votes, cheaper) then ids[0] (3 votes) fill 900,000 of 1,000,000; nothing else fits
    assert cycle.result["funded"] == [ids[1], ids[0]]
    assert cycle.result["ballots"] == 6
    assert cycle.pb_sha256 == cycle.result["pb_sha256"] == hashlib.sha256(cycle.pb_file.encode()).hexdigest()
    assert len(events("budget.results", cycle.id)) == 1
    assert Counter(phase_changes(cycle.id)) == Counter({"counting": 1})
    planned = db.session.scalars(select(Proposal.id).where(Proposal.implementation == "planned")).all()
    assert sorted(planned) == sorted([ids[0], ids[1]])

    db.session.rollback()
    wait_for_inprocess()
    author_events = [i["event"] for i in actor(proposer).get("/api/v1/me/notifications").get_json()["items"]]
    assert author_events.count("budget.results") == 1


def test_calling_the_tally_again_changes_nothing(app, voted_cycle):
    from budgeting.models import BudgetCycle
    from budgeting.tally import tally_cycle
    from extensions import db

    cycle, _ids, _proposer = voted_cycle
    closed = cycle.voting_close + timedelta(minutes=1)
    tick(closed)
    db.session.rollback()
    before = db.session.get(BudgetCycle, cycle.id)
    snapshot = (before.result, before.pb_file, before.pb_sha256, before.tallied_at)

    assert tally_cycle(cycle.id, closed + timedelta(days=1)) == 0
    db.session.commit()

    db.session.rollback()
    after = db.session.get(BudgetCycle, cycle.id)
    assert (after.result, after.pb_file, after.pb_sha256, after.tallied_at) == snapshot
    assert len(events("budget.results", cycle.id)) == 1


def test_no_tally_while_voting_is_open(app, voted_cycle):
    from budgeting.models import BudgetCycle
    from budgeting.tally import tally_cycle
    from extensions import db

    cycle, _ids, _proposer = voted_cycle
    assert tally_cycle(cycle.id, cycle.voting_close - SECOND) == 0
    assert tick(cycle.voting_close - SECOND)["tallied"] == 0
    db.session.rollback()
    assert db.session.get(BudgetCycle, cycle.id).tallied_at is None
    assert events("budget.results") == []


def test_followers_hear_of_each_phase_change_once(app, voted_cycle, actor):
    cycle, _ids, _proposer = voted_cycle
    follower = db_follower(cycle.id)
    closed = cycle.voting_close + timedelta(minutes=1)
    tick(closed)
    tick(closed)

    from extensions import db
    from notifications.models import Notification

    got = Counter(
        (n.event, n.data.get("phase"))
        for n in db.session.scalars(select(Notification).where(Notification.user_id == follower))
    )
    assert got == Counter({("budget.phase_changed", "counting"): 1, ("budget.results", None): 1})


def db_follower(cycle_id: int) -> int:
    from budgeting.models import BudgetFollower
    from extensions import db

    return db.session.scalars(select(BudgetFollower.user_id).where(BudgetFollower.cycle_id == cycle_id)).one()


def test_a_cycle_whose_tally_fails_does_not_hold_up_the_others(app, monkeypatch, voted_cycle, cycle_2031):
    from budgeting import allocation

    cycle, _ids, _proposer = voted_cycle
    real_greedy = allocation.greedy
    calls = []

    def broken_greedy(projects, ballots, budget):
        calls.append(budget)
        if budget == 1_000_000:  # the voted cycle's count breaks
            raise RuntimeError("simulated bug in a rule")
        return real_greedy(projects, ballots, budget)

    monkeypatch.setattr(allocation, "greedy", broken_greedy)
    closed = max(cycle.voting_close, VOTING_CLOSE) + timedelta(minutes=1)

    tick(closed)

    assert stored_phase(cycle_2031) == "results"
    assert stored_phase(cycle.id) == "counting"  # left for the next tick, once the bug is fixed
    monkeypatch.setattr(allocation, "greedy", real_greedy)
    tick(closed)
    assert stored_phase(cycle.id) == "results"
    assert len(events("budget.results", cycle.id)) == 1
    assert phase_changes(cycle.id).count("counting") == 1
