"""The production path: real PostgreSQL, real Redis, a real `python -m workers` process, real SMTP."""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from redis import Redis
from sqlalchemy import insert

from tests.auth.test_api import login
from tests.conftest import TEST_SETTINGS, make_app, wipe
from tests.faults.fixtures import start_worker, stop_worker

pytestmark = pytest.mark.slow


@pytest.fixture
def app(postgres_database, redis_url, smtp, instance_dir):
    """The web app (in this process) and a worker process sharing PostgreSQL, Redis and the CA.

    It overrides the suite's `app`, so these tests run once, on the production stack only.
    """
    queue_name = f"dauys-test-{uuid.uuid4().hex[:8]}"
    settings = {
        "REDIS_URL": redis_url,
        "QUEUE_NAME": queue_name,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp.port,
    }
    app = make_app(postgres_database, **settings)
    env = {
        **os.environ,
        "DAUYS_DATABASE_URL": postgres_database,
        "DAUYS_REDIS_URL": redis_url,
        "DAUYS_QUEUE_NAME": queue_name,
        "DAUYS_MAIL_SERVER": "127.0.0.1",
        "DAUYS_MAIL_PORT": str(smtp.port),
        "DAUYS_SECRET_KEY": TEST_SETTINGS["SECRET_KEY"],  # the in-process app's: one keyed hash
        "DAUYS_INSTANCE_PATH": str(instance_dir),
    }
    worker = start_worker(env)
    with app.app_context():
        yield app
    stop_worker(worker)  # and its output scanned for IINs (tests/privacy_guard.py)
    print(worker.output.read_text(errors="replace")[-4000:])
    wipe(app)
    redis = Redis.from_url(redis_url)
    for key in redis.scan_iter(f"rq:*{queue_name}*"):
        redis.delete(key)


def _wait(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_welcome_mail_is_delivered_once_by_the_worker_process(app, smtp, territories, make_citizen):
    from extensions import db
    from notifications.models import EmailDelivery, Notification

    client = app.test_client()
    citizen = make_citizen(email="aigerim@example.kz")
    token = login(client, citizen).get_json()["access_token"]
    login(client, citizen)  # a second login: no second welcome

    assert _wait(lambda: len(smtp.messages) >= 1), "the worker delivered no mail"
    items = client.get("/api/v1/me/notifications", headers={"Authorization": f"Bearer {token}"}).get_json()["items"]
    assert [i["event"] for i in items] == ["account.welcome"]
    time.sleep(3)  # a relay tick or two later, still exactly one
    assert len(smtp.messages) == 1
    assert smtp.messages[0]["To"] == "aigerim@example.kz"
    db.session.expire_all()
    assert db.session.query(Notification).count() == 1
    assert db.session.query(EmailDelivery).filter_by(state="sent").count() == 1


def test_worker_clock_relays_an_event_whose_dispatch_was_lost(app, smtp, territories, make_citizen):
    from auth.models import User
    from extensions import db
    from workers.outbox import OutboxEvent

    citizen = make_citizen(email="lost@example.kz")
    user = User(iin=citizen.iin, created_at=datetime.now(UTC))
    db.session.add(user)
    db.session.flush()
    # Core insert: no after-commit dispatch, as when Redis was down at commit time.
    db.session.execute(
        insert(OutboxEvent).values(
            event="account.welcome", payload={"user_id": user.id},
            created_at=datetime.now(UTC) - timedelta(seconds=5),
        )
    )
    db.session.commit()
    assert _wait(lambda: len(smtp.messages) >= 1), "the worker's clock did not relay the event"
    time.sleep(2)
    assert len(smtp.messages) == 1
    assert smtp.messages[0]["To"] == "lost@example.kz"
