"""Real concurrent clients against a real threaded server on real PostgreSQL.

The suite's `app` is overridden here, so these tests run once, on PostgreSQL only.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from petitions.models import COUNTER_SHARDS, Petition, PetitionCounter, Signature
from tests.auth.test_api import login
from tests.conftest import make_app, wipe
from tests.petitions.conftest import BODY
from tests.petitions.test_transitions import events, make_petition

pytestmark = pytest.mark.slow

THRESHOLD = 30


@pytest.fixture
def app(postgres_database, smtp, instance_dir):
    """One supporter opens a petition, 30 reach the Government's threshold; mail goes to a real SMTP server."""
    app = make_app(
        postgres_database, PETITION_RESTRICTED_SUPPORTERS=1, PETITION_THRESHOLD_GOVERNMENT=THRESHOLD,
        MAIL_PORT=smtp.port,
    )
    with app.app_context():
        yield app
        from extensions import db
        from workers.queues import wait_for_inprocess

        db.session.rollback()
        wait_for_inprocess()
    wipe(app)




def post(url: str, payload: dict, token: str | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def fire_at_once(calls: list) -> list:
    """Run every call in its own thread, all released together by a barrier."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


_born = iter(range(5000))


def citizen(make_citizen, **kwargs):
    """A new citizen with a birth date of their own (the fixture's IIN serials collide past a few dozen)."""
    return make_citizen(born=date(1970, 1, 1) + timedelta(days=next(_born)), **kwargs)


def sign_payload(citizen, petition: Petition, notify: bool = False) -> dict:
    jws = citizen.jws({"purpose": "petition.sign", "iat": int(datetime.now(UTC).timestamp()), "doc": petition.signed_doc()})
    return {"jws": jws, "notify": notify}


@pytest.fixture
def restricted_petition(app, make_citizen):
    """An approved Government petition, made by the services as a real author and moderator would."""
    from auth.services import account_for, grant_role
    from extensions import db
    from petitions import services

    now = datetime.now(UTC)
    author = make_citizen(email="author@example.kz")
    moderator = make_citizen(kato="710000000")
    reviewer = make_citizen(kato="710000000", email="reviewer@example.kz")
    grant_role(moderator.iin, "moderator", None, now)
    grant_role(reviewer.iin, "reviewer", "government", now)
    author_user = account_for(author.iin, now)
    petition = services.create_draft(
        author_user, title="Ауыл көшесін жөндеу керек", body=BODY, language="kk", addressee="government",
        territory=None, now=now,
    )
    jws = author.jws({"purpose": "petition.submit", "iat": int(now.timestamp()), "doc": petition.signed_doc()})
    services.submit(petition, author_user, jws, now)
    act = moderator.act("petition.moderate", petition.signed_doc(), iat=int(now.timestamp()), decision="approve")
    services.moderate(petition, account_for(moderator.iin, now), act, now)
    db.session.commit()
    assert petition.threshold == THRESHOLD
    return petition, {"author": author, "reviewer": reviewer}


def _counts(petition_id: int) -> tuple[int, int, list[int]]:
    from extensions import db
    from petitions import counter

    db.session.rollback()
    rows = db.session.scalar(select(func.count(Signature.id)).where(Signature.petition_id == petition_id))
    shards = list(
        db.session.scalars(
            select(PetitionCounter.count).where(PetitionCounter.petition_id == petition_id).order_by(PetitionCounter.shard)
        )
    )
    return counter.exact_count(petition_id), rows, shards


def test_forty_signers_racing_across_the_threshold_fire_it_once(app, server, make_citizen, smtp, restricted_petition):
    from extensions import db
    from notifications.models import EmailDelivery, Notification
    from workers.queues import wait_for_inprocess

    petition, people = restricted_petition
    url = f"{server}/api/v1/petitions/{petition.id}/signatures"
    # Three early supporters who asked to be told; the first one opens the petition.
    followers = [citizen(make_citizen, kato="113243100", email=f"follower{i}@example.kz") for i in range(3)]
    for follower in followers:
        status, answer = post(url, sign_payload(follower, petition, notify=True))
        assert status == 201, answer
    racers = [citizen(make_citizen, kato=("113243200", "710000000")[i % 2]) for i in range(40)]
    payloads = [sign_payload(racer, petition) for racer in racers]

    results = fire_at_once([lambda p=p: post(url, p) for p in payloads])

    accepted = [body for status, body in results if status == 201]
    refused = [(status, body["error"]["code"]) for status, body in results if status != 201]
    assert set(refused) <= {(409, "wrong_state")}, refused
    assert len(accepted) >= THRESHOLD - len(followers)
    count, rows, shards = _counts(petition.id)
    assert count == rows == len(accepted) + len(followers)
    assert len({body["receipt"] for body in accepted}) == len(accepted)
    # No counter row was taken by every signer: the increments spread over the shards.
    assert len(shards) == COUNTER_SHARDS
    assert sum(1 for shard in shards if shard) > 1 and max(shards) < count

    row = db.session.get(Petition, petition.id)
    assert row.state == "under_review" and row.review_due_on is not None
    assert len(events("petition.opened", petition.id)) == 1
    [reached] = events("petition.threshold_reached", petition.id)

    wait_for_inprocess()
    db.session.rollback()
    from auth.models import User

    recipients = [people["author"].iin, people["reviewer"].iin, *(f.iin for f in followers)]
    notified = db.session.execute(
        select(User.iin, func.count(Notification.id))
        .join(Notification, Notification.user_id == User.id)
        .where(Notification.outbox_id == reached.id)
        .group_by(User.iin)
    ).all()
    assert sorted(notified) == sorted((iin, 1) for iin in recipients)
    mails = db.session.scalars(select(EmailDelivery).where(EmailDelivery.outbox_id == reached.id)).all()
    assert sorted(m.to_addr for m in mails) == sorted(
        ["author@example.kz", "reviewer@example.kz", *(f"follower{i}@example.kz" for i in range(3))]
    )
    assert {m.state for m in mails} == {"sent"}
    subjects = [str(message["To"]) for message in smtp.messages if message["Message-ID"] in {m.message_id for m in mails}]
    assert sorted(subjects) == sorted(m.to_addr for m in mails)


def test_one_citizen_firing_ten_identical_signatures_is_counted_once(app, server, make_citizen, restricted_petition):
    petition, _ = restricted_petition
    url = f"{server}/api/v1/petitions/{petition.id}/signatures"
    payload = sign_payload(citizen(make_citizen, kato="113243100"), petition, notify=True)

    results = fire_at_once([lambda: post(url, payload) for _ in range(10)])

    statuses = sorted((status, body.get("error", {}).get("code")) for status, body in results)
    assert statuses == [(201, None)] + [(409, "already_signed")] * 9
    count, rows, _ = _counts(petition.id)
    assert count == rows == 1


def test_the_recount_corrects_corrupted_shards_while_signers_keep_signing(app, server, make_citizen):
    from extensions import db
    from petitions.jobs import tick

    author = make_citizen()
    petition = make_petition("open", author.iin, datetime.now(UTC), threshold=10_000)
    reviewed = make_petition("under_review", author.iin, datetime.now(UTC), threshold=10_000)
    for target in (petition, reviewed):
        db.session.execute(
            text("UPDATE petition_counter SET count = count + 5 WHERE petition_id = :id"), {"id": target.id}
        )
    db.session.commit()
    url = f"{server}/api/v1/petitions/{petition.id}/signatures"
    payloads = [sign_payload(citizen(make_citizen), petition) for _ in range(20)]
    stop = threading.Event()

    def recount_meanwhile():
        with app.app_context():
            while not stop.is_set():
                tick()

    recounter = threading.Thread(target=recount_meanwhile)
    recounter.start()
    try:
        results = fire_at_once([lambda p=p: post(url, p) for p in payloads])
    finally:
        stop.set()
        recounter.join(timeout=30)
    assert [status for status, _ in results] == [201] * 20

    tick()
    for target, signatures in ((petition, 20), (reviewed, 0)):
        count, rows, _ = _counts(target.id)
        assert count == rows == signatures
    assert db.session.get(Petition, petition.id).state == "open"
    assert events("petition.threshold_reached", petition.id) == []


def test_concurrent_moderators_decide_a_petition_once(app, server, make_citizen):
    """Six approvals and six rejections at once: one wins, eleven are told wrong_state, one letter."""
    from auth.services import grant_role
    from extensions import db

    moderator = make_citizen(kato="710000000")
    grant_role(moderator.iin, "moderator", None, datetime.now(UTC))
    db.session.commit()
    token = login(app.test_client(), moderator).get_json()["access_token"]
    petition = make_petition("moderation", make_citizen().iin, datetime.now(UTC))
    url = f"{server}/api/v1/petitions/{petition.id}/moderation"
    decisions = [{"decision": "approve"}] * 6 + [
        {"decision": "reject", "reason": "duplicate", "comment": f"Қайталау {i}"} for i in range(6)
    ]
    decisions = [{"jws": moderator.act("petition.moderate", petition.signed_doc(), **d)} for d in decisions]

    results = fire_at_once([lambda d=d: post(url, d, token) for d in decisions])

    statuses = sorted((status, body.get("error", {}).get("code")) for status, body in results)
    assert statuses == [(200, None)] + [(409, "wrong_state")] * 11, statuses
    db.session.rollback()
    row = db.session.get(Petition, petition.id)
    decided = events("petition.approved", petition.id) + events("petition.rejected", petition.id)
    assert len(decided) == 1
    assert row.state == {"petition.approved": "restricted", "petition.rejected": "rejected"}[decided[0].event]
    shards = db.session.scalar(select(func.count()).where(PetitionCounter.petition_id == petition.id))
    assert shards == (COUNTER_SHARDS if row.state == "restricted" else 0)


def test_an_answer_is_contested_exactly_once_under_concurrent_ratings(app, make_citizen):
    """Twelve citizens rate at once, all dissatisfied: the threshold (8) is crossed by exactly one."""
    from extensions import db
    from petitions import accountability
    from petitions.models import Petition
    from tests.petitions.test_after_the_answer import _rated_petition, rating_jws
    from tests.petitions.test_jobs import state_of
    from tests.petitions.test_transitions import events

    app.config.update(PETITION_CONTEST_MIN_RATINGS=8, PETITION_CONTEST_PERCENT=50)
    petition, citizens = _rated_petition(app, make_citizen, 12, datetime.now(UTC))
    row = {"id": petition.id, "digest": petition.digest}
    tokens = [rating_jws(citizen, row, 1, ["formal"]) for citizen in citizens]
    barrier = threading.Barrier(len(tokens))
    outcomes: list[object] = []

    def one(jws: str) -> None:
        with app.app_context():
            target = db.session.get(Petition, row["id"])
            barrier.wait()
            try:
                outcomes.append(accountability.rate(target, jws, datetime.now(UTC)).contested)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 (reported below)
                db.session.rollback()
                outcomes.append(error)

    threads = [threading.Thread(target=one, args=(jws,)) for jws in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(map(repr, outcomes)) == sorted(["True"] + ["False"] * 11), outcomes
    assert len(events("petition.contested", row["id"])) == 1
    assert state_of(row["id"]).contested_at is not None
