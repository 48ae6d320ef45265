"""The one write of a signature, per dialect: its row, and one counter shard's +1 only if it was written.

The statements are made from `Signature.__table__`: every column but the autoincrement key is
written, so a column added to the model is written by the hot path too, with no second list of
columns to forget. A column the caller gives no value takes what an ORM insert would give it: its
constant default, else NULL (one whose default is computed, or set by the server, must be given).

The shape is what makes the hot path fast, and safe under concurrent signers:

- `INSERT … SELECT … FROM petition WHERE id = :petition_id AND state = :state`: the row is written
  only while the petition is still in the state the signer's (kept) facts showed, so stale facts
  never let a signature into a petition that moved on;
- `ON CONFLICT (petition_id, signer_hash) DO NOTHING RETURNING id`: a second signature of one
  citizen is a no-op the caller can tell apart (no id), not an error that aborts a transaction;
- on PostgreSQL both in one statement (data-modifying CTEs: the shard is bumped only if the row
  was inserted), atomic even in autocommit, so a signature is one round trip; SQLite has no such
  CTEs and runs the insert and the bump as two statements in the session's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, select, text
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.elements import TextClause

from extensions import db
from petitions.lifecycle import PETITION
from petitions.models import Petition, PetitionCounter, Signature
from publiclog.models import LogEntry

ONE_PER_CITIZEN = "uq_signature_one_per_citizen"  # the unique constraint a second signature meets


def written_columns(table: Table) -> list:
    """The columns a new row is written with: all but the autoincrement primary key."""
    return [column for column in table.columns if column is not table.autoincrement_column]


@dataclass(frozen=True)
class SignatureWrite:
    """The statements that write one signature and bump its shard, for one table and dialect."""

    insert: TextClause  # on PostgreSQL it bumps the shard and logs the entry too, and returns (id, count)
    bump: TextClause | None  # None on PostgreSQL; else run after an insert that returned an id
    log: TextClause | None  # None on PostgreSQL; else run after the bump
    absent: Mapping[str, Any]  # what a column takes when the caller gives it no value
    required: frozenset[str]  # columns whose value only the caller can give

    def run(
        self, connection: Connection, values: Mapping[str, Any], state: str, shard: int, entry: Mapping[str, Any]
    ) -> tuple[int | None, int | None]:
        """Insert the signature if the petition is still in `state` and the citizen has not signed it,
        add one to `shard` and append `entry` (publiclog.entries.entry_values) to the public log.
        Returns the new row's id and the shard's count, or (None, None) when nothing was written."""
        params = self.params(values, state, shard, entry)
        if self.bump is None:
            return tuple(connection.execute(self.insert, params).one())
        signature_id = connection.execute(self.insert, params).scalar()
        if signature_id is None:
            return None, None
        count = connection.execute(self.bump, params).scalar()
        connection.execute(self.log, params)
        return signature_id, count


    def params(self, values: Mapping[str, Any], state: str, shard: int, entry: Mapping[str, Any]) -> dict[str, Any]:
        missing = self.required and self.required.difference(values)
        if missing:
            raise ValueError(f"a signature needs a value for {', '.join(sorted(missing))}")
        return {**self.absent, **values, "state": state, "shard": shard, **{LOG_PREFIX + k: v for k, v in entry.items()}}


def _conflict_target(table: Table) -> str:
    for constraint in table.constraints:
        if constraint.name == ONE_PER_CITIZEN:
            return ", ".join(column.name for column in constraint.columns)
    raise LookupError(f"{table.name} has no constraint {ONE_PER_CITIZEN}")


LOG_PREFIX = "log_"  # the log entry's values are bound under these names
LOG_COLUMNS = ("entry", "leaf_hash", "receipt_hash", "commitment")  # publiclog.entries.entry_values


def _log_insert(log_table: Table, dialect: Dialect, source: str | None) -> str:
    """INSERT of one public-log entry, from the bound values: `FROM source` writes it only when that
    CTE returned a row (the signature was taken)."""
    columns = [log_table.c[name] for name in LOG_COLUMNS]
    if dialect.name == "postgresql":
        selected = ", ".join(f"CAST(:{LOG_PREFIX}{c.name} AS {c.type.compile(dialect)})" for c in columns)
    else:
        selected = ", ".join(f":{LOG_PREFIX}{c.name}" for c in columns)
    where = f" FROM {source}" if source else ""
    return f"INSERT INTO {log_table.name} ({', '.join(c.name for c in columns)}) SELECT {selected}{where}"


def statements(table: Table, dialect: Dialect, log_table: Table | None = None) -> SignatureWrite:
    """The write of a signature into `table` (Signature's, or a copy of it) for `dialect`, with its
    public-log entry into `log_table` (publiclog's) in the same statement on PostgreSQL."""
    log_table = LogEntry.__table__ if log_table is None else log_table
    columns = written_columns(table)
    names = [column.name for column in columns]
    typed = [bindparam(column.name, type_=column.type) for column in columns]
    absent, required = {}, set()
    for column in columns:
        if column.server_default is not None or (column.default is not None and not column.default.is_scalar):
            required.add(column.name)
        else:
            absent[column.name] = column.default.arg if column.default is not None else None
    petition, counter = Petition.__table__, PetitionCounter.__table__
    state = petition.c[PETITION.column].name
    shard = (
        f"UPDATE {counter.name} SET {counter.c.count.name} = {counter.c.count.name} + 1 "
        f"WHERE {counter.c.petition_id.name} = :petition_id AND {counter.c.shard.name} = :shard"
    )
    if dialect.name == "postgresql":
        # A bind in a SELECT list has no type to take from the column: say it.
        selected = ", ".join(f"CAST(:{column.name} AS {column.type.compile(dialect)})" for column in columns)
    else:
        selected = ", ".join(f":{name}" for name in names)
    insert = (
        f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {selected} FROM {petition.name} "
        f"WHERE {petition.name}.{petition.c.id.name} = :petition_id AND {petition.name}.{state} = :state "
        f"ON CONFLICT ({_conflict_target(table)}) DO NOTHING RETURNING {table.autoincrement_column.name}"
    )
    if dialect.name == "postgresql":
        both = (
            f"WITH ins AS ({insert}), bump AS ({shard} AND EXISTS (SELECT FROM ins) RETURNING {counter.c.count.name}), "
            f"logged AS ({_log_insert(log_table, dialect, 'ins')}) "
            f"SELECT (SELECT {table.autoincrement_column.name} FROM ins), (SELECT {counter.c.count.name} FROM bump)"
        )
        return SignatureWrite(text(both).bindparams(*typed), None, None, absent, frozenset(required))
    return SignatureWrite(
        text(insert).bindparams(*typed), text(shard + f" RETURNING {counter.c.count.name}"),
        text(_log_insert(log_table, dialect, None)), absent, frozenset(required),
    )


_MADE: dict[str, SignatureWrite] = {}


def record(values: Mapping[str, Any], state: str, shard: int, entry: Mapping[str, Any]) -> tuple[int | None, int | None]:
    """Write a signature of `values` (Signature's columns) and its public-log `entry` in the session's
    connection: see `SignatureWrite.run`. The statements are made once per dialect."""
    connection = db.session.connection()
    return _made(connection.dialect).run(connection, values, state, shard, entry)


def _made(dialect: Dialect) -> SignatureWrite:
    write = _MADE.get(dialect.name)
    if write is None:
        write = _MADE[dialect.name] = statements(Signature.__table__, dialect)
    return write


def record_with(read, dialect: Dialect, values: Mapping[str, Any], state: str, shard: int,
                entry: Mapping[str, Any]) -> tuple[int | None, int | None]:
    """`record`'s one statement through `read` (statement, parameters → first row; kernel/raw_sql.py)
    outside the session: PostgreSQL's, which writes the signature, its shard and its log entry at once."""
    write = _made(dialect)
    if write.bump is not None:
        raise ValueError(f"{dialect.name} writes a signature in several statements: use record")
    return tuple(read(write.insert, write.params(values, state, shard, entry)))


# The citizen's signature of the petition, by the keyed hash of their IIN (the write's own names)
ALREADY_SIGNED = select(Signature.id).where(
    Signature.petition_id == bindparam("petition_id"), Signature.signer_hash == bindparam("signer_hash")
)

# The same, as the EXISTS eds's one signer look-up carries (eds.DoneBefore binds its own names)
SIGNED_BEFORE = select(Signature.id).where(
    Signature.petition_id == bindparam("b_signed_petition"), Signature.signer_hash == bindparam("b_signer_hash")
).exists()


def already_signed(values: Mapping[str, Any], read=None) -> bool:
    """Whether the citizen of `values` (petition_id, signer_hash) has a signature of the petition
    (read through `read`, as `record_with`, when given)."""
    if read is not None:
        return read(ALREADY_SIGNED, values) is not None
    return db.session.connection().execute(ALREADY_SIGNED, values).first() is not None
