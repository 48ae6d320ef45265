"""Every body's record (petitions/body_statistics.py): GET /api/v1/statistics/bodies, its CSV, the page, and
GET /api/v1/calendar, which makes its working days recomputable.

The figures are checked twice: on a hand-built set of petition rows whose every figure was worked out by
hand, on a pinned clock; and against a recomputation that uses nothing but the public API's GETs, as an
outside auditor would (`test_every_body_figure_is_recomputed_from_the_public_api`).
"""

from __future__ import annotations

import csv
import io
import itertools
import statistics
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import jsonschema
import pytest

from kernel.csv_export import BOM
from tests.conftest import answer_fields
from tests.petitions.conftest import BODY, create_and_submit, sign
from tests.petitions.test_after_the_answer import rate

PINNED = datetime(2025, 3, 3, 6, 0, tzinfo=UTC)  # Monday 3 March 2025, 11:00 in Kazakhstan (UTC+5)
ASTANA, AKMOLA, EVIL = "710000000", "110000000", "190000000"
_serials = itertools.count(1)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def pinned(monkeypatch):
    """The request clock (web.clock.now) pinned: "today" is 3 March 2025 in Kazakhstan."""
    from web import clock

    monkeypatch.setattr(clock, "now", lambda: PINNED)
    return PINNED


@pytest.fixture
def author_iin(app, territories):
    from auth import services
    from auth.iin import make
    from extensions import db

    iin = make(date(1985, 1, 2), "M", 4242)
    services.add_person(iin=iin, surname="Әбілов", given_name="Нұрлан", kato=ASTANA)
    db.session.commit()
    return iin


def add_row(author_iin: str, addressee: str, territory: str | None, state: str, ratings=(), **columns) -> int:
    """A petition row as the use cases would have left it, with the instants and days given."""
    from extensions import db
    from petitions.models import Petition, PetitionRating

    petition = Petition(
        author_iin=author_iin, title="Ауыл жолы", body="Жол жөндеу керек.", language="kk", addressee=addressee,
        territory=territory, state=state, threshold=3, digest="sha256:" + "0" * 64, created_at=at("2024-11-01T05:00"),
        **columns,
    )
    db.session.add(petition)
    db.session.flush()
    for rating in ratings:
        n = next(_serials)
        db.session.add(PetitionRating(petition_id=petition.id, rater_hash=f"{n:064x}", rating=rating, reasons=[],
                                      rated_at=PINNED, receipt=f"r{n}"))
    db.session.commit()
    return petition.id


# Moderated in time, in December 2024: the review petitions' own moderation.
EARLY = {"submitted_at": at("2024-12-02T05:00"), "moderation_due_on": date(2024, 12, 30),
         "moderated_at": at("2024-12-10T05:00")}


