"""The log's maximum merge delay (API.md "The public log"): an accepted signature is in a signed head
within DAUYS_LOG_HEAD_SECONDS, integrated by the real `python -m workers` process and its clock, and a
worker killed (SIGKILL) while it integrates loses nothing and numbers nothing twice."""

from __future__ import annotations

import hashlib
import os
import signal
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from tests.faults.fixtures import app_with_worker, redis_server, stop_worker  # noqa: F401
from tests.petitions.test_transitions import make_petition

pytestmark = pytest.mark.slow

HEAD_SECONDS = 10
BACKLOG = 40_000


@pytest.fixture
def app(postgres_database, redis_server, instance_dir):  # noqa: F811 - the fixture imported above
    with app_with_worker(postgres_database, redis_server.url, instance_dir, LOG_HEAD_SECONDS=HEAD_SECONDS) as app:
        yield app


def _sha(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _sign(client, citizen, petition) -> tuple[str, float]:
    jws = citizen.jws({"purpose": "petition.sign", "iat": int(time.time()), "doc": petition.signed_doc()})
    taken = client.post(f"/api/v1/petitions/{petition.id}/signatures", json={"jws": jws})
    assert taken.status_code == 201, taken.get_json()
    return taken.get_json()["receipt"], time.monotonic()


def _in_signed_head(client, receipt: str) -> bool:
    proof = client.get(f"/api/v1/log/proof?receipt={_sha(receipt)}")
    return proof.status_code == 200


def test_an_accepted_signature_is_in_a_signed_head_within_the_merge_delay(app, make_citizen):
    author = make_citizen(kato="710000000")
    petition = make_petition("open", author.iin, datetime.now(UTC), threshold=1000)
    client = app.test_client()
    # the worker is up once its first head is signed
    deadline = time.monotonic() + 60
    while client.get("/api/v1/log/head").status_code != 200:
        assert time.monotonic() < deadline, "the worker never signed a head"
        time.sleep(0.2)
    for _ in range(3):
        receipt, accepted = _sign(client, make_citizen(kato="710000000"), petition)
        while not _in_signed_head(client, receipt):
            assert time.monotonic() - accepted <= HEAD_SECONDS, "not in a signed head within the merge delay"
            time.sleep(0.2)


def test_a_worker_killed_while_integrating_loses_and_repeats_nothing(app, make_citizen):
    from extensions import db
    from publiclog import entries, integrate, merkle, tree
    from publiclog.models import LogEntry

    now = datetime.now(UTC)
    for worker in list(app.workers):  # a backlog first, with no worker to take it
        stop_worker(worker)
    app.workers.clear()
    rows = [entries.entry_values("signature", "petition", 1, now, f"h.p.{n}", f"r{n}", "petition.sign", "710000000")
            for n in range(BACKLOG)]
    db.session.execute(LogEntry.__table__.insert(), rows)
    db.session.commit()
    integrated = select(func.count()).where(LogEntry.idx.is_not(None))
    at_kill = []
    for _ in range(3):  # killed three times, each the moment it has made progress: mid-run, with work left
        before = db.session.scalar(integrated)
        db.session.rollback()
        worker = app.start_worker()
        deadline = time.monotonic() + 60
        while db.session.scalar(integrated) == before:
            db.session.rollback()
            assert time.monotonic() < deadline, "the worker never integrated anything"
            time.sleep(0.05)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        app.workers.remove(worker)
        at_kill.append(db.session.scalar(integrated))
        db.session.rollback()
    assert at_kill[0] < BACKLOG, at_kill  # the first kill at least came with the backlog unfinished
    app.start_worker()
    deadline = time.monotonic() + 120
    while db.session.scalar(select(func.count()).where(LogEntry.idx.is_(None))):
        db.session.rollback()
        assert time.monotonic() < deadline, "the backlog was never integrated"
        time.sleep(0.5)
    indices = db.session.scalars(select(LogEntry.idx).order_by(LogEntry.idx)).all()
    assert indices == list(range(len(indices))) and len(indices) >= BACKLOG
    size = len(indices)
    leaves = [bytes(h) for h in db.session.scalars(select(LogEntry.leaf_hash).order_by(LogEntry.idx))]
    assert tree.root(size) == merkle.mth(leaves)  # the stored nodes are the tree of exactly these leaves
    deadline = time.monotonic() + 2 * HEAD_SECONDS
    while getattr(integrate.latest_head(), "tree_size", None) != size:
        db.session.rollback()
        assert time.monotonic() < deadline, "no head of the whole backlog"
        time.sleep(0.5)
    assert integrate.latest_head().root_hash == tree.root(size).hex()
