"""The stored tree: roots and proofs from the stored perfect subtrees, each in one query.

Any range of a proof (and the whole tree) is the right fold of at most log2(n) + 1 perfect subtrees
(publiclog/merkle.py:pieces): the leaves are log_entry.leaf_hash by idx, the others log_node rows. A
proof names its pieces, reads them all in one statement, and folds them: O(log n) rows, never the leaves.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import literal, select, tuple_, union_all

from extensions import db
from publiclog import merkle
from publiclog.merkle import Piece
from publiclog.models import LogEntry, LogNode


class TreeDamaged(RuntimeError):
    """A node the integrator stored is missing: the database was changed behind the log's back."""


def nodes(wanted: Iterable[Piece]) -> dict[Piece, bytes]:
    """The hashes of these perfect subtrees (level 0: leaves), read in one query."""
    wanted = set(wanted)
    leaves = sorted(index for level, index in wanted if level == 0)
    inner = sorted(piece for piece in wanted if piece[0] > 0)
    parts = []
    if leaves:
        parts.append(select(literal(0).label("level"), LogEntry.idx, LogEntry.leaf_hash).where(LogEntry.idx.in_(leaves)))
    if inner:
        parts.append(select(LogNode.level, LogNode.idx, LogNode.hash).where(tuple_(LogNode.level, LogNode.idx).in_(inner)))
    if not parts:
        return {}
    statement = parts[0] if len(parts) == 1 else union_all(*parts)
    found = {(level, index): bytes(value) for level, index, value in db.session.execute(statement)}
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


def frontier(size: int) -> list[tuple[int, int, bytes]]:
    """(level, index, hash) of the perfect subtrees of the tree of `size`, largest first: what the
    integrator extends."""
    if size == 0:
        return []
    wanted = merkle.pieces(0, size)
    stored = nodes(wanted)
    return [(level, index, stored[(level, index)]) for level, index in wanted]
