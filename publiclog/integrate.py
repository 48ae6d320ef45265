"""The integrator: numbers pending entries, completes the tree's nodes, signs heads.

`integrate` takes one batch in one transaction, under the lock of the log_state row (SELECT … FOR
UPDATE on PostgreSQL; on SQLite every transaction takes the write lock as it begins): it reads the
tree size, takes up to `max_batch` pending entries in insertion order, numbers them from the tree
size on, extends the tree's right frontier (its O(log n) perfect subtrees, read in one query) by
their leaves, stores the perfect subtrees they complete in bulk (COPY on PostgreSQL), sets their
indices in one statement and the new size, and commits. A crash anywhere leaves the whole batch or
none of it: no gap, no index twice, no stored node changed. A second integrator waits on the lock
and then reads the size the first committed, so two at once make one log.

Both use cases own their transactions (they commit, or roll back on any failure): call them with
none open.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import SQLAlchemyError

from extensions import db, insert_unless_exists
from publiclog import entries, heads, merkle, tree
from publiclog.models import LogEntry, LogHead, LogNode, LogState

STATE_ID = 1
DEFAULT_BATCH = 5000

log = logging.getLogger(__name__)

_ENTRIES, _NODES = LogEntry.__table__, LogNode.__table__
_SET_INDEX = update(_ENTRIES).where(_ENTRIES.c.id == bindparam("b_id")).values(idx=bindparam("b_idx"))
_UNNEST_SET_INDEX = (
    "UPDATE log_entry AS e SET idx = v.idx FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, idx) "
    "WHERE e.id = v.id AND e.idx IS NULL"
)


def period(head_seconds: int) -> int:
    """How often to integrate and sign, so that an entry is in a signed head within `head_seconds`
    (DAUYS_LOG_HEAD_SECONDS): half of it, leaving the other half for the work itself and the queue."""
    return max(1, head_seconds // 2)


def _locked_size() -> int:
    """The integrated tree's size, with its row locked until the transaction ends."""
    locked = select(LogState.tree_size).where(LogState.id == STATE_ID).with_for_update()
    size = db.session.scalar(locked)
    if size is None:  # a database wiped or made without the migration's row: start it where the entries are
        start = db.session.scalar(select(func.coalesce(func.max(LogEntry.idx) + 1, 0)))
        insert_unless_exists(LogState, ("id",), id=STATE_ID, tree_size=start)
        size = db.session.scalar(locked)
    return size


def integrate(max_batch: int = DEFAULT_BATCH) -> int:
    """Integrate up to `max_batch` pending entries in one transaction; returns how many."""
    return _integrate(max_batch, None)[0]


def _integrate(max_batch: int, after: int | None) -> tuple[int, int | None]:
    """One batch: the pending entries with an id above `after` (all when None), in id order; returns
    how many were integrated and the last id taken.

    `after` spares a loop of batches the index entries its own earlier batches left dead (an
    UPDATE leaves them in the pending index until vacuum, and a long transaction anywhere keeps
    them there); an entry committed late, below it, is taken by the next loop's first batch."""
    if max_batch < 1:
        raise ValueError("max_batch must be at least 1")
    session = db.session
    try:
        size = _locked_size()
        taken = select(LogEntry.id, LogEntry.leaf_hash).where(LogEntry.idx.is_(None))
        if after is not None:
            taken = taken.where(LogEntry.id > after)
        pending = session.execute(taken.order_by(LogEntry.id).limit(max_batch)).all()
        if not pending:
            session.rollback()
            return 0, after
        frontier = tree.frontier(size)
        made = merkle.extend(frontier, size, [bytes(leaf) for _, leaf in pending])
        ids = [row_id for row_id, _ in pending]
        _store(made, ids, list(range(size, size + len(ids))))
        session.execute(update(LogState).where(LogState.id == STATE_ID).values(tree_size=size + len(ids)))
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return len(ids), ids[-1]


