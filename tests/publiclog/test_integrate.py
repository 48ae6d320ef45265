"""Appending and integrating on SQLite and PostgreSQL: the stored tree is the RFC's tree of the
entries in the order integrated, its proofs are those of the full recomputation, and every step acts
once."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from publiclog import entries, merkle

AT = datetime(2026, 5, 1, 9, 30, 15, 123456, tzinfo=UTC)


def add(count: int, start: int = 0, commit: bool = True) -> None:
    from extensions import db

    for n in range(start, start + count):
        kind = ("signature", "ballot", "act", "rating")[n % 4]
        entries.append(
            kind, {"signature": "petition", "ballot": "cycle", "act": "proposal", "rating": "petition"}[kind], n % 7,
            AT + timedelta(seconds=n), f"eyJhbGciOiJFUzI1NiJ9.e30.s{n}", None if kind == "act" else f"receipt-{n}",
            {"signature": "petition.sign", "ballot": "ballot.cast", "act": "proposal.screen",
             "rating": "petition.rate"}[kind],
            "110000000" if kind == "signature" else None,
        )
    if commit:
        db.session.commit()


def stored_leaves() -> list[bytes]:
    from extensions import db
    from publiclog.models import LogEntry

    rows = db.session.execute(select(LogEntry.idx, LogEntry.entry, LogEntry.leaf_hash).order_by(LogEntry.idx)).all()
    assert [idx for idx, _, _ in rows] == list(range(len(rows)))  # every entry numbered, 0..n-1, no gap
    for _, entry, leaf in rows:
        assert bytes(leaf) == merkle.leaf_hash(entry.encode("utf-8"))
    return [bytes(leaf) for _, _, leaf in rows]


def test_an_entry_is_api_md_s_seven_keys_in_canonical_json():
    values = entries.entry_values("signature", "petition", 42, AT, "a.b.c", "rcpt-ä", "petition.sign", "110000000")
    assert values["entry"] == (
        '{"at":"2026-05-01T09:30:15Z","commitment":"sha256:' + __import__("hashlib").sha256(b"a.b.c").hexdigest()
        + '","kind":"signature","purpose":"petition.sign","receipt":"sha256:'
        + __import__("hashlib").sha256("rcpt-ä".encode()).hexdigest()
        + '","region":"110000000","subject":{"id":42,"type":"petition"}}'
    )
    assert values["leaf_hash"] == merkle.leaf_hash(values["entry"].encode("utf-8"))
    assert values["receipt_hash"] == entries.receipt_hash("rcpt-ä") == json.loads(values["entry"])["receipt"]
    assert values["commitment"] == entries.commitment("a.b.c")
    act = json.loads(entries.entry_values("act", "proposal", 3, AT.astimezone(), "x.y.z", None, "proposal.screen")["entry"])
    assert act["receipt"] is None and act["region"] is None and act["at"] == "2026-05-01T09:30:15Z"


@pytest.mark.parametrize("change", [
    {"kind": "vote"}, {"subject_type": "user"}, {"subject_id": "7"}, {"subject_id": True}, {"subject_id": -1},
    {"at": datetime(2026, 5, 1)}, {"jws": ""}, {"receipt": ""}, {"purpose": "sign"}, {"purpose": ""},
    {"region": "11"}, {"region": 110000000},
])
def test_an_entry_outside_the_contract_is_refused(change):
    values = {"kind": "signature", "subject_type": "petition", "subject_id": 1, "at": AT, "jws": "a.b.c",
              "receipt": "r", "purpose": "petition.sign", "region": None, **change}
    with pytest.raises(ValueError):
        entries.entry_values(**values)


def test_append_writes_one_insert_in_the_callers_transaction_and_reads_nothing(app):
    from extensions import db
    from publiclog.models import LogEntry

    db.session.commit()
    db.session.connection()  # the caller's transaction, already open when it appends
    seen: list[str] = []
    engine = db.engine

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement.split()[0].upper())

    event.listen(engine, "before_cursor_execute", record)
    try:
        add(1, commit=False)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert seen == ["INSERT"]
    db.session.rollback()  # the caller's refusal: its entry goes with it
    assert db.session.scalar(select(func.count()).select_from(LogEntry)) == 0
    add(1)
    assert db.session.scalar(select(func.count()).select_from(LogEntry).where(LogEntry.idx.is_(None))) == 1


def test_integrating_in_random_batches_builds_the_rfc_tree_and_its_proofs(app):
    from extensions import db
    from publiclog import integrate, tree
    from publiclog.models import LogNode

    rng = random.Random(7)
    total = 0
    for _ in range(6):  # entries keep arriving between batches
        count = rng.randrange(1, 60)
        add(count, start=total)
        total += count
        while integrate.integrate(rng.randrange(1, 25)):
            pass
    assert integrate.integrate() == 0
    leaves = stored_leaves()
    assert len(leaves) == total
    assert tree.root(total) == merkle.mth(leaves)
    nodes = db.session.scalar(select(func.count()).select_from(LogNode))
    assert nodes == sum(total >> level for level in range(1, total.bit_length()))  # each perfect subtree once
    subtree = lambda lo, hi: merkle.mth(leaves[lo:hi])  # noqa: E731 - the full recomputation
    for size in range(1, total + 1):
        assert tree.root(size) == merkle.mth(leaves[:size])
        for index in {0, size // 2, size - 1, rng.randrange(size)}:
            assert tree.inclusion(index, size) == merkle.inclusion_proof(index, size, subtree)
        for first in {0, 1, size // 3, size - 1, size}:
            assert tree.consistency(first, size) == merkle.consistency_proof(first, size, subtree)


def test_entries_are_numbered_in_insertion_order_once_each(app):
    from extensions import db
    from publiclog import integrate
    from publiclog.models import LogEntry, LogState

    add(30)
    assert integrate.integrate_all(max_batch=7) == 30
    assert integrate.integrate_all(max_batch=7) == 0
    rows = db.session.execute(select(LogEntry.id, LogEntry.idx).order_by(LogEntry.id)).all()
    assert [idx for _, idx in rows] == list(range(30))
    assert db.session.get(LogState, 1).tree_size == 30


def test_the_state_row_comes_back_where_the_entries_are_if_it_was_lost(app):
    from extensions import db
    from publiclog import integrate, tree
    from publiclog.models import LogState

    add(5)
    integrate.integrate_all()
    db.session.execute(LogState.__table__.delete())
    db.session.commit()
    add(4, start=5)
    assert integrate.integrate_all() == 4
    assert tree.root(9) == merkle.mth(stored_leaves())


def test_a_head_is_signed_once_per_growth_and_the_first_run_signs_the_empty_tree(app):
    from extensions import db
    from publiclog import integrate
    from publiclog.models import LogHead

    now = datetime(2026, 5, 1, 10, 0, 0, 700000, tzinfo=UTC)
    first = integrate.sign_head(now)
    assert first["tree_size"] == 0 and first["root_hash"] == merkle.EMPTY_ROOT.hex()
    assert first["timestamp"] == "2026-05-01T10:00:00Z"
    assert integrate.sign_head(now) is None  # nothing new: no head
    add(3)
    assert integrate.sign_head(now) is None  # pending is not integrated: still nothing new
    integrate.integrate_all()
    second = integrate.sign_head(now - timedelta(hours=1))  # a clock behind the last head's
    assert second["tree_size"] == 3 and second["root_hash"] == merkle.mth(stored_leaves()).hex()
    assert second["timestamp"] == "2026-05-01T10:00:00Z"  # never earlier than the head before
    assert [h.tree_size for h in db.session.scalars(select(LogHead).order_by(LogHead.tree_size))] == [0, 3]
    assert integrate.head_json(integrate.latest_head()) == second


def test_the_job_runs_twice_and_acts_once(app):
    from publiclog import jobs

    add(12)
    assert jobs.tick("2026-05-01T10:00:00+00:00") == {"integrated": 12, "head": 12}
    assert jobs.tick("2026-05-01T10:00:05+00:00") == {"integrated": 0, "head": None}


def test_the_job_is_scheduled_to_keep_the_merge_delay_within_the_setting(app):
    from publiclog.integrate import period
    from workers import schedule

    assert ("publiclog.jobs.tick", 5) in schedule.periodic(app)
    assert period(10) == 5 and period(1) == 1 and period(3) == 1 and period(60) == 30


def test_the_command_integrates_and_signs(app):
    add(9)
    result = app.test_cli_runner().invoke(args=["log", "integrate", "--batch", "4"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "integrated 9; signed head: 9"
    again = app.test_cli_runner().invoke(args=["log", "integrate"])
    assert again.output.strip() == "integrated 0; signed head: unchanged"
