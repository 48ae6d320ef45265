"""The one write of a signature is made from the table: every column but the key, in the shape that is fast."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import Column, MetaData, String, Table, UniqueConstraint, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateTable, DropTable

from petitions import signature_sql
from petitions.models import Signature
from tests.petitions.test_transitions import cast, make_petition  # noqa: F401

DIALECTS = {"postgresql": postgresql.dialect(), "sqlite": sqlite.dialect()}


def _inserted_columns(statement_text: str, table_name: str) -> list[str]:
    listed = re.search(rf"INSERT INTO {table_name} \(([^)]*)\) SELECT", statement_text)
    assert listed, statement_text
    return [name.strip() for name in listed.group(1).split(",")]


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_every_column_of_the_signature_table_but_its_key_is_written(dialect):
    write = signature_sql.statements(Signature.__table__, DIALECTS[dialect])
    expected = [column.name for column in Signature.__table__.columns if not column.primary_key]

    assert _inserted_columns(write.insert.text, "signature") == expected
    selected = write.insert.text.split(" SELECT ", 1)[1].split(" FROM petition ", 1)[0]
    assert re.findall(r":(\w+)", selected) == expected


def test_the_write_keeps_its_fast_shape():
    """One data-modifying statement on PostgreSQL: insert from the petition only while it is in the
    facts' state, a second signature a no-op, and the shard bumped only if a row was inserted."""
    guarded = (
        "FROM petition WHERE petition.id = :petition_id AND petition.state = :state "
        "ON CONFLICT (petition_id, signer_hash) DO NOTHING RETURNING id"
    )
    bump = "UPDATE petition_counter SET count = count + 1 WHERE petition_id = :petition_id AND shard = :shard"
    pg = signature_sql.statements(Signature.__table__, DIALECTS["postgresql"])
    assert pg.bump is None
    assert pg.insert.text.startswith("WITH ins AS (INSERT INTO signature (")
    assert guarded in pg.insert.text and "CAST(:signed_at AS TIMESTAMP WITH TIME ZONE)" in pg.insert.text
    assert f"bump AS ({bump} AND EXISTS (SELECT FROM ins) RETURNING count)" in pg.insert.text
    # the public-log entry too, only if the signature was inserted
    assert (
        "logged AS (INSERT INTO log_entry (entry, leaf_hash, receipt_hash, commitment) SELECT "
        "CAST(:log_entry AS TEXT), CAST(:log_leaf_hash AS BYTEA), CAST(:log_receipt_hash AS VARCHAR(71)), "
        "CAST(:log_commitment AS VARCHAR(71)) FROM ins)"
    ) in pg.insert.text
    assert pg.insert.text.endswith("SELECT (SELECT id FROM ins), (SELECT count FROM bump)")
    lite = signature_sql.statements(Signature.__table__, DIALECTS["sqlite"])
    assert lite.insert.text.startswith("INSERT INTO signature (") and lite.insert.text.endswith(guarded)
    assert lite.bump.text == bump + " RETURNING count"
    assert lite.log.text.startswith("INSERT INTO log_entry (entry, leaf_hash, receipt_hash, commitment) SELECT :log_entry")


def _signature_table_with_more_columns(*more: Column) -> Table:
    """Signature's table as a migration that adds `more` would leave it, as a temporary table of
    another name (no foreign keys: a temporary table may not point into the main schema on SQLite)."""
    source = Signature.__table__
    columns = [
        Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable,
               default=c.default.arg if c.default is not None else None)
        for c in source.columns
    ]
    one_per_citizen = next(c for c in source.constraints if c.name == signature_sql.ONE_PER_CITIZEN)
    unique = UniqueConstraint(*(c.name for c in one_per_citizen.columns), name=signature_sql.ONE_PER_CITIZEN)
    return Table("signature_more", MetaData(), *columns, *more, unique, prefixes=["TEMPORARY"])


def test_a_column_added_to_the_table_is_written_by_the_hot_path_too(app, cast):  # noqa: F811
    from extensions import db

    people, _ = cast
    now = datetime.now(UTC)
    petition = make_petition("open", people["author"].iin, now, threshold=1000)
    table = _signature_table_with_more_columns(Column("witness", String(40)), Column("channel", String(10), default="web"))
    connection = db.session.connection()
    connection.execute(CreateTable(table))
    try:
        write = signature_sql.statements(table, connection.dialect)
        values = {
            "petition_id": petition.id, "signer_hash": "a" * 64, "display_name": "Айгүл С.", "region": "710000000",
            "signed_at": now, "receipt": "receipt-1", "jws": "header.payload.signature", "user_id": None,
            "notify": True, "witness": "a notary",  # no channel: it takes its default, as an ORM insert would
        }

        def entry(receipt):
            from publiclog.entries import entry_values

            return entry_values("signature", "petition", petition.id, now, values["jws"], receipt, "petition.sign", "710000000")

        from publiclog.models import LogEntry

        logged = select(LogEntry.receipt_hash).where(LogEntry.commitment == entry("r")["commitment"])
        signature_id, shard_count = write.run(connection, values, "open", 3, entry("receipt-1"))

        assert signature_id is not None and shard_count == 1
        # its log entry is written with it, in the same statement on PostgreSQL
        assert connection.execute(logged).scalars().all() == [entry("receipt-1")["receipt_hash"]]
        row = connection.execute(select(table).where(table.c.id == signature_id)).one()._mapping
        assert {name: row[name] for name in values} == values
        assert row["channel"] == "web"
        # a second signature of one citizen, and one for a petition not in the facts' state: nothing
        assert write.run(connection, values, "open", 3, entry("receipt-1b")) == (None, None)
        other = {**values, "signer_hash": "b" * 64, "receipt": "receipt-2"}
        assert write.run(connection, other, "restricted", 3, entry("receipt-2")) == (None, None)
        assert connection.execute(select(table.c.id)).all() == [(signature_id,)]
        assert len(connection.execute(logged).all()) == 1  # nothing taken, nothing logged
    finally:
        db.session.rollback()
        db.session.connection().execute(DropTable(table, if_exists=True))
        db.session.commit()


def test_a_column_only_the_caller_can_fill_must_be_given():
    table = _signature_table_with_more_columns(Column("stamp", String(20), server_default="by the server"))
    write = signature_sql.statements(table, DIALECTS["sqlite"])

    assert write.required == frozenset({"stamp"})
    with pytest.raises(ValueError, match="stamp"):
        write.run(None, {"petition_id": 1}, "open", 0, {})  # refused before it reaches a connection