def _store(made: list[tuple[int, int, bytes]], ids: list[int], indices: list[int]) -> None:
    """Insert the new nodes and number the entries, in bulk, in the open transaction."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        raw = connection.connection.driver_connection  # the same connection, in the same transaction
        with raw.cursor() as cursor:
            if made:
                with cursor.copy("COPY log_node (level, idx, hash) FROM STDIN (FORMAT BINARY)") as copy:
                    copy.set_types(["int2", "int8", "bytea"])
                    for row in made:
                        copy.write_row(row)
            cursor.execute(_UNNEST_SET_INDEX, (ids, indices))
            numbered = cursor.rowcount
    else:
        if made:
            connection.execute(_NODES.insert(), [{"level": lv, "idx": ix, "hash": h} for lv, ix, h in made])
        numbered = connection.execute(_SET_INDEX, [{"b_id": i, "b_idx": x} for i, x in zip(ids, indices)]).rowcount
    if numbered != len(ids):  # cannot happen under the lock; if it did, nothing of this batch stays
        raise RuntimeError(f"numbered {numbered} of {len(ids)} pending entries")


def integrate_all(max_batch: int = DEFAULT_BATCH, keep_going: Callable[[], bool] | None = None) -> int:
    """Integrate batch after batch until nothing is pending (or `keep_going()` says stop between
    batches); returns how many were integrated. The first batch looks at every pending entry, the
    next ones only above the last id taken."""
    total, after = 0, None
    while True:
        done, after = _integrate(max_batch, after)
        total += done
        if done < max_batch or (keep_going is not None and not keep_going()):
            return total


def latest_head() -> LogHead | None:
    return db.session.scalar(select(LogHead).order_by(LogHead.tree_size.desc()).limit(1))


def head_json(head: LogHead) -> dict:
    """What GET /api/v1/log/head answers."""
    return {
        "tree_size": head.tree_size,
        "root_hash": head.root_hash,
        "timestamp": entries.instant(head.timestamp),
        "jws": head.jws,
    }


def sign_head(now: datetime) -> dict | None:
    """Sign and store a head of the integrated tree if it grew since the latest head (the first run
    signs one, of size 0 if need be); returns it as head_json, or None when there was nothing new.

    Under the log_state lock, so heads are made one at a time, each larger than the one before and
    stamped no earlier (to the second, as entries are)."""
    session = db.session
    try:
        size = _locked_size()
        latest = latest_head()
        if latest is not None and size <= latest.tree_size:
            session.rollback()
            return None
        stamp = now.replace(microsecond=0)
        if latest is not None and latest.timestamp > stamp:
            stamp = latest.timestamp  # another process's clock ran ahead: heads never go back in time
        timestamp = entries.instant(stamp)
        root = tree.root(size)
        jws = heads.sign(heads.log_key(now), heads.payload(size, root, timestamp))
        head = LogHead(tree_size=size, root_hash=root.hex(), timestamp=stamp, jws=jws)
        session.add(head)
        session.flush()
        published = head_json(head)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return published


def run(stop: Callable[[], bool], head_seconds: int, now: Callable[[], datetime], wait: Callable[[float], None],
        max_batch: int = DEFAULT_BATCH) -> None:
    """The dedicated integrator's loop (`flask log integrate --loop`): every `period(head_seconds)`,
    integrate what is pending (stopping in time to sign) and sign a head, until `stop()`."""
    every = period(head_seconds)
    while not stop():
        started = time.monotonic()
        try:
            deadline = started + every
            integrate_all(max_batch, keep_going=lambda deadline=deadline: not stop() and time.monotonic() < deadline)
            sign_head(now())
        except SQLAlchemyError as error:  # the database restarting: nothing half-done; try again next time
            db.session.rollback()
            log.warning("log integration postponed: %s", error)
        wait(max(0.0, every - (time.monotonic() - started)))
