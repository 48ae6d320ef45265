"""The public log's rows: its entries, the stored perfect subtrees, the integrator's lock row, the signed heads.

An entry is written by whoever accepts a signature, ballot, act or rating, in that transaction, with
`idx` NULL (pending); the integrator alone gives it its index in the tree and completes the nodes
(publiclog/integrate.py). Nothing here is ever updated except `idx` once, from NULL, and
`LogState.tree_size`, which only grows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from extensions import UtcDateTime, db

# SQLite autoincrements only an INTEGER PRIMARY KEY (its 64-bit rowid); PostgreSQL's is a BIGINT.
_BIG_ID = BigInteger().with_variant(Integer, "sqlite")


class LogEntry(db.Model):
    __tablename__ = "log_entry"
    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)  # insertion order
    idx: Mapped[int | None] = mapped_column(BigInteger, unique=True)  # the tree index, set once
    entry: Mapped[str] = mapped_column(Text)  # the canonical JSON: exactly the bytes hashed
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))  # SHA-256(0x00 ‖ entry)
    receipt_hash: Mapped[str | None] = mapped_column(String(71), index=True)  # the entry's `receipt`
    commitment: Mapped[str] = mapped_column(String(71), index=True)  # the entry's `commitment`

    __table_args__ = (
        # What the integrator takes next: the pending rows, in insertion order.
        Index("ix_log_entry_pending", "id", postgresql_where=text("idx IS NULL"), sqlite_where=text("idx IS NULL")),
    )


class LogNode(db.Model):
    """A complete (perfect, aligned) subtree of level ≥ 1: leaves [idx·2^level, (idx+1)·2^level)."""

    __tablename__ = "log_node"
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LogState(db.Model):
    """One row (id 1): the size of the integrated tree; its row lock serialises the integrators."""

    __tablename__ = "log_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    tree_size: Mapped[int] = mapped_column(BigInteger)


class LogHead(db.Model):
    """A signed tree head: what GET /api/v1/log/head publishes; the latest is the largest."""

    __tablename__ = "log_head"
    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[str] = mapped_column(String(64))  # lowercase hex
    timestamp: Mapped[datetime] = mapped_column(UtcDateTime)
    jws: Mapped[str] = mapped_column(Text)
