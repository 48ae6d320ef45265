"""An official never decides on their own petition: a moderator neither approves nor rejects it, a reviewer neither
schedules its discussion nor answers it; over the API and the pages, with nothing changed, and the pages say why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import answer_fields
from tests.petitions.conftest import create_and_submit, sign
from tests.petitions.test_pages import sign_in_page, sign_out_page


def _row(petition_id: int) -> tuple:
    from extensions import db
    from petitions.models import Petition

    db.session.expire_all()
    p = db.session.get(Petition, petition_id)
    return p.state, p.moderated_at, p.rejection_reason, p.discussion_at, p.answered_at


def _audit_rows() -> int:
    from sqlalchemy import func, select

    from audit.models import AuditEntry
    from extensions import db

    return db.session.scalar(select(func.count()).select_from(AuditEntry))


def _second(make_citizen, actor, role: str, scope: str | None = None):
    from auth import services
    from extensions import db

    citizen = make_citizen(kato="710000000")
    services.grant_role(citizen.iin, role, scope, datetime.now(UTC))
    db.session.commit()
    return actor(citizen)


def test_a_moderator_cannot_moderate_their_own_petition_over_the_api(officials, make_citizen, actor):
    moderator = officials["moderator"]
    petition = create_and_submit(moderator)
    pid = petition["id"]
    moderator.citizen.official("moderator")  # issued (and audited) before the count
    before, audited = _row(pid), _audit_rows()
    for fields in ({"decision": "approve"}, {"decision": "reject", "reason": "duplicate", "comment": "Қайталанады."}):
        refused = moderator.moderate(pid, **fields)
        assert refused.status_code == 403, refused.get_json()
        assert refused.get_json()["error"]["code"] == "forbidden"
    assert _row(pid) == before and _audit_rows() == audited
    approved = _second(make_citizen, actor, "moderator").moderate(pid)
    assert approved.status_code == 200 and approved.get_json()["state"] == "restricted"


def test_the_moderation_page_says_why_it_offers_no_decision_on_ones_own_petition(client, officials):
    moderator = officials["moderator"]
    pid = create_and_submit(moderator)["id"]
    before = _row(pid)
    sign_in_page(client, moderator.citizen)
    page = client.get(f"/moderation/{pid}?lang=en").get_data(as_text=True)
    assert 'id="own-document"' in page and "another moderator decides on it" in page
    assert 'id="approve"' not in page and 'id="reject"' not in page
    assert "another moderator decides on it" in client.get("/moderation?lang=en").get_data(as_text=True)
    for fields in ({"decision": "approve"}, {"decision": "reject", "reason": "duplicate", "comment": "Қайталанады."}):
        jws = moderator.act("petition.moderate", pid, role="moderator", **fields)
        posted = client.post(f"/moderation/{pid}?lang=en", data={"jws": jws, **fields})
        assert posted.status_code == 403, fields
        assert "another moderator decides on it" in posted.get_data(as_text=True)
    assert _row(pid) == before


@pytest.fixture
def reviewers_own(small_thresholds, client, officials, make_citizen):
    """A petition to the Government by the Government's reviewer, under review."""
    reviewer = officials["reviewer"]
    petition = create_and_submit(reviewer)
    assert officials["moderator"].moderate(petition['id']).status_code == 200
    for _ in range(3):
        assert sign(client, make_citizen(), petition).status_code == 201
    assert _row(petition["id"])[0] == "under_review"
    return petition["id"]


def test_a_reviewer_cannot_schedule_or_answer_their_own_petition_over_the_api(reviewers_own, officials, make_citizen, actor):
    reviewer = officials["reviewer"]
    reviewer.citizen.official("reviewer")  # issued (and audited) before the count
    before, audited = _row(reviewers_own), _audit_rows()
    at = (datetime.now(UTC) + timedelta(days=5)).isoformat()
    for purpose, fields in (
        ("petition.discussion", {"at": at, "place": "Астана, Үкімет үйі"}),
        ("petition.answer", answer_fields("supported")),  # valid: refused only as the reviewer's own
    ):
        refused = reviewer.review(reviewers_own, purpose, **fields)
        assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden", refused.get_json()
    assert _row(reviewers_own) == before and _audit_rows() == audited
    other = _second(make_citizen, actor, "reviewer", "government")
    answered = other.review(reviewers_own, "petition.answer", **answer_fields("not_supported"))
    assert answered.status_code == 200, answered.get_json()


def test_the_review_page_says_why_it_offers_no_action_on_ones_own_petition(client, reviewers_own, officials):
    before = _row(reviewers_own)
    sign_in_page(client, officials["reviewer"].citizen)
    page = client.get(f"/review/{reviewers_own}?lang=en").get_data(as_text=True)
    assert 'id="own-document"' in page and "another reviewer of the body answers it" in page
    assert 'id="schedule"' not in page and 'id="publish-answer"' not in page
    at = (datetime.now(UTC) + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    reviewer = officials["reviewer"]
    for action, purpose, fields in (
        ("discussion", "petition.discussion", {"at": at + ":00+05:00", "place": "Астана"}),
        ("answer", "petition.answer", answer_fields("not_supported")),  # what the page's form can sign
    ):
        jws = reviewer.act(purpose, reviewers_own, **fields)
        posted = client.post(f"/review/{reviewers_own}/{action}?lang=en", data={"jws": jws, **fields})
        assert posted.status_code == 403, action
        assert "another reviewer of the body answers it" in posted.get_data(as_text=True)
    assert _row(reviewers_own) == before
    sign_out_page(client)
