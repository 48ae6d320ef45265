"""Every petition event renders, for its subject and text, in Kazakh, Russian and English."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from notifications.events import KINDS


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
def test_every_petition_event_renders_in_every_language(app, make_citizen, locale):
    from auth.models import User
    from extensions import db
    from notifications.services import render
    from petitions.models import Petition

    citizen = make_citizen()
    now = datetime.now(UTC)
    user = User(iin=citizen.iin, created_at=now)
    db.session.add(user)
    petition = Petition(
        author_iin=citizen.iin, title="Ауыл көшесін жөндеу керек", body="x" * 60, language="kk",
        addressee="government", state="answered", threshold=50000, digest="sha256:" + "0" * 64, created_at=now,
        collection_ends_at=now, review_due_on=date(2026, 12, 1), moderation_due_on=date(2026, 11, 2), discussion_at=now, discussion_place="Астана",
        answer_decision="partly_supported", answer_text="Жауап мәтіні", answer_official="Ахметов Ерлан",
        answered_at=now, rejection_reason="duplicate", rejection_comment="Бұрын берілген",
        report_due_on=date(2027, 6, 1), rating_closes_on=date(2027, 1, 20), contested_at=now,
        follow_up_due_on=date(2027, 2, 1), follow_up_text="Қосымша жауап", follow_up_official="Ахметов Ерлан",
        follow_up_at=now, report_text="Есеп мәтіні", report_official="Ахметов Ерлан", reported_at=now,
    )
    db.session.add(petition)
    db.session.commit()
    petition_events = [name for name in KINDS if name.startswith("petition.")]
    assert len(petition_events) == 18
    subjects = set()
    for event in petition_events:
        subject, text = render(event, user, {"petition_id": petition.id, "days_left": 5}, locale)
        assert subject and "Ауыл көшесін жөндеу керек" in text, event
        assert citizen.iin not in text
        subjects.add(subject)
    assert len(subjects) == len(petition_events)
