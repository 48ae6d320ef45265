"""Scheduled petition work: each job, run twice (or every minute of a day), acts once.

Runs on SQLite and PostgreSQL. The clock is pinned: jobs take `now_iso`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from petitions.models import Petition
from tests.petitions.test_transitions import add_signature_rows, events, make_petition, set_count, snapshot


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def tick(now: datetime) -> dict:
    from petitions.jobs import tick as run

    return run(now.isoformat())


def state_of(petition_id: int) -> Petition:
    from extensions import db

    db.session.expire_all()
    return db.session.get(Petition, petition_id)


def inbox(iin: str, event: str) -> list:
    """The inbox items of `event` for a person, once every in-process delivery has run."""
    from auth.models import User
    from extensions import db
    from notifications.models import Notification
    from workers.queues import wait_for_inprocess

    db.session.rollback()  # free SQLite's writer lock for the job thread
    wait_for_inprocess()
    return list(
        db.session.scalars(
            select(Notification).join(User, User.id == Notification.user_id).where(
                User.iin == iin, Notification.event == event
            )
        )
    )


@pytest.fixture
def people(app, make_citizen):
    """A petition author, a government reviewer and an admin (with e-mail addresses)."""
    from auth.services import grant_role
    from extensions import db

    now = datetime.now(UTC)
    cast = {
        "author": make_citizen(email="author@example.kz"),
        "reviewer": make_citizen(kato="710000000", email="reviewer@example.kz"),
        "admin": make_citizen(kato="710000000", email="admin@example.kz"),
    }
    grant_role(cast["reviewer"].iin, "reviewer", "government", now)
    grant_role(cast["admin"].iin, "admin", None, now)
    db.session.commit()
    return {role: citizen.iin for role, citizen in cast.items()}


def test_a_restricted_petition_lapses_the_day_after_its_last_day_once(app, people):
    petition = make_petition("restricted", people["author"], at("2025-01-03T06:00:00"))
    petition_id = petition.id
    assert petition.restricted_until == date(2025, 1, 8)  # make_petition: five days on
    add_signature_rows(petition_id, 3, at("2025-01-04T06:00:00"))  # 3 of the 50 supporters

    tick(at("2025-01-08T18:59:00"))  # 23:59 on the 8th in Kazakhstan: still its last day
    assert state_of(petition_id).state == "restricted"
    lapsed_at = at("2025-01-08T19:00:00")  # midnight in Kazakhstan
    assert tick(lapsed_at)["lapsed"] == 1
    for minutes in (0, 1, 60 * 24):
        assert tick(lapsed_at + timedelta(minutes=minutes))["lapsed"] == 0
    row = state_of(petition_id)
    assert row.state == "lapsed" and row.lapsed_at == lapsed_at
    assert len(events("petition.lapsed", petition_id)) == 1
    assert len(inbox(people["author"], "petition.lapsed")) == 1


def test_an_open_petition_closes_at_the_end_of_its_collection_once(app, people):
    ends = at("2025-09-14T06:00:00")
    petition_id = make_petition("open", people["author"], at("2025-03-14T06:00:00"), collection_ends_at=ends).id
    add_signature_rows(petition_id, 2, at("2025-03-15T06:00:00"))  # threshold 3: not reached

    assert tick(ends - timedelta(seconds=1))["closed"] == 0
    assert tick(ends)["closed"] == 1
    assert tick(ends)["closed"] == 0
    assert tick(ends + timedelta(days=1))["closed"] == 0
    row = state_of(petition_id)
    assert row.state == "closed" and row.closed_at == ends
    assert len(events("petition.closed", petition_id)) == 1
    assert len(inbox(people["author"], "petition.closed")) == 1


def test_review_reminders_at_five_and_one_working_days_and_the_escalation_come_once_each(app, people):
    # Due Monday 19 May 2025. Five working days before: Monday 12 May (13-16 and 19 left);
    # one working day before: Friday 16 May (only the 19th left); overdue from Tuesday 20 May.
    petition_id = make_petition(
        "under_review", people["author"], at("2025-04-01T06:00:00"), review_due_on=date(2025, 5, 19)
    ).id
    later_id = make_petition(
        "under_review", people["author"], at("2025-04-01T06:00:00"), review_due_on=date(2025, 7, 1)
    ).id
    day = date(2025, 5, 1)
    while day <= date(2025, 5, 25):
        for hour, minute in ((4, 0), (4, 0), (18, 30), (18, 30)):  # 09:00 and 23:30 in Kazakhstan, twice
            tick(datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC))
        day += timedelta(days=1)

    reminders = events("petition.review_reminder", petition_id)
    assert [(r.payload["days_left"], r.created_at) for r in reminders] == [
        (5, at("2025-05-12T04:00:00")),
        (1, at("2025-05-16T04:00:00")),
    ]
    overdue = events("petition.review_overdue", petition_id)
    assert [(o.payload["days_left"], o.created_at) for o in overdue] == [(0, at("2025-05-20T04:00:00"))]
    assert events("petition.review_reminder", later_id) == [] and events("petition.review_overdue", later_id) == []
    assert state_of(petition_id).state == "under_review"  # reminders move nothing

    assert len(inbox(people["reviewer"], "petition.review_reminder")) == 2
    assert len(inbox(people["admin"], "petition.review_overdue")) == 1
    assert inbox(people["author"], "petition.review_reminder") == []


def test_a_restricted_petition_whose_move_was_lost_is_opened_by_tick_once(app, people):
    app.config.update(PETITION_RESTRICTED_SUPPORTERS=2, PETITION_THRESHOLD_GOVERNMENT=50)
    petition_id = make_petition("restricted", people["author"], at("2025-03-07T06:00:00"), threshold=50).id
    # Two supporters signed on its last day (12 March); the request crashed before `advance`.
    add_signature_rows(petition_id, 2, at("2025-03-12T10:00:00"))
    assert state_of(petition_id).restricted_until == date(2025, 3, 12)

    opened_at = at("2025-03-13T04:00:00")  # the next day: the recount runs before the lapse
    assert tick(opened_at)["recounted"] == 1
    assert tick(opened_at)["recounted"] == 0
    assert tick(opened_at + timedelta(days=1)) == {
        "recounted": 0, "lapsed": 0, "closed": 0, "reminders": 0, "after_answer": 0, "moderation_delayed": 0, "anonymised": 0
    }
    row = state_of(petition_id)
    assert row.state == "open" and row.published_at == opened_at
    assert row.collection_ends_at == at("2025-09-13T04:00:00")  # six months
    assert len(events("petition.opened", petition_id)) == 1
    assert events("petition.lapsed", petition_id) == []


def test_an_open_petition_whose_threshold_move_was_lost_goes_to_review_once(app, people):
    petition_id = make_petition("open", people["author"], at("2025-03-01T06:00:00"), threshold=3).id
    add_signature_rows(petition_id, 3, at("2025-03-14T05:00:00"))

    reached = at("2025-03-14T06:00:00")
    tick(reached)
    tick(reached)
    row = state_of(petition_id)
    # Friday 14 March 2025 + 40 working days (see test_deadlines_service): Monday 19 May.
    assert row.state == "under_review" and row.threshold_reached_at == reached
    assert row.review_due_on == date(2025, 5, 19)
    assert len(events("petition.threshold_reached", petition_id)) == 1
    assert len(inbox(people["reviewer"], "petition.threshold_reached")) == 1
    assert len(inbox(people["author"], "petition.threshold_reached")) == 1


def test_a_count_without_signature_rows_is_corrected_and_opens_nothing(app, people):
    app.config.update(PETITION_RESTRICTED_SUPPORTERS=2)
    petition_id = make_petition("restricted", people["author"], at("2025-03-07T06:00:00")).id
    add_signature_rows(petition_id, 1, at("2025-03-10T06:00:00"))
    set_count(petition_id, 60)  # a corrupted count: 60 "supporters", one signature

    tick(at("2025-03-13T04:00:00"))  # the day after its last day
    tick(at("2025-03-13T04:00:00"))
    after = snapshot(petition_id)
    assert after["count"] == after["signatures"] == 1
    assert after["row"]["state"] == "lapsed"
    assert events("petition.opened", petition_id) == []
    assert len(events("petition.lapsed", petition_id)) == 1


def test_the_lapse_and_close_jobs_alone_spare_a_petition_that_counted_enough_in_time(app, people):
    """Whatever order the jobs run in, a lost move is made by the recount, never undone by a lapse."""
    from kernel.kazakhstan_time import local_date
    from petitions.jobs import close_expired, lapse_restricted

    app.config.update(PETITION_RESTRICTED_SUPPORTERS=2)
    restricted_id = make_petition("restricted", people["author"], at("2025-03-07T06:00:00")).id
    add_signature_rows(restricted_id, 2, at("2025-03-12T10:00:00"))  # on its last day, the 12th
    ends = at("2025-09-14T06:00:00")
    open_id = make_petition("open", people["author"], at("2025-03-14T06:00:00"), collection_ends_at=ends).id
    add_signature_rows(open_id, 3, ends - timedelta(minutes=1))  # the threshold of 3, a minute before the end

    later = at("2025-09-15T04:00:00")
    assert lapse_restricted(later, local_date(later)) == 0
    assert close_expired(later) == 0
    assert state_of(restricted_id).state == "restricted" and state_of(open_id).state == "open"
    tick(later)
    assert state_of(restricted_id).state == "open"
    assert state_of(open_id).state == "under_review"
    assert events("petition.lapsed") == [] and events("petition.closed") == []
