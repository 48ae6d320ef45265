"""Signatures by region and by day never single out a signer: a region or day with fewer than PETITION_MIN_CELL
signatures is merged into "other" on the petition page, in its API and in the open-data exports; totals exact.

Signatures are written as rows with the region and day each test needs (the rule is about what is
published); everything is read over HTTP.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import UTC, date, datetime

import pytest

from tests.petitions.conftest import create_and_submit

REGIONS = {
    "190000000": ("Алматы облысы", "Алматинская область"),
    "230000000": ("Атырау облысы", "Атырауская область"),
    "270000000": ("Батыс Қазақстан облысы", "Западно-Казахстанская область"),
    "310000000": ("Жамбыл облысы", "Жамбылская область"),
}
RA, RB, RC, RD = REGIONS
DAYS = {RA: date(2026, 3, 1), RB: date(2026, 3, 2), RC: date(2026, 3, 3), RD: date(2026, 3, 4)}


@pytest.fixture
def regions(app, territories):
    from extensions import db
    from kernel.territories import Territory

    for kato, (kk, ru) in REGIONS.items():
        db.session.add(Territory(kato=kato, name_kk=kk, name_ru=ru, level="region", population=1_000_000))
    db.session.commit()


@pytest.fixture
def public_petition(regions, make_citizen, actor, officials):
    """An approved petition, open for signing, with the signatures it is given: {region: count},
    each region's signatures all on that region's day (so both breakdowns have the same shape)."""
    from extensions import db
    from petitions.lifecycle import PETITION
    from petitions.models import Petition, Signature

    def make(signatures: dict[str, int]) -> dict:
        petition = create_and_submit(actor(make_citizen(kato="710000000")))
        assert officials["moderator"].moderate(petition['id']).status_code == 200
        PETITION.move(db.session.get(Petition, petition["id"]), "open")
        for region, n in signatures.items():
            day = DAYS[region]
            for i in range(n):
                db.session.add(Signature(
                    petition_id=petition["id"], signer_hash=uuid.uuid4().hex, display_name="", region=region,
                    signed_at=datetime(day.year, day.month, day.day, 6, i, tzinfo=UTC), receipt=uuid.uuid4().hex[:24],
                ))
        db.session.commit()
        return petition

    return make


def api_breakdowns(client, petition) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    body = client.get(f"/api/v1/petitions/{petition['id']}/signatures").get_json()
    return [(r["region"], r["count"]) for r in body["by_region"]], [(d["day"], d["count"]) for d in body["by_day"]]


def export_rows(client, name: str, petition_id: int) -> dict[str, list[tuple[str, int]]]:
    """The petition's rows of an export, as JSON and as CSV (read as a spreadsheet would: BOM and all)."""
    key = "region" if name == "signatures-by-region" else "day"
    items = client.get(f"/api/v1/exports/{name}.json").get_json()["items"]
    as_json = [(str(r[key]), r["count"]) for r in items if r["petition_id"] == petition_id]
    text = client.get(f"/api/v1/exports/{name}.csv").data.decode("utf-8-sig")
    as_csv = [(r[key], int(r["count"])) for r in csv.DictReader(io.StringIO(text)) if int(r["petition_id"]) == petition_id]
    return {"json": as_json, "csv": as_csv}


def page_tables(client, petition) -> tuple[str, dict[str, list[tuple[str, int]]]]:
    page = client.get(f"/petitions/{petition['id']}?lang=kk").get_data(as_text=True)
    tables = {}
    for table_id in ("table-region", "table-day"):
        found = re.search(rf'<table class="table" id="{table_id}">(.*?)</table>', page, re.S)
        if found:
            tables[table_id] = [(label, int(n)) for label, n in re.findall(r'<th scope="row">(.*?)</th><td class="num">(\d+)</td>', found.group(1))]
    return page, tables


def test_regions_and_days_of_one_and_nine_signatures_are_merged_and_ten_is_shown(client, public_petition):
    petition = public_petition({RA: 1, RB: 9, RC: 10, RD: 12})
    by_region, by_day = api_breakdowns(client, petition)
    assert by_region == [(RD, 12), (RC, 10), ("other", 10)]
    assert by_day == [("2026-03-03", 10), ("2026-03-04", 12), ("other", 10)]
    in_kato_order = [(RC, 10), (RD, 12), ("other", 10)]  # the export lists regions by KATO
    assert export_rows(client, "signatures-by-region", petition["id"]) == {"json": in_kato_order, "csv": in_kato_order}
    assert export_rows(client, "signatures-by-day", petition["id"]) == {"json": by_day, "csv": by_day}

    page, tables = page_tables(client, petition)
    for kato in (RA, RB):
        assert REGIONS[kato][0] not in page
    assert tables["table-region"] == [(REGIONS[RD][0], 12), (REGIONS[RC][0], 10), ("Басқа өңірлер", 10)]
    assert [n for _, n in tables["table-day"]] == [10, 12, 10] and tables["table-day"][-1][0] == "Басқа күндер"


def test_a_single_small_region_or_day_cannot_be_read_back_from_the_total(client, public_petition):
    # RA (3) alone in "other" would be the total minus the shown cells: RC, the next smallest, joins it.
    petition = public_petition({RA: 3, RC: 10, RD: 12})
    by_region, by_day = api_breakdowns(client, petition)
    assert by_region == [(RD, 12), ("other", 13)]
    assert by_day == [("2026-03-04", 12), ("other", 13)]
    assert export_rows(client, "signatures-by-region", petition["id"])["csv"] == by_region
    assert export_rows(client, "signatures-by-day", petition["id"])["csv"] == by_day
    page, tables = page_tables(client, petition)
    for kato in (RA, RC):
        assert REGIONS[kato][0] not in page
    assert [n for _, n in tables["table-region"]] == [12, 13]
    # the total stays exact
    assert sum(row["count"] for row in client.get("/api/v1/exports/signatures-by-region.json").get_json()["items"]) == 25


def test_fewer_signatures_than_the_minimum_show_no_breakdown(client, public_petition):
    small = public_petition({RA: 2, RB: 3})
    large = public_petition({RC: 10, RD: 12})
    assert api_breakdowns(client, small) == ([], [])
    for name in ("signatures-by-region", "signatures-by-day"):
        assert export_rows(client, name, small["id"]) == {"json": [], "csv": []}
        assert len(export_rows(client, name, large["id"])["json"]) == 2  # each petition is its own breakdown
    page, tables = page_tables(client, small)
    assert tables == {}
    for kato in (RA, RB):
        assert REGIONS[kato][0] not in page


def test_the_petition_minimum_is_a_setting(app, client, public_petition):
    app.config["PETITION_MIN_CELL"] = 3
    petition = public_petition({RA: 2, RB: 3, RC: 4})
    by_region, _ = api_breakdowns(client, petition)
    assert by_region == [(RC, 4), ("other", 5)]