@pytest.fixture
def hand_built(author_iin):
    """Three bodies; every figure below was counted by hand (February 2025 has no public holiday)."""
    gov = "government"
    add_row(author_iin, gov, None, "under_review", threshold_reached_at=at("2025-02-03T05:00"),
            review_due_on=date(2025, 3, 31), **EARLY)
    add_row(author_iin, gov, None, "under_review", threshold_reached_at=at("2025-01-06T05:00"),
            review_due_on=date(2025, 2, 28), **EARLY)  # overdue: today is after 28 February
    # answered in (3 Feb, 7 Feb]: 4 working days, on time; rated 1, 2, 5; contested; its report is overdue
    add_row(author_iin, gov, None, "answered", ratings=(1, 2, 5), threshold_reached_at=at("2025-02-03T05:00"),
            review_due_on=date(2025, 3, 31), answered_at=at("2025-02-07T10:00"), contested_at=at("2025-02-20T05:00"),
            follow_up_due_on=date(2025, 3, 20), report_due_on=date(2025, 3, 1), **EARLY)
    # answered in (3 Feb, 17 Feb]: 10 working days, late; rated 4; its report is due today, not yet overdue
    add_row(author_iin, gov, None, "answered", ratings=(4,), threshold_reached_at=at("2025-02-03T05:00"),
            review_due_on=date(2025, 2, 14), answered_at=at("2025-02-17T10:00"), report_due_on=date(2025, 3, 3),
            **EARLY)
    # the threshold at 00:30 on Saturday 1 February in Kazakhstan (still 31 January in UTC); answered on
    # Tuesday 4 February: 2 working days (Monday, Tuesday); its report came before its date
    add_row(author_iin, gov, None, "answered", threshold_reached_at=at("2025-01-31T19:30"),
            review_due_on=date(2025, 3, 20), answered_at=at("2025-02-04T04:00"), report_due_on=date(2025, 2, 20),
            reported_at=at("2025-02-19T05:00"), **EARLY)
    add_row(author_iin, gov, None, "moderation", submitted_at=at("2025-02-10T05:00"),
            moderation_due_on=date(2025, 2, 28))  # overdue
    add_row(author_iin, gov, None, "rejected", submitted_at=at("2025-02-03T05:00"), moderation_due_on=date(2025, 2, 28),
            moderated_at=at("2025-03-01T05:00"), rejection_reason="duplicate", rejection_comment="Бар.")  # late
    add_row(author_iin, gov, None, "draft")  # counted nowhere
    add_row(author_iin, "city_akimat", ASTANA, "open", submitted_at=at("2025-02-20T05:00"),
            moderation_due_on=date(2025, 3, 20), moderated_at=at("2025-02-21T05:00"))
    add_row(author_iin, "region_akimat", AKMOLA, "answered", ratings=(2, 2), threshold_reached_at=at("2025-02-10T05:00"),
            review_due_on=date(2025, 3, 10), answered_at=at("2025-02-12T05:00"), submitted_at=at("2025-01-20T05:00"),
            moderation_due_on=date(2025, 2, 17), moderated_at=at("2025-01-21T05:00"))


NOTHING = {"decided": 0, "on_time_rate": None, "overdue_now": 0}
NO_RATINGS = {"count": 0, "mean": None, "dissatisfied_share": None}
ASTANA_BODY = {"addressee": "city_akimat", "territory": ASTANA, "name_kk": "Астана қаласының әкімдігі",
               "name_ru": "Акимат города Астана"}
GOVERNMENT_BODY = {"addressee": "government", "territory": None, "name_kk": "Қазақстан Республикасының Үкіметі",
                   "name_ru": "Правительство Республики Казахстан"}
AKMOLA_BODY = {"addressee": "region_akimat", "territory": AKMOLA, "name_kk": "Ақмола облысының әкімдігі",
               "name_ru": "Акимат Акмолинской области"}


def figures(body, received=0, answered=0, on_time=0, rate=None, median=None, overdue=0, moderation=NOTHING,
            ratings=NO_RATINGS, contested=0, reports_due=0, reports_overdue=0) -> dict:
    return {
        "body": body, "received": received, "answered": answered, "answered_on_time": on_time, "on_time_rate": rate,
        "median_working_days": median, "overdue_now": overdue, "moderation": moderation, "ratings": ratings,
        "contested": contested, "reports_due": reports_due, "reports_overdue": reports_overdue,
    }


