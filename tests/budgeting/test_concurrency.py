"""Officers screening one proposal at once, as real concurrent clients of a threaded server on PostgreSQL.

The suite's `app` is overridden here, so these tests run once, on PostgreSQL only (SQLite has one
writer at a time, and no row locks to test).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from tests.auth.test_api import login
from tests.budgeting.conftest import VILLAGE_1, VILLAGE_2, proposal_body, screen_jws, submit_jws, user_of
from tests.conftest import make_app, serving
from tests.petitions.test_concurrency import fire_at_once, post

pytestmark = pytest.mark.slow


@pytest.fixture
def app(postgres_database, instance_dir):
    yield from serving(make_app(postgres_database))


@pytest.fixture
def submitted(app, make_cycle, resident):
    """A proposal signed and submitted by its author, in a cycle's proposals phase."""
    from budgeting import services
    from extensions import db

    now = datetime.now(UTC)
    cycle = make_cycle("proposals")
    author = resident(kato=VILLAGE_1, email="proposer@example.kz")
    author_user = user_of(author)
    proposal = services.create_proposal(cycle, author_user, proposal_body(), now)
    services.submit_proposal(proposal, author_user, submit_jws(author, proposal.signed_doc()), now)
    db.session.commit()
    return proposal.id, author


def _officer_tokens(app, officials, resident) -> list[tuple[str, object]]:
    """Two budget officers of the proposal's rural district, each signed in: (token, the officer)."""
    from auth import services
    from extensions import db

    second = resident(kato=VILLAGE_2)
    services.grant_role(second.iin, "budget_officer", "113243000", datetime.now(UTC))
    db.session.commit()
    return [(login(app.test_client(), officer).get_json()["access_token"], officer) for officer in (officials["officer"], second)]


def _screenings(proposal_id: int) -> tuple[int, int]:
    """The outbox events that tell the author of a screening, and the audit entries of one."""
    from audit.models import AuditEntry
    from extensions import db
    from workers.outbox import OutboxEvent

    db.session.rollback()
    events = db.session.scalars(select(OutboxEvent.payload).where(OutboxEvent.event == "budget.proposal_screened"))
    logged = db.session.scalar(
        select(func.count(AuditEntry.id)).where(AuditEntry.action == "proposal.screen", AuditEntry.subject_id == str(proposal_id))
    )
    return sum(1 for payload in events if payload["proposal_id"] == proposal_id), logged


def test_two_officers_screening_at_once_send_the_author_one_letter(
    app, server, officials, resident, submitted, monkeypatch
):
    """Each of two officers saves the same decision three times at once: one decision, one letter.

    Recording the letter is slowed down (as on a loaded server), so that without the row lock
    every request would read the proposal before the first decision commits, and count its own
    as new: six letters, not one.
    """
    from auth.models import User
    from budgeting.models import Proposal
    from extensions import db
    from notifications.models import Notification
    from workers import outbox
    from workers.queues import wait_for_inprocess

    proposal_id, author = submitted
    record = outbox.record

    def slow_record(*args, **kwargs):
        time.sleep(0.3)
        return record(*args, **kwargs)

    monkeypatch.setattr(outbox, "record", slow_record)
    tokens = _officer_tokens(app, officials, resident)
    url = f"{server}/api/v1/budget/proposals/{proposal_id}/screening"
    doc = db.session.get(Proposal, proposal_id).signed_doc()
    # each request its own signed act, the same decision (API.md "Official acts")
    bodies = [(token, {"jws": screen_jws(officer, doc, True, cost=280_000)}) for token, officer in tokens * 3]

    results = fire_at_once([lambda t=t, b=b: post(url, b, t) for t, b in bodies])

    assert [status for status, _ in results] == [200] * 6, results
    assert {body["state"] for _, body in results} == {"eligible"}
    assert _screenings(proposal_id) == (1, 1)
    assert [act["purpose"] for act in results[0][1]["acts"]] == ["proposal.screen"]  # one act kept: the one that decided
    row = db.session.get(Proposal, proposal_id)
    assert (row.state, row.checked_cost) == ("eligible", 280_000)

    wait_for_inprocess()
    db.session.rollback()
    letters = db.session.scalar(
        select(func.count(Notification.id))
        .join(User, User.id == Notification.user_id)
        .where(User.iin == author.iin, Notification.event == "budget.proposal_screened")
    )
    assert letters == 1
