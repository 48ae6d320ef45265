"""The outbox path in-process: recorded with the change, delivered once, mail retried or failed."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from tests.auth.test_api import login


def _token(client, citizen) -> str:
    response = login(client, citizen)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"]


def test_first_login_records_one_welcome_and_later_logins_none(app, client, make_citizen):
    from extensions import db
    from workers.outbox import OutboxEvent
    from workers.queues import wait_for_inprocess

    citizen = make_citizen()
    for _ in range(3):
        _token(client, citizen)
    wait_for_inprocess()
    events = db.session.scalars(select(OutboxEvent)).all()
    assert [e.event for e in events] == ["account.welcome"]


def test_welcome_reaches_the_inbox_and_the_mailbox_in_process(app, client, make_citizen, smtp):
    from workers.queues import wait_for_inprocess

    app.config["MAIL_PORT"] = smtp.port
    citizen = make_citizen(email="aigerim@example.kz")
    token = _token(client, citizen)
    wait_for_inprocess()
    items = client.get("/api/v1/me/notifications", headers={"Authorization": f"Bearer {token}"}).get_json()["items"]
    assert [i["event"] for i in items] == ["account.welcome"]
    assert items[0]["read"] is False
    messages = smtp.wait_for(1)
    assert len(messages) == 1
    assert messages[0]["To"] == "aigerim@example.kz"
    assert "Айгерім" in messages[0].get_content()
    assert citizen.iin not in messages[0].as_string()


def test_delivering_an_event_twice_acts_once(app, make_citizen):
    from extensions import db
    from notifications.models import EmailDelivery, Notification
    from workers import jobs, outbox
    from workers.queues import wait_for_inprocess

    citizen = make_citizen(email="a@example.kz")
    from auth.models import User

    user = User(iin=citizen.iin, created_at=datetime.now(UTC))
    db.session.add(user)
    db.session.flush()
    event = outbox.record("account.welcome", datetime.now(UTC), user_id=user.id)
    db.session.commit()
    wait_for_inprocess()  # the after-commit dispatch already ran it once
    assert jobs.deliver_event(event.id) == "already processed"
    assert jobs.deliver_event(event.id) == "already processed"
    assert db.session.query(Notification).count() == 1
    assert db.session.query(EmailDelivery).count() == 1


def test_rolled_back_change_dispatches_nothing(app, make_citizen):
    from extensions import db
    from notifications.models import Notification
    from workers import outbox
    from workers.queues import wait_for_inprocess

    outbox.record("account.welcome", datetime.now(UTC), user_id=1)
    db.session.flush()
    db.session.rollback()
    wait_for_inprocess()
    assert db.session.query(outbox.OutboxEvent).count() == 0
    assert db.session.query(Notification).count() == 0


def _pending_delivery(app, make_citizen, smtp):
    from auth.models import User
    from extensions import db
    from notifications.models import EmailDelivery
    from workers import jobs, outbox

    app.config["MAIL_PORT"] = smtp.port
    citizen = make_citizen(email="a@example.kz")
    user = User(iin=citizen.iin, created_at=datetime.now(UTC))
    db.session.add(user)
    db.session.flush()
    # A Core insert: not seen by the after-commit dispatch, as if the process had died.
    event_id = db.session.execute(
        insert(outbox.OutboxEvent).values(
            event="account.welcome", payload={"user_id": user.id}, created_at=datetime.now(UTC)
        )
    ).inserted_primary_key[0]
    db.session.commit()
    smtp.mode = "defer"
    jobs.deliver_event(event_id)
    from workers.queues import wait_for_inprocess

    wait_for_inprocess()
    return db.session.scalar(select(EmailDelivery))


def test_transient_mail_failure_is_retried_later_and_then_sent(app, make_citizen, smtp):
    from extensions import db
    from workers import jobs
    from workers.queues import wait_for_inprocess

    delivery = _pending_delivery(app, make_citizen, smtp)
    db.session.refresh(delivery)
    assert delivery.state == "pending"
    assert delivery.attempts == 1
    assert "451" in delivery.last_error
    assert delivery.next_attempt_at > datetime.now(UTC)
    assert jobs.send_email(delivery.id) == "not due or already handled"

    smtp.mode = "accept"
    later = (datetime.now(UTC) + timedelta(minutes=2)).isoformat()
    assert jobs.relay(later) >= 1
    wait_for_inprocess()
    # The relay handed it to the job thread with the real clock: not due yet there. Run it as due.
    jobs.send_email(delivery.id, later)
    db.session.refresh(delivery)
    assert delivery.state == "sent"
    assert len(smtp.wait_for(1)) == 1
    assert smtp.messages[0]["Message-ID"] == delivery.message_id


def test_permanent_mail_failure_is_recorded_not_retried(app, make_citizen, smtp):
    from extensions import db
    from workers import jobs

    delivery = _pending_delivery(app, make_citizen, smtp)
    smtp.mode = "refuse"
    later = (datetime.now(UTC) + timedelta(minutes=2)).isoformat()
    assert jobs.send_email(delivery.id, later) .startswith("permanent")
    db.session.refresh(delivery)
    assert delivery.state == "failed"
    assert "550" in delivery.last_error
    assert jobs.send_email(delivery.id, later) == "not due or already handled"


def test_mail_gives_up_after_the_last_attempt(app, make_citizen, smtp):
    from extensions import db
    from workers import jobs

    app.config["MAIL_MAX_ATTEMPTS"] = 2
    delivery = _pending_delivery(app, make_citizen, smtp)
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    jobs.send_email(delivery.id, later)
    db.session.refresh(delivery)
    assert delivery.state == "failed"
    assert delivery.attempts == 2


def test_relay_hands_over_only_what_is_due(app, make_citizen):
    from extensions import db
    from workers import jobs, outbox
    from workers.queues import wait_for_inprocess

    now = datetime.now(UTC)
    fresh = db.session.execute(
        insert(outbox.OutboxEvent).values(event="account.welcome", payload={"user_id": 999}, created_at=now)
    ).inserted_primary_key[0]
    done = db.session.execute(
        insert(outbox.OutboxEvent).values(
            event="account.welcome", payload={"user_id": 999}, created_at=now - timedelta(minutes=5), processed_at=now
        )
    ).inserted_primary_key[0]
    db.session.commit()
    assert jobs.relay(now.isoformat()) == 0  # fresh: left to the after-commit dispatch
    later = now + timedelta(seconds=5)
    assert jobs.relay(later.isoformat()) == 1
    assert jobs.relay((later + timedelta(seconds=1)).isoformat()) == 0  # leased
    wait_for_inprocess()
    db.session.expire_all()
    assert db.session.get(outbox.OutboxEvent, fresh).processed_at is not None  # user 999 missing: no recipients
    assert db.session.get(outbox.OutboxEvent, done).relayed_at is None


def test_purging_old_nonces_twice_acts_once(app):
    from auth.models import AuthNonce
    from auth.services import new_challenge
    from extensions import db
    from workers import jobs

    now = datetime.now(UTC)
    new_challenge(now - timedelta(days=3))
    new_challenge(now)
    db.session.commit()
    assert jobs.purge_auth_nonces(now.isoformat()) == 1
    assert jobs.purge_auth_nonces(now.isoformat()) == 0
    assert db.session.query(AuthNonce).count() == 1


def test_in_process_clock_relays_a_lost_event(app, make_citizen):
    """The demo server's clock thread picks up an event whose dispatch never happened."""
    import threading

    from auth.models import User
    from extensions import db
    from notifications.models import Notification
    from workers import clock, outbox, schedule
    from workers.queues import wait_for_inprocess

    citizen = make_citizen()
    user = User(iin=citizen.iin, created_at=datetime.now(UTC))
    db.session.add(user)
    db.session.flush()
    db.session.execute(
        insert(outbox.OutboxEvent).values(
            event="account.welcome", payload={"user_id": user.id}, created_at=datetime.now(UTC) - timedelta(seconds=10)
        )
    )
    db.session.commit()
    stop = threading.Event()
    thread = threading.Thread(target=clock.run_forever, args=(app, None, stop), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    try:
        while time.monotonic() < deadline:
            wait_for_inprocess()
            delivered = db.session.query(Notification).count()
            db.session.rollback()  # end the transaction: SQLite lets one connection write at a time
            if delivered:
                break
            time.sleep(schedule.RELAY_INTERVAL_SECONDS / 2)
    finally:
        stop.set()
        thread.join(5)
    assert db.session.query(Notification).count() == 1


def test_welcome_comes_in_the_language_of_sign_in_and_the_inbox_follows_the_page(app, client, make_citizen, smtp):
    from workers.queues import wait_for_inprocess

    app.config["MAIL_PORT"] = smtp.port
    citizen = make_citizen(email="a@example.kz")
    nonce = client.post("/api/v1/auth/challenge").get_json()["nonce"]
    jws = citizen.jws({"purpose": "auth", "nonce": nonce, "iat": int(time.time())}, usage="auth")
    token = client.post("/api/v1/auth/token", json={"jws": jws}, headers={"Accept-Language": "ru"}).get_json()["access_token"]
    wait_for_inprocess()
    mail = smtp.wait_for(1)[0]
    assert mail["Subject"] == "Добро пожаловать в Dauys"
    auth = {"Authorization": f"Bearer {token}"}
    titles = {
        lang: client.get("/api/v1/me/notifications", headers={**auth, "Accept-Language": lang}).get_json()["items"][0]["title"]
        for lang in ("kk", "ru", "en")
    }
    assert titles["en"] == "Welcome to Dauys"
    assert titles["ru"] == "Добро пожаловать в Dauys"
    assert len(set(titles.values())) == 3