def bodies(client, query: str = "") -> dict:
    response = client.get("/api/v1/statistics/bodies" + query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_figures_of_a_hand_built_set_on_a_pinned_clock(client, hand_built, pinned):
    answer = bodies(client)
    assert (answer["from"], answer["to"], answer["today"]) == (None, None, "2025-03-03")
    assert answer["items"] == [  # by addressee code, then territory
        figures(ASTANA_BODY, moderation={"decided": 1, "on_time_rate": 1.0, "overdue_now": 0}),
        figures(GOVERNMENT_BODY, received=5, answered=3, on_time=2, rate=0.6667, median=4, overdue=1,
                moderation={"decided": 6, "on_time_rate": 0.8333, "overdue_now": 1},
                ratings={"count": 4, "mean": 3.0, "dissatisfied_share": 0.5}, contested=1, reports_due=3,
                reports_overdue=1),
        figures(AKMOLA_BODY, received=1, answered=1, on_time=1, rate=1.0, median=2,
                moderation={"decided": 1, "on_time_rate": 1.0, "overdue_now": 0},
                ratings={"count": 2, "mean": 2.0, "dissatisfied_share": 1.0}),
    ]
    _validate(answer, "BodyRecords")


def test_the_period_counts_reviews_by_the_threshold_day_and_moderation_by_the_submission_day(client, hand_built, pinned):
    february = bodies(client, "?from=2025-02-01&to=2025-02-28")
    assert (february["from"], february["to"]) == ("2025-02-01", "2025-02-28")
    assert february["items"] == [
        figures(ASTANA_BODY, moderation={"decided": 1, "on_time_rate": 1.0, "overdue_now": 0}),
        # the January threshold (the overdue one) is out; 1 February in Kazakhstan is in
        figures(GOVERNMENT_BODY, received=4, answered=3, on_time=2, rate=0.6667, median=4, overdue=0,
                moderation={"decided": 1, "on_time_rate": 0.0, "overdue_now": 1},
                ratings={"count": 4, "mean": 3.0, "dissatisfied_share": 0.5}, contested=1, reports_due=3,
                reports_overdue=1),
        figures(AKMOLA_BODY, received=1, answered=1, on_time=1, rate=1.0, median=2,  # submitted in January
                ratings={"count": 2, "mean": 2.0, "dissatisfied_share": 1.0}),
    ]
    january = bodies(client, "?to=2025-01-31")["items"]  # 31 January 19:30 UTC was 1 February in Kazakhstan
    assert [(i["body"]["addressee"], i["received"], i["moderation"]["decided"]) for i in january] == [
        ("government", 1, 5), ("region_akimat", 0, 1)]  # the five submitted in December
    assert bodies(client, "?from=2025-03-01")["items"] == []  # nothing reached or was submitted in March
    one_day = bodies(client, "?from=2025-02-03&to=2025-02-03")["items"]
    assert [(i["received"], i["moderation"]["decided"]) for i in one_day] == [(3, 1)]


@pytest.mark.parametrize("query, fields", [
    ("?from=2025-13-01", {"from"}), ("?from=yesterday", {"from"}), ("?to=2025-02-30", {"to"}),
    ("?from=1999-12-31", {"from"}), ("?to=2101-01-01", {"to"}), ("?from=2025-03-02&to=2025-03-01", {"to"}),
    ("?from=" + "9" * 5000, {"from"}), ("?from=2025-02-01T00:00", {"from"}), ("?from=x&to=y", {"from", "to"}),
    ("?to=+2025-01-01", {"to"}),
])
def test_bad_periods_are_refused_with_the_fields_never_a_5xx(client, territories, pinned, query, fields):
    for path in ("/api/v1/statistics/bodies", "/api/v1/exports/bodies.csv", "/api/v1/calendar"):
        response = client.get(path + query)
        assert response.status_code == 422, (path, response.data[:200])
        error = response.get_json()["error"]
        assert error["code"] == "validation_error" and set(error["fields"]) == fields, (path, error)
    page = client.get("/statistics" + query + "&lang=en")
    assert page.status_code == 422 and 'aria-invalid="true"' in page.get_data(as_text=True)


def test_the_period_is_optional_on_each_side_and_empty_means_all_time(client, hand_built, pinned):
    everything = bodies(client)["items"]
    assert bodies(client, "?from=&to=")["items"] == everything
    assert bodies(client, "?from=2000-01-01&to=2100-12-31")["items"] == everything


def csv_rows(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.startswith(BOM) and not text.startswith(BOM * 2)
    return list(csv.DictReader(io.StringIO(text.removeprefix(BOM))))


def flat(item: dict) -> dict:
    """A JSON item as the CSV writes it: body's members, then nested ones joined with `_`, None empty."""
    row = dict(item["body"])
    for name, value in item.items():
        if name == "body":
            continue
        if isinstance(value, dict):
            row.update({f"{name}_{inner}": v for inner, v in value.items()})
        else:
            row[name] = value
    return {name: "" if value is None else str(value) for name, value in row.items()}


def test_the_csv_is_the_json_one_row_a_body_and_neutralises_its_cells(client, hand_built, author_iin, pinned):
    from extensions import db
    from kernel.territories import Territory
    from petitions.body_statistics import CSV_FIELDS

    # a region whose names a spreadsheet would run: the body's names start with them
    db.session.add(Territory(kato=EVIL, name_kk='=HYPERLINK("http://evil.example")+облысы', name_ru="-1+1 область",
                             level="region", population=1000))
    db.session.commit()
    add_row(author_iin, "region_maslikhat", EVIL, "moderation", submitted_at=at("2025-02-10T05:00"),
            moderation_due_on=date(2025, 3, 10))
    for query in ("", "?from=2025-02-01&to=2025-02-28"):
        items = bodies(client, query)["items"]
        response = client.get("/api/v1/exports/bodies.csv" + query)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert 'filename="bodies.csv"' in response.headers["Content-Disposition"]
        rows = csv_rows(response)
        assert list(rows[0]) == list(CSV_FIELDS)
        evil = next(row for row in rows if row["territory"] == EVIL)
        assert evil["name_kk"] == "'" + '=HYPERLINK("http://evil.example")+облысының мәслихаты'
        assert evil["name_ru"] == "Маслихат (-1+1 область)"  # not a formula: no mark
        evil["name_kk"] = evil["name_kk"][1:]
        assert rows == [flat(item) for item in items]


def test_the_calendar_lists_every_non_working_day_as_working_days_between_counts_them(app, client, territories, pinned):
    from kernel.work_calendar import load_work_calendar
    from kernel.working_days import add_working_days, working_days_between
    from petitions.calendar import set_transfer

    set_transfer(date(2025, 2, 7), False, "Decree: a day off", PINNED)  # an admin's transfer counts too
    set_transfer(date(2025, 2, 8), True, "Decree: a Saturday worked", PINNED)
    from extensions import db

    db.session.commit()
    answer = client.get("/api/v1/calendar?from=2025-01-01&to=2025-12-31")
    assert answer.status_code == 200
    calendar = answer.get_json()
    _validate(calendar, "Calendar")
    off = {date.fromisoformat(day) for day in calendar["non_working_days"]}
    assert (calendar["from"], calendar["to"]) == ("2025-01-01", "2025-12-31")
    assert {date(2025, 1, 1), date(2025, 3, 8), date(2025, 3, 21), date(2025, 2, 7), date(2025, 2, 9)} <= off
    assert date(2025, 2, 8) not in off and date(2025, 2, 10) not in off
    work = load_work_calendar()
    for start, end in ((date(2025, 2, 1), date(2025, 2, 28)), (date(2025, 3, 5), date(2025, 3, 26))):
        counted = sum(1 for n in range((end - start).days) if start + timedelta(days=n + 1) not in off)
        assert counted == working_days_between(work, start, end)  # (start, end]: start excluded, end included
    assert add_working_days(work, date(2025, 2, 6), 1) == date(2025, 2, 8)
    assert client.get("/api/v1/calendar").get_json()["from"] == "2025-01-01"  # this year by default
    assert client.get("/api/v1/calendar?from=2024-03-01").get_json()["to"] == "2024-12-31"
    longest = client.get("/api/v1/calendar?from=2024-01-01&to=2026-12-31")
    assert longest.status_code == 200 and len(longest.get_json()["non_working_days"]) > 300
    too_long = client.get("/api/v1/calendar?from=2024-01-01&to=2027-01-03")
    assert too_long.status_code == 422 and set(too_long.get_json()["error"]["fields"]) == {"to"}


def test_the_page_shows_every_body_with_two_charts_each_with_its_table_in_three_languages(client, hand_built, pinned):
    for lang, government, astana, answers_on_time in (
        ("kk", "Қазақстан Республикасының Үкіметі", "Астана қаласының әкімдігі", None),
        ("ru", "Правительство Республики Казахстан", "Акимат города Астана", None),
        ("en", "Government of the Republic of Kazakhstan", "Akimat of Astana", "Answers on time"),
    ):
        response = client.get(f"/statistics?lang={lang}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert f'<html lang="{lang}">' in html
        assert government in html and astana in html
        assert html.count('role="img"') == 2  # on-time rate, mean rating
        for table in ("table-on-time", "table-rating"):
            body = html.split(f'id="{table}"')[1].split("</table>")[0]
            assert body.count('<th scope="row">') == 3, table  # one row a body, as the chart has a bar
        record = html.split('id="body-record"')[1].split("</table>")[0]
        assert record.count('<th scope="row">') == 3
        assert 'class="table-scroll"' in html and 'id="record-scroll-hint"' in html
        assert 'href="/api/v1/exports/bodies.csv"' in html and 'href="/api/v1/statistics/bodies"' in html
        assert 'href="/api/v1/openapi.json"' in html and 'href="/api/v1/calendar"' in html
        if answers_on_time:
            assert answers_on_time in html and "66.67%" in html and "3.00" in html
    chosen = client.get("/statistics?from=2025-02-01&to=2025-02-28&lang=en").get_data(as_text=True)
    assert 'value="2025-02-01"' in chosen
    assert 'href="/api/v1/exports/bodies.csv?from=2025-02-01&amp;to=2025-02-28"' in chosen
    refused = client.get("/statistics?from=2025-03-02&to=2025-03-01&lang=en")
    assert refused.status_code == 422
    assert "The end of the period is before its start." in refused.get_data(as_text=True)
    empty = client.get("/statistics?from=2030-01-01&lang=en").get_data(as_text=True)
    assert "No petition reached its threshold or was submitted in this period." in empty


def _validate(instance: dict, name: str) -> None:
    from openapi import document

    spec = document()
    jsonschema.validate(instance, {"$ref": f"#/components/schemas/{name}", "components": spec["components"]})


# --- recomputed from the public API -----------------------------------------------------------------

ANSWER = (
    "Өтінішті қарадық. Бюджетте қаражат жоқ, сондықтан жол биыл жөнделмейді; келесі жылғы жоспарға енгізу "
    "мәселесі аудан әкімдігімен бірге қаралады. Жауапқа келіспесеңіз, сотқа немесе жоғары тұрған органға "
    "шағым беруге құқығыңыз бар. Жауап Қазақстан заңдарына сәйкес дайындалды."
)


def backdate_submission(petition_id: int, days: int) -> None:
    """Time travel, which no API offers: as if the petition had been submitted `days` earlier (its due day
    moved with it, as submitting then would have set it). Call it before the moderation decision."""
    _backdate(petition_id, days, "submitted_at", "moderation_due_on",
              lambda app, petition: app.config["PETITION_MODERATION_WORKING_DAYS"])


def backdate_threshold(petition_id: int, days: int) -> None:
    """Time travel: as if the threshold had been reached `days` earlier (its review due day with it)."""
    from petitions import rules

    _backdate(petition_id, days, "threshold_reached_at", "review_due_on",
              lambda app, petition: rules.review_working_days(petition.addressee, app.config))


def _backdate(petition_id, days, instant, due, working_days) -> None:
    from flask import current_app

    from extensions import db
    from kernel.kazakhstan_time import local_date
    from kernel.work_calendar import load_work_calendar
    from kernel.working_days import add_working_days
    from petitions.models import Petition

    petition = db.session.get(Petition, petition_id)
    moved = getattr(petition, instant) - timedelta(days=days)
    setattr(petition, instant, moved)
    setattr(petition, due, add_working_days(load_work_calendar(), local_date(moved),
                                            working_days(current_app, petition)))
    db.session.commit()


def _half_up(numerator: int, denominator: int, places: str) -> float | None:
    if not denominator:
        return None
    return float((Decimal(numerator) / Decimal(denominator)).quantize(Decimal(places), rounding=ROUND_HALF_UP))


def kz_day(instant: str) -> date:
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(instant).astimezone(ZoneInfo("Asia/Almaty")).date()


def after_the_answer(petition: dict) -> dict:
    """The after-the-answer facts of a petition's public JSON: its rating distribution, contested_at,
    report_due_on and whether a report was published (a petition.report act)."""
    return {
        "distribution": {int(k): n for k, n in petition["ratings"]["distribution"].items()},
        "contested_at": petition["contested_at"],
        "report_due_on": petition["report_due_on"],
        "reported": any(act["purpose"] == "petition.report" for act in petition["acts"]),
    }


def recompute(client, last_id: int, today: date, start: date | None = None,
              end: date | None = None) -> list[dict]:
    """Every body's figures from GET /petitions/{id} (1..last_id, drafts 404) and GET /calendar alone."""
    petitions = []
    for pid in range(1, last_id + 1):
        response = client.get(f"/api/v1/petitions/{pid}")
        assert response.status_code in (200, 404)
        if response.status_code == 200:
            petitions.append(response.get_json())
    days = [kz_day(p[key]) for p in petitions for key in ("threshold_reached_at",) if p[key]]
    days += [kz_day(p["answer"]["answered_at"]) for p in petitions if p["answer"]]
    off: set[date] = set()
    if days:
        calendar = client.get(f"/api/v1/calendar?from={min(days)}&to={max(days)}").get_json()
        off = {date.fromisoformat(day) for day in calendar["non_working_days"]}

    def working_days(a: date, b: date) -> int:  # (a, b], as the calendar's description says
        return sum(1 for n in range(1, (b - a).days + 1) if a + timedelta(days=n) not in off)

    def in_period(day: date) -> bool:
        return (start is None or day >= start) and (end is None or day <= end)

    figures_of: dict[tuple, dict] = {}

    def body(p) -> dict:
        return figures_of.setdefault((p["addressee"], p["territory"]), {
            "received": 0, "answered": 0, "on_time": 0, "taken": [], "overdue": 0, "decided": 0, "decided_on_time": 0,
            "moderation_overdue": 0, "ratings": {k: 0 for k in range(1, 6)}, "contested": 0, "reports_due": 0,
            "reports_overdue": 0})

    for p in petitions:
        if p["threshold_reached_at"] and in_period(kz_day(p["threshold_reached_at"])):
            b, due = body(p), date.fromisoformat(p["review_due_on"])
            after = after_the_answer(p)
            b["received"] += 1
            if p["answer"]:
                answered = kz_day(p["answer"]["answered_at"])
                b["answered"] += 1
                b["on_time"] += answered <= due
                b["taken"].append(working_days(kz_day(p["threshold_reached_at"]), answered))
            b["overdue"] += p["state"] == "under_review" and today > due
            for k, n in after["distribution"].items():
                b["ratings"][k] += n
            b["contested"] += after["contested_at"] is not None
            if after["report_due_on"] and date.fromisoformat(after["report_due_on"]) <= today:
                b["reports_due"] += 1
                b["reports_overdue"] += not after["reported"] and today > date.fromisoformat(after["report_due_on"])
        if p["submitted_at"] and in_period(kz_day(p["submitted_at"])):
            b, due = body(p), date.fromisoformat(p["moderation_due_on"])
            decisions = [act["at"] for act in p["acts"] if act["purpose"] == "petition.moderate"]
            if decisions:
                b["decided"] += 1
                b["decided_on_time"] += kz_day(decisions[0]) <= due
            b["moderation_overdue"] += p["state"] == "moderation" and today > due

    items = []
    for (addressee, territory), b in sorted(figures_of.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        count = sum(b["ratings"].values())
        items.append({
            "body": {"addressee": addressee, "territory": territory},
            "received": b["received"], "answered": b["answered"], "answered_on_time": b["on_time"],
            "on_time_rate": _half_up(b["on_time"], b["answered"], "0.0001"),
            "median_working_days": statistics.median(b["taken"]) if b["taken"] else None,
            "overdue_now": b["overdue"],
            "moderation": {"decided": b["decided"], "on_time_rate": _half_up(b["decided_on_time"], b["decided"], "0.0001"),
                           "overdue_now": b["moderation_overdue"]},
            "ratings": {"count": count, "mean": _half_up(sum(k * n for k, n in b["ratings"].items()), count, "0.01"),
                        "dissatisfied_share": _half_up(b["ratings"][1] + b["ratings"][2], count, "0.0001")},
            "contested": b["contested"], "reports_due": b["reports_due"], "reports_overdue": b["reports_overdue"],
        })
    return items


def without_names(items: list[dict]) -> list[dict]:
    return [{**item, "body": {k: item["body"][k] for k in ("addressee", "territory")}} for item in items]


def test_every_body_figure_is_recomputed_from_the_public_api(app, client, small_thresholds, make_citizen, actor,
                                                              officials, monkeypatch):
    from web import clock

    gov_author = actor(make_citizen(kato="113243200"))
    astana_author = actor(make_citizen(kato=ASTANA))
    signers = [make_citizen(kato=ASTANA) for _ in range(3)]
    moderator, reviewer = officials["moderator"], officials["reviewer"]
    astana_reviewer = officials["reviewer_astana"]
    app.config.update(PETITION_CONTEST_MIN_RATINGS=4, PETITION_CONTEST_PERCENT=50)

    def rated(petition: dict, author, *values) -> None:
        for citizen, value in zip([author.citizen, *signers], values, strict=False):
            given = rate(client, citizen, petition, value, ["formal"] if value <= 3 else [])
            assert given.status_code == 201, given.get_json()

    def reach_threshold(petition: dict) -> None:
        for citizen in signers:
            assert sign(client, citizen, petition).status_code == 201

    def answer(pid: int, official, report_due_on: date | None = None, **grant) -> dict:
        if report_due_on is None:
            fields = {"decision": "not_supported", "text": ANSWER}
        else:
            fields = answer_fields("supported", real_day, report_due_on=report_due_on.isoformat())
        answered = official.review(pid, "petition.answer", **fields, **grant)
        assert answered.status_code == 200, answered.get_json()
        return answered.get_json()

    def approved(author, **where) -> dict:
        petition = create_and_submit(author, **where)
        assert moderator.moderate(petition["id"]).status_code == 200
        return petition

    real_now = datetime.now(UTC)
    real_day = kz_day(real_now.isoformat())
    today = (real_now + timedelta(days=2)).astimezone(UTC)
    today_day = kz_day(today.isoformat())

    draft = gov_author.post("/api/v1/petitions", {"title": "Жаңа жоба туралы", "body": BODY, "language": "kk",
                                                  "addressee": "government"})
    assert draft.status_code == 201  # a draft: 404 to everyone else
    waiting = create_and_submit(gov_author, title="Мектепке автобус керек")  # stays in moderation, long overdue
    backdate_submission(waiting["id"], 60)
    rejected = create_and_submit(gov_author, title="Саябақ салу керек")
    backdate_submission(rejected["id"], 50)  # decided late
    assert moderator.moderate(rejected["id"], "reject", reason="duplicate", comment="Бұрыннан бар.").status_code == 200
    approved(gov_author, title="Кітапхана ашу керек")  # restricted: decided on time, never received
    overdue = approved(gov_author, title="Көпір жөндеу керек")
    reach_threshold(overdue)
    backdate_threshold(overdue["id"], 90)  # still under review, long past its due day
    on_time = approved(gov_author, title="Су құбырын тарту керек")
    reach_threshold(on_time)
    rated(answer(on_time["id"], reviewer, report_due_on=today_day - timedelta(days=1)), gov_author, 1, 1, 2, 5)  # contested
    late = approved(gov_author, title="Аурухана салу керек")
    reach_threshold(late)
    backdate_threshold(late["id"], 90)  # answered today, about 60 working days after its threshold
    rated(answer(late["id"], reviewer, report_due_on=today_day), gov_author, 3)
    late_moderation = create_and_submit(astana_author, addressee="city_akimat", territory=ASTANA, title="Аялдамаға шатыр керек")
    backdate_submission(late_moderation["id"], 45)
    assert moderator.moderate(late_moderation["id"]).status_code == 200
    astana = approved(astana_author, addressee="city_akimat", territory=ASTANA, title="Көшеге жарық керек")
    reach_threshold(astana)
    backdate_threshold(astana["id"], 10)
    grant = {"scope": ASTANA, "body": "city_akimat"}
    rated(answer(astana["id"], astana_reviewer, report_due_on=real_day + timedelta(days=1), **grant), astana_author, 4, 5, 2)
    reported = astana_reviewer.review(astana["id"], "petition.report", text="Көше жарығы орнатылды, көпір кейінге қалды.",
                                      measures=[{"id": 1, "done": True}, {"id": 2, "done": False}], **grant)
    assert reported.status_code == 200, reported.get_json()
    reported_later = approved(astana_author, addressee="city_akimat", territory=ASTANA, title="Саябаққа орындық керек")
    reach_threshold(reported_later)
    answer(reported_later["id"], astana_reviewer, report_due_on=today_day + timedelta(days=30), **grant)  # not due yet
    last_id = reported_later["id"]

    monkeypatch.setattr(clock, "now", lambda: today)
    published = bodies(client)
    assert published["today"] == today_day.isoformat()
    expected = recompute(client, last_id, today_day)
    assert without_names(published["items"]) == expected
    # the data is not trivial: every kind of figure is there, late and on time, overdue and not
    government = expected[1]
    assert (government["received"], government["answered"], government["answered_on_time"]) == (3, 2, 1)
    assert government["overdue_now"] == 1 and government["median_working_days"] > 20
    assert government["moderation"]["overdue_now"] == 1 and 0 < government["moderation"]["on_time_rate"] < 1
    assert government["ratings"] == {"count": 5, "mean": 2.4, "dissatisfied_share": 0.6}
    assert (government["contested"], government["reports_due"], government["reports_overdue"]) == (1, 2, 1)
    assert expected[0]["reports_due"] == 1 and expected[0]["reports_overdue"] == 0

    recent = today_day - timedelta(days=20)  # leaves out the backdated thresholds and submissions
    within = bodies(client, f"?from={recent}&to={today_day}")
    assert without_names(within["items"]) == recompute(client, last_id, today_day, recent, today_day)
    assert [i["received"] for i in within["items"]] == [2, 1]
    before = bodies(client, f"?to={recent}")
    assert without_names(before["items"]) == recompute(client, last_id, today_day, None, recent)


def test_the_definitions_are_the_same_in_the_api_document_and_the_architecture(client):
    from pathlib import Path

    from petitions.body_statistics import DEFINITIONS

    def words(text: str) -> str:
        return " ".join(text.split())

    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["paths"]["/statistics/bodies"]["get"]["description"] == DEFINITIONS
    assert DEFINITIONS in spec["components"]["schemas"]["BodyRecords"]["description"]
    assert "start day excluded and the end day included" in spec["paths"]["/calendar"]["get"]["description"]
    architecture = Path(__file__).resolve().parents[2] / "docs" / "ARCHITECTURE.md"
    assert words(DEFINITIONS) in words(architecture.read_text())


def test_every_region_and_city_gets_a_body_name_in_kazakh_and_russian():
    """The phrases fit every name of demo/data/regions.csv (the country's regions and three cities)."""
    from pathlib import Path

    from kernel.bodies import body_names
    from kernel.territories import Territory

    regions = Path(__file__).resolve().parents[2] / "demo" / "data" / "regions.csv"
    rows = list(csv.DictReader(io.StringIO(regions.read_text(encoding="utf-8"))))
    assert len(rows) == 20
    for row in rows:
        place = Territory(kato=row["kato"], name_kk=row["name_kk"], name_ru=row["name_ru"], name_en=row["name_en"])
        kk, ru, en = body_names("region_akimat", place)
        assert kk.endswith(("облысының әкімдігі", "қаласының әкімдігі")), kk
        # "Акимат Акмолинской области", "Акимат области Абай", "Акимат города Астана": never the fallback
        assert ru.endswith("ской области") or ru.startswith(("Акимат области ", "Акимат города ")), ru
        assert en == f"Akimat of {row['name_en']}"
    place = Territory(kato="190000000", name_kk="Алматы облысы", name_ru="Алматинская область", name_en=None)
    assert body_names("region_maslikhat", place)[:2] == ("Алматы облысының мәслихаты", "Маслихат Алматинской области")
    assert body_names("region_akimat", place)[2] == "Akimat of Алматы облысы"
    city = Territory(kato="750000000", name_kk="Алматы қаласы", name_ru="город Алматы", name_en="Almaty")
    assert body_names("city_maslikhat", city)[:2] == ("Алматы қаласының мәслихаты", "Маслихат города Алматы")
    assert body_names("government", None)[:2] == ("Қазақстан Республикасының Үкіметі", "Правительство Республики Казахстан")


def test_shares_are_exact_quotients_rounded_half_up():
    from petitions.body_statistics import share

    assert share(1, 32, 4) == 0.0313  # 0.03125: half up, where float rounding would give 0.0312
    assert share(5, 8, 2) == 0.63 and share(2, 3, 4) == 0.6667 and share(0, 5, 4) == 0.0
    assert share(3, 0, 4) is None
