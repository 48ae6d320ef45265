"""The review reminders follow PETITION_REVIEW_REMINDER_WORKING_DAYS: set to 3 and 1, reviewers hear 3 and 1
working days before the due date (not 5), once each, and the milestones are named by those numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from tests.petitions.test_jobs import at, inbox, tick
from tests.petitions.test_transitions import events, make_petition


def test_reminders_come_on_the_configured_working_days_once_each(app, make_citizen):
    from auth.services import grant_role
    from extensions import db
    from petitions.models import PetitionMilestone

    author, reviewer = make_citizen(), make_citizen(kato="710000000", email="reviewer@example.kz")
    grant_role(reviewer.iin, "reviewer", "government", datetime.now(UTC))
    db.session.commit()
    app.config["PETITION_REVIEW_REMINDER_WORKING_DAYS"] = (3, 1)
    # Due Monday 19 May 2025. Three working days before: Wednesday 14 May (15, 16 and 19 left);
    # one working day before: Friday 16 May.
    petition_id = make_petition(
        "under_review", author.iin, at("2025-04-01T06:00:00"), review_due_on=date(2025, 5, 19)
    ).id
    day = date(2025, 5, 1)
    while day <= date(2025, 5, 19):
        for _ in range(2):
            tick(datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC))  # 09:00 in Kazakhstan, twice
        day += timedelta(days=1)

    reminders = events("petition.review_reminder", petition_id)
    assert [(r.payload["days_left"], r.created_at) for r in reminders] == [
        (3, at("2025-05-14T04:00:00")),
        (1, at("2025-05-16T04:00:00")),
    ]
    kinds = db.session.scalars(
        select(PetitionMilestone.kind).where(PetitionMilestone.petition_id == petition_id).order_by(PetitionMilestone.kind)
    ).all()
    assert kinds == ["reminder_1", "reminder_3"]
    assert len(inbox(reviewer.iin, "petition.review_reminder")) == 2
