"""The petition page's signature charts and the API's breakdowns behind them: regions ranked by name,
and the first days hour by hour (Astana time) for a fast petition, small hours folded like small days.

Signatures are written as rows at the instants each test needs; everything is read over HTTP.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.petitions.conftest import create_and_submit
from tests.petitions.test_small_cells import RA, RB, RC, RD, REGIONS, regions  # noqa: F401  (fixture)

FIRST = datetime(2026, 3, 1, 4, 20, tzinfo=UTC)  # 09:20 in Astana


@pytest.fixture
def signed(app, regions, make_citizen, actor, officials):  # noqa: F811
    """An open petition with signatures at the given (hours after FIRST's hour, region, count)."""
    from extensions import db
    from petitions.lifecycle import PETITION
    from petitions.models import Petition, Signature

    def make(cells: list[tuple[int, str, int]]) -> dict:
        petition = create_and_submit(actor(make_citizen(kato="710000000")))
        assert officials["moderator"].moderate(petition["id"]).status_code == 200
        PETITION.move(db.session.get(Petition, petition["id"]), "open")
        hour = FIRST.replace(minute=0)
        for offset, region, n in cells:
            for i in range(n):
                at = FIRST if (offset, i) == (0, 0) else hour + timedelta(hours=offset, minutes=min(59, 25 + i))
                db.session.add(
                    Signature(
                        petition_id=petition["id"],
                        signer_hash=uuid.uuid4().hex,
                        display_name="",
                        region=region,
                        signed_at=at,
                        receipt=uuid.uuid4().hex[:24],
                    )
                )
        db.session.commit()
        return petition

    return make


def hours_of(client, petition) -> list[tuple[str, int]]:
    body = client.get(f"/api/v1/petitions/{petition['id']}/signatures").get_json()
    return [(row["hour"], row["count"]) for row in body["by_hour"]]


def test_the_first_days_are_published_hour_by_hour_with_small_hours_folded(app, client, signed):
    app.config["PETITION_HOURLY_DAYS"] = 1
    petition = signed([(0, RA, 12), (1, RB, 6), (3, RC, 15), (5, RD, 5), (30, RA, 40)])  # the last is after day 1
    hours = hours_of(client, petition)
    shown = dict(hours[:-1])
    assert hours[-1] == ("other", 11)  # 6 + 5: hours of fewer than 10 signatures are folded
    assert shown["2026-03-01T04:00:00+00:00"] == 12 and shown["2026-03-01T07:00:00+00:00"] == 15
    assert shown["2026-03-01T06:00:00+00:00"] == 0  # an hour without signatures names nobody
    assert "2026-03-01T05:00:00+00:00" not in shown and "2026-03-01T09:00:00+00:00" not in shown
    assert len(hours) == 24 - 2 + 1  # the day's 24 hours from the first signature's, two folded, then "other"
    assert list(shown) == sorted(shown)
    assert sum(n for _, n in hours) == 38  # every signature of the span, none after it


def test_a_lone_small_hour_is_not_given_back_by_the_total(app, client, signed):
    app.config["PETITION_HOURLY_DAYS"] = 1
    petition = signed([(0, RA, 12), (1, RB, 3), (2, RC, 11)])
    hours = hours_of(client, petition)
    assert hours[-1] == ("other", 14)  # 3 alone would be the total minus the shown: the 11 joins it
    assert all(n in (0, 12) for _, n in hours[:-1])


def test_fewer_signatures_than_the_minimum_publish_no_hours(client, signed):
    petition = signed([(0, RA, 4), (2, RB, 3)])
    assert hours_of(client, petition) == []


def test_the_json_only_adds_fields(client, signed):
    petition = signed([(0, RA, 12), (0, RB, 10), (1, RC, 3)])
    body = client.get(f"/api/v1/petitions/{petition['id']}/signatures").get_json()
    assert set(body) == {"items", "by_region", "by_day", "by_hour"}
    assert body["by_region"][0] == {"region": RA, "count": 12, "name_kk": REGIONS[RA][0], "name_ru": REGIONS[RA][1]}
    assert body["by_region"][-1] == {"region": "other", "count": 13, "name_kk": None, "name_ru": None}
    assert body["by_day"] == [{"day": "2026-03-01", "count": 25}]


def region_table(page: str) -> list[tuple[str, str, str, str]]:
    table = re.search(r'<table class="table" id="table-region">(.*?)</table>', page, re.S).group(1)
    return re.findall(
        r'<tr><td class="num">(\d*)</td><th scope="row">(.*?)</th><td class="num">(.*?)</td>'
        r'<td class="num">(.*?)</td></tr>',
        table,
    )


def test_regions_are_ranked_by_name_with_their_share_and_ties_share_a_place(client, signed):
    petition = signed([(0, RA, 30), (0, RB, 12), (1, RC, 12), (1, RD, 10)])
    page = client.get(f"/petitions/{petition['id']}?lang=ru").get_data(as_text=True)
    assert region_table(page) == [  # shares of 64, rounded half up
        ("1", REGIONS[RA][1], "30", "46,9%"),
        ("2", REGIONS[RB][1], "12", "18,8%"),
        ("2", REGIONS[RC][1], "12", "18,8%"),
        ("4", REGIONS[RD][1], "10", "15,6%"),
    ]
    labels = re.findall(r'<text class="chart-label" x="0" y="\d+">(.*?)</text>', page)
    assert labels == [f"1. {REGIONS[RA][1]}", f"2. {REGIONS[RB][1]}", f"2. {REGIONS[RC][1]}", f"4. {REGIONS[RD][1]}"]
    assert RA not in re.sub(r'href="[^"]*"', "", page.split('id="charts-title"')[1])  # names, no KATO


def test_a_fast_petition_shows_its_first_days_hour_by_hour_in_astana_time(app, client, signed):
    app.config["PETITION_HOURLY_DAYS"] = 1
    fast = signed([(h, RA, 11) for h in range(24)] + [(2, RB, 4)])
    page = client.get(f"/petitions/{fast['id']}?lang=kk").get_data(as_text=True)
    assert 'id="chart-hour-title"' in page
    table = re.search(r'<table class="table" id="table-hour">(.*?)</table>', page, re.S).group(1)
    rows = re.findall(r'<th scope="row">(.*?)</th><td class="num">(.*?)</td>', table)
    assert rows[0] == ("1 наурыз 2026\u202fж., 09:00–10:00", "11")  # 04:00 UTC is 09:00 in Astana
    assert rows[2] == ("1 наурыз 2026\u202fж., 11:00–12:00", "15")
    assert len(rows) == 24
    assert "Алғашқы 1 күн сағат бойынша" in page


def test_a_slow_petition_draws_no_hourly_curve(app, client, signed):
    app.config["PETITION_HOURLY_DAYS"] = 1
    slow = signed([(0, RA, 12), (6, RB, 10)])  # 22 signatures over its first 24 hours: under 10 an hour
    page = client.get(f"/petitions/{slow['id']}?lang=en").get_data(as_text=True)
    assert 'id="table-region"' in page and 'id="table-day"' in page
    assert 'id="table-hour"' not in page and "chart-hour" not in page
