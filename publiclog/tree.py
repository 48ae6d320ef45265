"""The stored tree: roots and proofs from the stored perfect subtrees, each in one query.

Any range of a proof (and the whole tree) is the right fold of at most log2(n) + 1 perfect subtrees
(publiclog/merkle.py:pieces): the leaves are log_entry.leaf_hash by idx, the others log_node rows. A
proof names its pieces, reads them all in one statement, and folds them: O(log n) rows, never the leaves.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, func, literal, select, tuple_, union_all

from extensions import db
from publiclog import merkle
from publiclog.merkle import Piece
from publiclog.models import LogEntry, LogHead, LogNode


class TreeDamaged(RuntimeError):
    """A node the integrator stored is missing: the database was changed behind the log's back."""


_NODES_PG = (
    "SELECT level, idx, hash FROM log_node WHERE (level, idx) IN (SELECT * FROM unnest(%s::smallint[], %s::bigint[])) "
    "UNION ALL SELECT 0, idx, leaf_hash FROM log_entry WHERE idx = ANY(%s::bigint[])"
)


def nodes(wanted: Iterable[Piece]) -> dict[Piece, bytes]:
    """The hashes of these perfect subtrees (level 0: leaves), read in one query."""
    wanted = set(wanted)
    if not wanted:
        return {}
    leaves = sorted(index for level, index in wanted if level == 0)
    inner = sorted(piece for piece in wanted if piece[0] > 0)
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":  # arrays: one plan for any number of pieces
        rows = connection.exec_driver_sql(_NODES_PG, ([lv for lv, _ in inner], [ix for _, ix in inner], leaves))
    else:
        parts = []
        if leaves:
            parts.append(select(literal(0), LogEntry.idx, LogEntry.leaf_hash).where(LogEntry.idx.in_(leaves)))
        if inner:
            parts.append(select(LogNode.level, LogNode.idx, LogNode.hash).where(tuple_(LogNode.level, LogNode.idx).in_(inner)))
        rows = connection.execute(parts[0] if len(parts) == 1 else union_all(*parts))
    found = {(level, index): bytes(value) for level, index, value in rows}
    missing = wanted - found.keys()
    if missing:
        raise TreeDamaged(f"stored subtrees missing: {sorted(missing)[:5]}")
    return found


def _hashes(ranges: list[tuple[int, int]]) -> list[bytes]:
    stored = nodes(merkle.pieces_of(ranges))
    return [merkle.range_hash(lo, hi, stored) for lo, hi in ranges]


def root(size: int) -> bytes:
    """MTH of the first `size` entries (the empty tree's for 0)."""
    if size == 0:
        return merkle.EMPTY_ROOT
    return _hashes([(0, size)])[0]


def inclusion(index: int, size: int) -> list[bytes]:
    """The RFC 9162 audit path of entry `index` in the tree of `size` (index < size ≤ the integrated size)."""
    return _hashes(merkle.inclusion_ranges(index, size))


def consistency(first: int, second: int) -> list[bytes]:
    """The RFC 9162 consistency proof from the tree of `first` entries to that of `second`."""
    return _hashes(merkle.consistency_ranges(first, second))


def head_size() -> int | None:
    """The latest signed head's tree size, or None before the first head."""
    return db.session.connection().execute(_HEAD_SIZE).scalar()


def entry_with(column: str, value: str) -> tuple[int | None, str] | None:
    """(index, entry) of the entry whose `receipt_hash` or `commitment` column is `value` (the first
    integrated one, should a commitment repeat), or None; the index is None while it is pending."""
    found = db.session.connection().execute(_ENTRY_WITH[column], {"value": value}).all()
    if not found:
        return None
    return min(((idx, entry) for idx, entry in found), key=lambda row: (row[0] is None, row[0] or 0))


_HEAD_SIZE = select(func.max(LogHead.tree_size))
_ENTRY_WITH = {
    name: select(LogEntry.idx, LogEntry.entry).where(getattr(LogEntry, name) == bindparam("value")).limit(16)
    for name in ("receipt_hash", "commitment")
}


def frontier(size: int) -> list[tuple[int, int, bytes]]:
    """(level, index, hash) of the perfect subtrees of the tree of `size`, largest first: what the
    integrator extends."""
    if size == 0:
        return []
    wanted = merkle.pieces(0, size)
    stored = nodes(wanted)
    return [(level, index, stored[(level, index)]) for level, index in wanted]
