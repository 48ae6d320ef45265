"""The migration that computes every petition's look-alike key again with the fold of today's code."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from tests.auth.test_grant_migration import _fresh_pg_database

BEFORE = "c3d9e4a7b215"
AFTER = "d4e8f2a61c37"
# Titles of before the title rules, keyed by an older fold (written here as a stale value).
OLD_TITLES = ["Ауылдағы ӄаңғыған иттерден қорғау керек", "Жол\ufffcдарды жөндеу керек", "Үйлер арасындағы көшені жөндеу"]


@pytest.fixture(params=["sqlite", "postgresql"])
def keyed_database(request, instance_dir, tmp_path):
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

        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO territory (kato, name_kk, name_ru, level, population) "
                "VALUES ('110000000', 'Ақмола', 'Акмола', 'region', 786000)"
            ))
            conn.execute(text(
                "INSERT INTO person (iin, surname, given_name, birth_date, sex, kato) "
                "VALUES ('900101400000', 'Т', 'Т', '1990-01-01', 'F', '110000000')"
            ))
            for title in OLD_TITLES:
                conn.execute(text(
                    "INSERT INTO petition (author_iin, title, title_key, body, language, addressee, state, threshold, "
                    "digest, created_at) VALUES ('900101400000', :title, :stale, 'б', 'kk', 'government', 'open', "
                    "50000, 'sha256:0', :now)"
                ), {"title": title, "stale": "0" * 64, "now": datetime.now(UTC)})
        db.session.remove()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_every_old_title_gets_the_key_a_new_copy_of_it_gets(keyed_database):
    from flask_migrate import upgrade
    from sqlalchemy import select

    from extensions import db
    from kernel import visible_text
    from petitions.models import Petition

    upgrade(revision=AFTER)
    # the columns of that revision only: later ones add columns the model already has
    keys = dict(db.session.execute(select(Petition.title, Petition.title_key)).all())
    assert keys == {title: visible_text.look_alike_key(title) for title in OLD_TITLES}
    assert keys[OLD_TITLES[0]] == visible_text.look_alike_key("Ауылдағы қаңғыған иттерден қорғау керек")
    assert keys[OLD_TITLES[1]] == visible_text.look_alike_key("Жолдарды жөндеу керек")
