"""`kill -9` of the RQ worker in the middle of delivering a threshold notification: once a new
worker starts, every recipient has it exactly once — one inbox item, one e-mail."""

from __future__ import annotations

import subprocess
import time
import uuid
from datetime import UTC, datetime

import pytest
from redis import Redis
from sqlalchemy import func, select

from tests.conftest import make_app, wipe
from tests.faults.fixtures import start_worker, stop_worker, wait, worker_env
from tests.faults.servers import kill_session
from tests.petitions.test_concurrency import citizen, sign_payload
from tests.petitions.test_transitions import make_petition

pytestmark = pytest.mark.slow


@pytest.fixture
def app(postgres_database, redis_url, smtp, instance_dir):
    """The web app in this process (overriding the suite's, so this runs on PostgreSQL and Redis
    only); worker processes are started, and killed, by the test through `app.start_worker`."""
    queue = f"dauys-fault-{uuid.uuid4().hex[:8]}"
    settings = {"REDIS_URL": redis_url, "QUEUE_NAME": queue, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port,
                "OUTBOX_LEASE_SECONDS": 3, "EMAIL_LEASE_SECONDS": 3, "PETITION_RESTRICTED_SUPPORTERS": 1,
                "PETITION_THRESHOLD_GOVERNMENT": 3}
    app = make_app(postgres_database, **settings)
    env = worker_env(postgres_database, instance_dir, settings)
    workers: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        workers.append(start_worker(env))
        return workers[-1]

    app.start_worker = start
    with app.app_context():
        yield app
    for proc in workers:
        stop_worker(proc)
    wipe(app)
    redis = Redis.from_url(redis_url)
    for key in redis.scan_iter(f"rq:*{queue}*"):
        redis.delete(key)


def test_a_worker_killed_mid_delivery_leaves_each_recipient_one_notification(app, smtp, make_citizen):
    from auth.services import grant_role
    from extensions import db
    from notifications.models import EmailDelivery, Notification
    from workers.outbox import OutboxEvent

    start_worker = app.start_worker
    now = datetime.now(UTC)
    author = make_citizen(kato="710000000", email="author@example.kz")
    reviewer = make_citizen(kato="710000000", email="reviewer@example.kz")
    grant_role(reviewer.iin, "reviewer", "government", now)
    petition = make_petition("open", author.iin, now, threshold=3)
    signers = [citizen(make_citizen, email=f"signer{i}@example.kz") for i in range(3)]
    db.session.commit()

    smtp.mode = "hold"
    first = start_worker()
    client = app.test_client()
    for signer in signers:
        assert client.post(f"/api/v1/petitions/{petition.id}/signatures", json=sign_payload(signer, petition, notify=True)).status_code == 201
    wait(lambda: smtp.held >= 1)  # the worker is inside an SMTP exchange of the notification
    kill_session(first)  # the worker, its clock and its work horse (in a process group of its own), no goodbye
    smtp.mode = "accept"

    start_worker()
    expected = {"author@example.kz", "reviewer@example.kz", *(f"signer{i}@example.kz" for i in range(3))}

    db.session.remove()
    event_id = db.session.scalar(select(OutboxEvent.id).where(OutboxEvent.event == "petition.threshold_reached"))

    def delivered() -> bool:
        db.session.remove()
        return db.session.scalar(
            select(func.count(EmailDelivery.id)).where(EmailDelivery.outbox_id == event_id, EmailDelivery.state == "sent")
        ) == len(expected)

    wait(delivered, 90)
    time.sleep(4)  # a lease longer: a second copy would have been sent by now
    per_user = db.session.execute(
        select(Notification.user_id, func.count()).where(Notification.outbox_id == event_id).group_by(Notification.user_id)
    ).all()
    assert len(per_user) == len(expected) and {n for _, n in per_user} == {1}
    deliveries = db.session.scalars(select(EmailDelivery).where(EmailDelivery.outbox_id == event_id)).all()
    assert {d.to_addr for d in deliveries} == expected
    for delivery in deliveries:  # in the mailbox exactly once each: the held copy was never acknowledged
        copies = [m for m in smtp.messages if m["To"] == delivery.to_addr and str(m["Subject"]) == delivery.subject]
        assert len(copies) == 1, (delivery.to_addr, len(copies))
