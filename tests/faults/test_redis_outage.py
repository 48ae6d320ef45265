"""Redis stopped for 30 s while 1,000 signatures arrive, one of which crosses the threshold: every
signature is accepted (none dropped), and the threshold notification is delivered, once per
recipient, when Redis is back — to the same worker process, which waited for it."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from tests.faults.fixtures import app_with_worker
from tests.petitions.test_concurrency import citizen, sign_payload
from tests.petitions.test_transitions import make_petition

pytestmark = pytest.mark.slow

SIGNATURES = 1000
OUTAGE_SECONDS = 30


@pytest.fixture
def app(postgres_database, redis_server, instance_dir):
    settings = {"PETITION_RESTRICTED_SUPPORTERS": 1, "PETITION_THRESHOLD_GOVERNMENT": SIGNATURES}
    with app_with_worker(postgres_database, redis_server.url, instance_dir, **settings) as app:
        yield app


def test_signatures_during_a_redis_outage_are_all_kept_and_the_notification_follows(app, redis_server, make_citizen):
    from auth.services import grant_role
    from extensions import db
    from notifications.models import Notification
    from petitions.models import Petition, Signature
    from workers.outbox import OutboxEvent

    now = datetime.now(UTC)
    author = make_citizen(kato="710000000")
    reviewer = make_citizen(kato="710000000")
    grant_role(reviewer.iin, "reviewer", "government", now)
    petition = make_petition("open", author.iin, now, threshold=SIGNATURES)
    petition_id = petition.id
    db.session.commit()
    signers = [citizen(make_citizen) for _ in range(SIGNATURES)]
    payloads = [sign_payload(s, petition) for s in signers]
    client = app.test_client()

    redis_server.stop()
    down_at = time.monotonic()
    statuses = [client.post(f"/api/v1/petitions/{petition_id}/signatures", json=p).status_code for p in payloads]
    assert statuses == [201] * SIGNATURES  # limits pause, the outbox holds the event: nothing refused

    db.session.remove()
    assert db.session.scalar(select(func.count(Signature.id)).where(Signature.petition_id == petition_id)) == SIGNATURES
    assert db.session.get(Petition, petition_id).state == "under_review"
    event_id = db.session.scalar(select(OutboxEvent.id).where(OutboxEvent.event == "petition.threshold_reached"))
    assert event_id is not None
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.outbox_id == event_id)) == 0

    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - down_at)))
    redis_server.start()  # the same port: the worker and the web app reconnect by themselves

    deadline = time.monotonic() + 60
    while True:
        db.session.remove()
        per_user = db.session.execute(
            select(Notification.user_id, func.count()).where(Notification.outbox_id == event_id)
            .group_by(Notification.user_id)
        ).all()
        if len(per_user) >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    time.sleep(4)  # longer than the outbox lease: a second delivery would show now
    db.session.remove()
    per_user = db.session.execute(
        select(Notification.user_id, func.count()).where(Notification.outbox_id == event_id).group_by(Notification.user_id)
    ).all()
    assert len(per_user) == 2 and {n for _, n in per_user} == {1}  # the reviewer and the author, once each
