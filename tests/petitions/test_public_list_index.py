"""The index of the public list's order (migration c6a1e9d3f250): made and dropped by Alembic on both
databases, and on PostgreSQL the list's page is read from it, never by sorting every public petition.

bench/growth.py measures what it is for: the petition list with 10,000 petitions costs what it costs
with ten.
"""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from tests.auth.test_grant_migration import _fresh_pg_database

BEFORE = "c6e1a8f4d203"
AFTER = "c6a1e9d3f250"
INDEX = "ix_petition_public_newest"


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated_app(request, instance_dir, tmp_path):
    from flask_migrate import upgrade

    from tests.conftest import make_app

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'index.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_url").rsplit("/", 1)[0] + "/" + _fresh_pg_database(request)
    app = make_app(url)
    with app.app_context():
        upgrade(revision=AFTER)
        yield app
        from extensions import db

        db.session.remove()
        db.engine.dispose()


def _indexes() -> set[str]:
    from extensions import db

    return {index["name"] for index in inspect(db.engine).get_indexes("petition")}


def test_upgrade_makes_the_index_and_downgrade_drops_it(migrated_app):
    from flask_migrate import downgrade, upgrade

    assert INDEX in _indexes()
    downgrade(revision=BEFORE)
    assert INDEX not in _indexes()
    upgrade(revision=AFTER)
    assert INDEX in _indexes()


def test_the_index_is_partial_on_the_public_states(migrated_app):
    from extensions import db
    from petitions.queries import PUBLIC_STATES

    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            definition = connection.execute(text("SELECT pg_get_indexdef(CAST(:name AS regclass))"), {"name": INDEX}).scalar()
        else:
            definition = connection.execute(text("SELECT sql FROM sqlite_master WHERE name = :name"), {"name": INDEX}).scalar()
    assert "(published_at, id)" in definition.replace('"', "")
    assert all(f"'{state}'" in definition for state in PUBLIC_STATES)


def test_a_page_of_the_list_is_read_from_the_index_on_postgresql(migrated_app):
    """The statement public_list sends, explained with sequential scans, bitmaps and sorts priced out (the table is tiny
    here; what matters is that the planner can answer it from the index without a sort)."""
    from sqlalchemy.dialects import postgresql

    from extensions import db
    from petitions import queries
    from petitions.models import Petition

    if db.engine.dialect.name != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    stmt = (
        queries.select(Petition.id).where(Petition.state.in_(queries.PUBLIC_STATES))
        .order_by(Petition.published_at.desc(), Petition.id.desc()).limit(queries.PAGE_SIZE)
    )
    sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    with db.engine.connect() as connection:
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            connection.execute(text(f"SET {setting} = off"))
        plan = "\n".join(row[0] for row in connection.execute(text("EXPLAIN " + sql)))
    assert INDEX in plan and "Sort" not in plan, plan
