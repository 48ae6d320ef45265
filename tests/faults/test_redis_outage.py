"""Redis stopped for 30 s while 1,000 signatures arrive, one of which crosses the threshold: every
signature is accepted (none dropped), and the threshold notification is delivered, once per
recipient, when Redis is back — to the same worker process, which waited for it."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import ROOT, make_app, wipe
from tests.faults.servers import ThrowawayRedis, stop_group
from tests.petitions.test_concurrency import citizen, sign_payload
from tests.petitions.test_transitions import make_petition

pytestmark = pytest.mark.slow

SIGNATURES = 1000
OUTAGE_SECONDS = 30


@pytest.fixture
def redis_server():
    server = ThrowawayRedis(Path(tempfile.mkdtemp(prefix="dauys-redis-")))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app(postgres_database, redis_server, instance_dir):
    settings = {"REDIS_URL": redis_server.url, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": redis_server.url,
                "OUTBOX_LEASE_SECONDS": 3, "PETITION_RESTRICTED_SUPPORTERS": 1,
                "PETITION_THRESHOLD_GOVERNMENT": SIGNATURES}
    app = make_app(postgres_database, **settings)
    env = {**os.environ, "DAUYS_DATABASE_URL": postgres_database, "DAUYS_REDIS_URL": redis_server.url,
           "DAUYS_OUTBOX_LEASE_SECONDS": "3", "DAUYS_SECRET_KEY": "test-secret", "DAUYS_INSTANCE_PATH": str(instance_dir)}
    log = open(Path(instance_dir) / "worker-redis-outage.log", "w")
    worker = subprocess.Popen([sys.executable, "-m", "workers"], cwd=ROOT, env=env, start_new_session=True,
                              stdout=log, stderr=subprocess.STDOUT)
    with app.app_context():
        yield app
    stop_group(worker)
    wipe(app)


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
