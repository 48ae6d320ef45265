"""CSV exports over HTTP: a title a spreadsheet would run as a formula is exported as text, and the file is
UTF-8 with one byte-order mark so spreadsheets read Kazakh and Russian.

Most titles are written straight into the row: the export must be safe whatever the database holds,
including titles older than today's title rules.
"""

from __future__ import annotations

import csv
import io

import pytest

from tests.csv_cells import FORMULAS
from tests.petitions.conftest import create_and_submit

DATASETS = ("petitions", "signatures-by-region", "signatures-by-day")


@pytest.fixture
def published(make_citizen, actor, officials):
    """An approved petition made open; its title is the attacker's, as the API took it."""
    from extensions import db
    from petitions.lifecycle import PETITION
    from petitions.models import Petition

    petition = create_and_submit(actor(make_citizen(kato="710000000")), title='=HYPERLINK("http://evil.example","Жеңілдік")')
    assert officials["moderator"].moderate(petition['id']).status_code == 200
    PETITION.move(db.session.get(Petition, petition["id"]), "open")
    db.session.commit()
    return petition


def exported_titles(client) -> tuple[bytes, list[str]]:
    response = client.get("/api/v1/exports/petitions.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))
    return response.data, [row["title"] for row in rows]


def test_the_title_the_api_accepted_is_exported_as_text(client, published):
    _, titles = exported_titles(client)
    assert titles == ['\'=HYPERLINK("http://evil.example","Жеңілдік")']


def test_every_spelling_of_a_formula_title_is_exported_as_text(client, published):
    from extensions import db
    from petitions.models import Petition

    petition = db.session.get(Petition, published["id"])
    for title in FORMULAS:
        petition.title = title
        db.session.commit()
        data, titles = exported_titles(client)
        assert titles == ["'" + title], repr(title)
        assert data.count(b"\xef\xbb\xbf") == 1 + title.count("\ufeff")


def test_every_csv_export_is_utf8_with_one_bom_and_says_so(client, published):
    from extensions import db
    from petitions.models import Petition

    db.session.get(Petition, published["id"]).title = "Ауыл көшесін жөндеу керек — Отремонтировать дорогу в селе Кенес"
    db.session.commit()
    for name in DATASETS:
        response = client.get(f"/api/v1/exports/{name}.csv")
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.data.startswith(b"\xef\xbb\xbf") and response.data.count(b"\xef\xbb\xbf") == 1, name
        header = next(csv.reader(io.StringIO(response.data[3:].decode("utf-8"))))
        assert header[0] == ("id" if name == "petitions" else "petition_id")  # no BOM left in the first name
    _, titles = exported_titles(client)
    assert titles == ["Ауыл көшесін жөндеу керек — Отремонтировать дорогу в селе Кенес"]


def test_numbers_stay_numbers_in_the_export(client, published):
    data, _ = exported_titles(client)
    line = data.decode("utf-8-sig").splitlines()[1]
    assert line.startswith(f"{published['id']},"), line  # the id unquoted: a number, not text
