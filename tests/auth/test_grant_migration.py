"""The migration that gives role grants a body: old rows gain no right, old titles get their look-alike key."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

BEFORE = "b81acf7e4935"
AFTER = "c3d9e4a7b215"


@pytest.fixture(params=["sqlite", "postgresql"])
def old_database(request, instance_dir, tmp_path):
    """A database at the revision before, with grants and a petition of that time; upgraded by the test."""
    from flask_migrate import upgrade

    from tests.conftest import make_app

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_url").rsplit("/", 1)[0] + "/" + _fresh_pg_database(request)
    app = make_app(url)
    with app.app_context():
        upgrade(revision=BEFORE)
        from extensions import db

        now = datetime.now(UTC)
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO territory (kato, name_kk, name_ru, level, population) "
                "VALUES ('110000000', 'Ақмола', 'Акмола', 'region', 786000)"
            ))
            for n, (role, scope) in enumerate(
                [("reviewer", "110000000"), ("reviewer", "government"), ("reviewer", None), ("moderator", None),
                 ("moderator", "110000000"), ("budget_officer", None)]
            ):
                iin = f"90010140{n:03d}0"
                conn.execute(text(
                    "INSERT INTO person (iin, surname, given_name, birth_date, sex, kato) "
                    "VALUES (:iin, 'Т', 'Т', '1990-01-01', 'F', '110000000')"
                ), {"iin": iin})
                conn.execute(text(
                    "INSERT INTO role_grant (iin, role, scope, granted_at) VALUES (:iin, :role, :scope, :now)"
                ), {"iin": iin, "role": role, "scope": scope, "now": now})
            conn.execute(text(
                "INSERT INTO petition (author_iin, title, body, language, addressee, territory, state, threshold, "
                "digest, created_at) VALUES ('900101400000', 'ҮЙЛЕР АРАСЫНДАҒЫ КӨШЕНІ ЖӨНДЕУ', 'б', 'kk', "
                "'region_akimat', '110000000', 'open', 7860, 'sha256:0', :now)"
            ), {"now": now})
        db.session.remove()
        yield app
        db.session.remove()
        db.engine.dispose()


def _fresh_pg_database(request) -> str:
    import uuid

    from tests.conftest import _pg_admin

    name = f"dauys_migr_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin()
    admin.execute(f'CREATE DATABASE "{name}"')

    def drop():
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    request.addfinalizer(drop)
    return name


def test_old_grants_gain_no_right_and_old_titles_get_their_key(old_database):
    from flask_migrate import upgrade
    from sqlalchemy import select

    from auth.models import RoleGrant
    from auth.services import holders_of
    from extensions import db
    from kernel import visible_text
    from petitions.models import Petition

    upgrade(revision=AFTER)
    grants = {(g.role, g.scope, g.body): g for g in db.session.scalars(select(RoleGrant))}
    assert set(grants) == {
        ("reviewer", "110000000", None), ("reviewer", "government", None), ("reviewer", None, None),
        ("moderator", None, None), ("moderator", "110000000", None), ("budget_officer", None, None),
    }
    serving = {key for key, grant in grants.items() if grant.well_formed}
    assert serving == {("reviewer", "government", None), ("moderator", None, None)}  # what served exactly before
    for body in ("region_akimat", "region_maslikhat"):
        assert holders_of("reviewer", "110000000", body) == []
    assert holders_of("moderator") == ["900101400030"]
    title_key = db.session.scalar(select(Petition.title_key))  # that revision's columns only
    assert title_key == visible_text.look_alike_key("Үйлер арасындағы көшені жөндеу")
