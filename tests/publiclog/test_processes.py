"""The integrator as a real process on PostgreSQL: killed with SIGKILL at random moments it leaves
the whole batch or nothing; two at once make one log; SIGTERM stops the loop at once."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from publiclog import entries, merkle
from tests import privacy_guard
from tests.conftest import TEST_SETTINGS, make_app, wipe

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
AT = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def app(postgres_database, instance_dir):
    """On PostgreSQL only: it overrides the suite's `app`."""
    app = make_app(postgres_database)
    with app.app_context():
        yield app
    wipe(app)


def env(app) -> dict:
    return {
        **os.environ,
        "DAUYS_DATABASE_URL": app.config["DATABASE_URL"],
        "DAUYS_SECRET_KEY": TEST_SETTINGS["SECRET_KEY"],
        "DAUYS_INSTANCE_PATH": app.instance_path,
        "DAUYS_LOG_HEAD_SECONDS": "2",  # a head every second while it runs
    }


def start(app, *args: str) -> subprocess.Popen:
    output = privacy_guard.output_file("flask log integrate")
    with open(output, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "log", "integrate", *args],
            cwd=ROOT, env=env(app), start_new_session=True, stdout=out, stderr=subprocess.STDOUT,
        )
    proc.output = output
    return proc


def finish(proc: subprocess.Popen, timeout: float = 120) -> str:
    proc.wait(timeout=timeout)
    privacy_guard.scan(proc.output)
    return proc.output.read_text(errors="replace")


def pending(start: int, count: int) -> None:
    """`count` pending entries, as accepted by many signers at once."""
    from extensions import db
    from publiclog.models import LogEntry

    rows = [
        entries.entry_values("signature", "petition", 1 + n % 9, AT + timedelta(seconds=n), f"h.p{n}.s", f"r-{n}",
                             "petition.sign", "710000000")
        for n in range(start, start + count)
    ]
    for i in range(0, len(rows), 5000):
        db.session.execute(LogEntry.__table__.insert(), rows[i:i + 5000])
    db.session.commit()


def tree_size() -> int:
    from extensions import db
    from publiclog.models import LogState

    db.session.rollback()
    return db.session.scalar(select(LogState.tree_size).where(LogState.id == 1)) or 0


def check_the_log(total: int) -> None:
    """Indices 0..total-1 once each, the stored nodes exactly the tree's perfect subtrees, and every head
    ever signed a signed root of a prefix of the final tree, consistent with it."""
    from auth.instance_ca import certification_authority
    from extensions import db
    from publiclog import heads, tree
    from publiclog.models import LogEntry, LogHead, LogNode

    db.session.rollback()
    count, distinct, low, high, unnumbered = db.session.execute(select(
        func.count(), func.count(func.distinct(LogEntry.idx)), func.min(LogEntry.idx), func.max(LogEntry.idx),
        func.count().filter(LogEntry.idx.is_(None)))).one()
    assert (count, distinct, low, high, unnumbered) == (total, total, 0, total - 1, 0)
    assert tree_size() == total
    leaves = [bytes(h) for h in db.session.scalars(select(LogEntry.leaf_hash).order_by(LogEntry.idx))]
    signed = {h.tree_size: h for h in db.session.scalars(select(LogHead))}
    frontier, expected, roots = [], {}, {0: merkle.EMPTY_ROOT}
    for size, leaf in enumerate(leaves, start=1):
        for level, index, value in merkle.extend(frontier, size - 1, [leaf]):
            expected[(level, index)] = value
        if size in signed:
            roots[size] = merkle.fold([h for _, _, h in frontier])
    stored = {(level, idx): bytes(h) for level, idx, h in db.session.execute(select(LogNode.level, LogNode.idx, LogNode.hash))}
    assert stored == expected
    assert tree.root(total) == merkle.mth(leaves)
    ca = certification_authority()
    for size, head in sorted(signed.items()):
        assert bytes.fromhex(head.root_hash) == roots[size], f"head {size} is not a prefix of the final tree"
        assert heads.verify(head.jws, ca) == heads.payload(size, roots[size], entries.instant(head.timestamp))
        proof = tree.consistency(size, total)
        assert merkle.verify_consistency(size, total, roots[size], tree.root(total), proof)
    stamps = [signed[size].timestamp for size in sorted(signed)]
    assert stamps == sorted(stamps)


def test_an_integrator_killed_at_random_moments_leaves_whole_batches_only(app):
    rng = random.Random()
    pending(0, 30_000)
    total, kills = 30_000, 0
    for _ in range(6):
        before = tree_size()
        proc = start(app, "--loop", "--batch", "50")
        deadline = time.monotonic() + 60
        while tree_size() == before and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, finish(proc)[-2000:]
        time.sleep(rng.uniform(0.0, 1.5))  # mid-batch, mid-head, between the two: anywhere
        os.killpg(proc.pid, signal.SIGKILL)
        finish(proc)
        kills += 1
        from extensions import db
        from publiclog.models import LogEntry

        db.session.rollback()
        numbered = db.session.scalar(select(func.count()).select_from(LogEntry).where(LogEntry.idx.is_not(None)))
        assert numbered == tree_size()  # what the state says, no more and no less
        pending(total, 1000)  # signers go on signing
        total += 1000
    last = start(app, "--batch", "50")
    output = finish(last)
    assert last.returncode == 0, output[-2000:]
    integrated = int(re.search(r"integrated (\d+)", output).group(1))
    assert 0 < integrated  # the kills left work undone: they hit a running integrator
    assert kills == 6
    check_the_log(total)


def test_two_integrators_at_once_make_one_log(app):
    pending(0, 40_000)
    procs = [start(app, "--batch", "50") for _ in range(2)]
    outputs = [finish(proc) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], [o[-2000:] for o in outputs]
    counts = [int(re.search(r"integrated (\d+)", output).group(1)) for output in outputs]
    assert sum(counts) == 40_000  # each entry integrated by exactly one of them
    assert min(counts) > 0, counts  # and they did run at the same time
    check_the_log(40_000)


def test_the_loop_stops_promptly_on_sigterm(app):
    pending(0, 500)
    proc = start(app, "--loop")
    deadline = time.monotonic() + 60
    while tree_size() < 500 and time.monotonic() < deadline:
        time.sleep(0.05)
    from publiclog.integrate import latest_head

    while (latest_head() is None or latest_head().tree_size < 500) and time.monotonic() < deadline:
        time.sleep(0.05)
        tree_size()  # a fresh transaction: see the loop's commits
    asked = time.monotonic()
    os.killpg(proc.pid, signal.SIGTERM)
    output = finish(proc, timeout=10)
    assert proc.returncode == 0, output[-2000:]
    assert time.monotonic() - asked < 3
    assert "log integrator stopped" in output
    check_the_log(500)
