"""Scheduled petition work: lapses, closings, recounts, review reminders. Each acts once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from extensions import db
from kernel.kazakhstan_time import local_date
from kernel.work_calendar import load_work_calendar
from kernel.working_days import WorkCalendar, working_days_between
from petitions import count_moves, counter, retention
from petitions.lifecycle import PETITION
from petitions.models import Petition, PetitionMilestone
from workers import outbox
from workers.runtime import job, utcnow


@job
def tick(now_iso: str | None = None) -> dict:
    """Everything time moves on: run every minute; running it twice changes nothing more."""
    now = utcnow(now_iso)
    today = local_date(now)
    calendar = load_work_calendar()
    done = {
        "recounted": recount_and_advance(now),
        "lapsed": lapse_restricted(now, today),
        "closed": close_expired(now),
        "reminders": review_reminders(now, today, calendar),
        "after_answer": after_answer_reminders(now, today, calendar),
        "moderation_delayed": moderation_delays(now, today),
        "anonymised": retention.anonymise_expired(now),
    }
    return done


def recount_and_advance(now: datetime) -> int:
    """Correct counter drift and make any move a crashed request left undone."""
    moved = 0
    ids = list(db.session.scalars(select(Petition.id).where(Petition.state.in_(count_moves.RECOUNTED_STATES))))
    for petition_id in ids:
        counter.reconcile(petition_id)
        moved += len(count_moves.advance(petition_id, now))
        db.session.commit()
    return moved


def lapse_restricted(now: datetime, today: date) -> int:
    """Restricted past its last day without enough supporters: lapsed; the author is told."""
    ids = list(
        db.session.scalars(
            select(Petition.id).where(Petition.state.in_(PETITION.sources("lapse")), Petition.restricted_until < today)
        )
    )
    needed = current_app.config["PETITION_RESTRICTED_SUPPORTERS"]
    return _conditional_moves(
        ids, "lapse", "petition.lapsed", now, lambda petition_id: _count(petition_id) < needed, lapsed_at=now
    )


def close_expired(now: datetime) -> int:
    """Open past its collection period without the threshold: closed; the author is told."""
    ids = list(
        db.session.scalars(
            select(Petition.id).where(Petition.state.in_(PETITION.sources("close")), Petition.collection_ends_at <= now)
        )
    )
    return _conditional_moves(
        ids, "close", "petition.closed", now, lambda petition_id: _count(petition_id) < Petition.threshold,
        closed_at=now,
    )


def _count(petition_id: int):
    """The petition's count as of the UPDATE itself, so a supporter committed just before still counts."""
    return counter.sum_of_shards(petition_id)


def _conditional_moves(ids: list[int], action: str, event: str, now: datetime, short_of: Callable, **values) -> int:
    """Make `action` on each petition still in a state it starts from (PETITION's table) whose count
    falls short; a moved one is skipped next time.

    The count condition keeps a petition whose supporters (or signatures) arrived in
    time, but whose move the signing request did not finish, from lapsing or closing:
    the recount moves it on instead, whichever order the two run in.
    """
    moved = 0
    for petition_id in ids:
        changed = db.session.execute(
            PETITION.update(Petition, action, Petition.id == petition_id, short_of(petition_id), **values)
        ).rowcount
        if changed:
            outbox.record(event, now, petition_id=petition_id)
            moved += 1
        db.session.commit()
    return moved


def _milestone_once(petition_id: int, kind: str, now: datetime) -> bool:
    try:
        with db.session.begin_nested():
            db.session.add(PetitionMilestone(petition_id=petition_id, kind=kind, created_at=now))
            db.session.flush()
    except IntegrityError:
        return False
    return True


def review_reminders(now: datetime, today: date, calendar: WorkCalendar) -> int:
    """Reviewers are reminded PETITION_REVIEW_REMINDER_WORKING_DAYS (5 and 1) working days before the
    due date, each once (`reminder_5`, `reminder_1`: the nearest one due, so a late tick skips the
    earlier); overdue goes to admins."""
    rows = db.session.execute(
        select(Petition.id, Petition.review_due_on).where(Petition.state == "under_review")
    ).all()
    return _deadline_notices(rows, "", "petition.review_reminder", "petition.review_overdue", now, today, calendar)


def after_answer_reminders(now: datetime, today: date, calendar: WorkCalendar) -> int:
    """What an answered petition's body still owes has the review's reminders and escalation
    (DOMAIN.md "After the answer"): a contested answer's follow-up (milestones `follow_up_reminder_5`,
    …, `follow_up_overdue`) and the report on its measures (`report_…`)."""
    answered = Petition.state == "answered"
    follow_ups = db.session.execute(
        select(Petition.id, Petition.follow_up_due_on).where(
            answered, Petition.contested_at.is_not(None), Petition.follow_up_at.is_(None)
        )
    ).all()
    reports = db.session.execute(
        select(Petition.id, Petition.report_due_on).where(
            answered, Petition.report_due_on.is_not(None), Petition.reported_at.is_(None)
        )
    ).all()
    return _deadline_notices(
        follow_ups, "follow_up_", "petition.follow_up_reminder", "petition.follow_up_overdue", now, today, calendar
    ) + _deadline_notices(reports, "report_", "petition.report_reminder", "petition.report_overdue", now, today, calendar)


def _deadline_notices(
    rows, prefix: str, reminder: str, overdue: str, now: datetime, today: date, calendar: WorkCalendar
) -> int:
    """For each (petition id, due day): the nearest reminder due (PETITION_REVIEW_REMINDER_WORKING_DAYS
    before), or the escalation once the day has passed, each once (milestone `{prefix}reminder_N`,
    `{prefix}overdue`); a late tick skips the earlier reminders."""
    sent = 0
    before = sorted(current_app.config["PETITION_REVIEW_REMINDER_WORKING_DAYS"])
    for petition_id, due in rows:
        left = working_days_between(calendar, today, due)
        if today > due:
            plan = [(f"{prefix}overdue", overdue)]
        else:
            plan = [(f"{prefix}reminder_{days}", reminder) for days in before if left <= days][:1]
        for kind, event in plan:
            if _milestone_once(petition_id, kind, now):
                outbox.record(event, now, petition_id=petition_id, days_left=max(left, 0), due_on=due.isoformat())
                sent += 1
        db.session.commit()
    return sent


def moderation_delays(now: datetime, today: date) -> int:
    """A petition still in moderation after its due day: the admins are told once (milestone
    `moderation_delayed`); its page shows the delay meanwhile (petitions/queries.py:moderation_delayed).
    A decision that comes later sends nothing more: the petition has left `moderation`."""
    told = select(PetitionMilestone.petition_id).where(
        PetitionMilestone.petition_id == Petition.id, PetitionMilestone.kind == "moderation_delayed"
    )
    rows = db.session.execute(
        select(Petition.id, Petition.moderation_due_on).where(
            Petition.state == "moderation", Petition.moderation_due_on < today, ~told.exists()
        )
    ).all()
    sent = 0
    for petition_id, due in rows:
        if _milestone_once(petition_id, "moderation_delayed", now):
            outbox.record("petition.moderation_delayed", now, petition_id=petition_id, due_on=due.isoformat())
            sent += 1
        db.session.commit()
    return sent
