"""Budgets that move: the days left to vote, the turnout against the eligible residents, and the results
chart that says what is funded, on the cycle, vote and results pages in kk, ru and en.

The request clock (web.clock.now) is pinned to 10:00 in Astana on 7 December 2026, a Monday; the
cycles' dates are set around it.
"""

from __future__ import annotations

import html
import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.budgeting.conftest import DISTRICT, OTHER_VILLAGE, VILLAGE_1, VILLAGE_2, eligible_projects, move_to
from web import clock

PINNED = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)  # 10:00 in Astana (UTC+5)


def astana(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    """An instant of December 2026 on Astana's wall clock."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=5)


@pytest.fixture
def pinned(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: PINNED)
    return PINNED


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def voting_cycle(make_cycle, *, closes: datetime):
    """A cycle whose voting opened a day before the pinned now and closes at `closes`."""
    from extensions import db

    cycle = make_cycle("voting", at=PINNED)
    cycle.voting_close = closes
    db.session.commit()
    return cycle


def words(page: str) -> str:
    """The page's text, tags dropped (a tag may sit between the words)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))


def countdown(page: str) -> str:
    found = re.search(r'<p class="countdown[^"]*" id="voting-countdown">(.*?)</p>', page)
    assert found, "no countdown on the page"
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


# --- the days left to vote ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "days_left", "closes_at"),
    [
        ("en", "5 days left to vote", "Voting closes on December 12, 2026 at 8:00 PM, Astana time."),
        (
            "ru",
            "До конца голосования осталось 5 дней",
            "Голосование завершится 12 декабря 2026 года в 20:00 по времени Астаны.",
        ),
        ("kk", "Дауыс беруге 5 күн қалды", "Дауыс беру 2026 жылғы 12 желтоқсан сағат 20:00-де аяқталады (Астана уақыты)."),
    ],
)
def test_the_cycle_page_counts_the_calendar_days_left_to_vote(client, make_cycle, pinned, lang, days_left, closes_at):
    cycle = voting_cycle(make_cycle, closes=astana(12, 20))
    said = countdown(text(client.get(f"/budget/{cycle.id}?lang={lang}")))
    assert days_left in said and closes_at in said


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (8, "До конца голосования остался 1 день"),
        (9, "До конца голосования осталось 2 дня"),
        (11, "До конца голосования осталось 4 дня"),
        (12, "До конца голосования осталось 5 дней"),
        (18, "До конца голосования осталось 11 дней"),
        (28, "До конца голосования остался 21 день"),
    ],
)
def test_russian_says_den_dnya_dney_as_the_number_asks(client, make_cycle, pinned, day, expected):
    cycle = voting_cycle(make_cycle, closes=astana(day, 20))
    assert expected in countdown(text(client.get(f"/budget/{cycle.id}?lang=ru")))


@pytest.mark.parametrize(
    ("lang", "last_day", "closes_today"),
    [
        ("en", "Last day to vote", "Voting closes today at 6:00 PM, Astana time."),
        ("ru", "Последний день голосования", "Голосование завершится сегодня в 18:00 по времени Астаны."),
        ("kk", "Дауыс берудің соңғы күні", "Дауыс беру бүгін аяқталады, аяқталатын уақыты: 18:00 (Астана уақыты)."),
    ],
)
def test_the_last_day_says_it_closes_today_at_what_time(client, make_cycle, pinned, lang, last_day, closes_today):
    cycle = voting_cycle(make_cycle, closes=astana(7, 18))
    page = text(client.get(f"/budget/{cycle.id}/vote?lang={lang}"))  # the ballot says it too
    assert last_day in countdown(page) and closes_today in countdown(page)
    assert 'class="countdown countdown-open countdown-last"' in page


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Voting closes tonight at midnight, Astana time."),
        ("ru", "Голосование завершится сегодня в полночь по времени Астаны."),
        ("kk", "Дауыс беру бүгін түн ортасында аяқталады (Астана уақыты)."),
    ],
)
def test_a_close_at_midnight_makes_the_day_before_it_the_last(client, make_cycle, pinned, lang, expected):
    cycle = voting_cycle(make_cycle, closes=astana(8, 0))  # 00:00 on the 8th: the 7th is the last day
    said = countdown(text(client.get(f"/budget/{cycle.id}?lang={lang}")))
    assert expected in said
    two_days = voting_cycle(make_cycle, closes=astana(10, 0))  # the 9th is the last day: 2 days after today
    said = countdown(text(client.get(f"/budget/{two_days.id}?lang=en")))
    assert "2 days left to vote" in said and "Voting closes at midnight at the end of December 9, 2026" in said


@pytest.mark.parametrize(
    ("lang", "opens_in", "opens_at"),
    [
        ("en", "Voting opens in 3 days", "Voting opens on December 10, 2026 at 9:00 AM, Astana time."),
        (
            "ru",
            "Голосование начнётся через 3 дня",
            "Голосование начнётся 10 декабря 2026 года в 09:00 по времени Астаны.",
        ),
        (
            "kk",
            "Дауыс беру 3 күннен кейін басталады",
            "Дауыс беру 2026 жылғы 10 желтоқсан сағат 09:00-де басталады (Астана уақыты).",
        ),
    ],
)
def test_before_voting_the_page_says_in_how_many_days_it_opens(client, make_cycle, pinned, lang, opens_in, opens_at):
    from extensions import db

    cycle = make_cycle("proposals", at=PINNED)
    cycle.voting_open, cycle.voting_close = astana(10, 9), astana(17, 20)
    db.session.commit()
    said = countdown(text(client.get(f"/budget/{cycle.id}?lang={lang}")))
    assert opens_in in said and opens_at in said


def test_no_countdown_once_voting_has_closed(client, make_cycle, pinned):
    cycle = make_cycle("counting", at=PINNED)
    assert 'id="voting-countdown"' not in text(client.get(f"/budget/{cycle.id}?lang=en"))


# --- turnout against the eligible residents -------------------------------------------------------


def add_ballots(cycle, count: int, village: str = VILLAGE_1) -> None:
    """Ballot rows as the use cases write them (the turnout counts rows, however they arrived)."""
    from budgeting.models import Ballot
    from extensions import db

    for _ in range(count):
        db.session.add(
            Ballot(
                cycle_id=cycle.id,
                voter_hash=uuid.uuid4().hex,
                settlement=village,
                method="online",
                projects=[],
                cast_at=PINNED,
                receipt=uuid.uuid4().hex[:24],
            )
        )
    db.session.commit()


@pytest.fixture
def registry(resident, minor_born, other_district):
    """Seven people who may vote in the Kenes rural district on the pinned day, and three who may not."""
    today = date(2026, 12, 7)
    for kato in (VILLAGE_1, VILLAGE_1, VILLAGE_1, VILLAGE_2, VILLAGE_2):
        resident(kato=kato)
    resident(kato=DISTRICT)  # registered at the rural district itself, no village named
    resident(kato=VILLAGE_2, born=date(2008, 12, 7))  # 18 today
    resident(kato=VILLAGE_2, born=date(2008, 12, 8))  # 18 tomorrow
    resident(kato=VILLAGE_1, born=minor_born)
    resident(kato=OTHER_VILLAGE)  # the neighbouring rural district
    return today


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        ("en", "3 of 7 eligible residents have voted (42.9%)"),
        ("ru", "Проголосовали 3 из 7 жителей с правом голоса (42,9%)"),
        ("kk", "Дауыс беруге құқығы бар 7 тұрғынның ішінен 3 адам дауыс берді (42,9%)"),
    ],
)
def test_the_cycle_page_shows_turnout_against_the_registrys_eligible_residents(
    client, make_cycle, registry, pinned, lang, sentence
):
    cycle = voting_cycle(make_cycle, closes=astana(12, 20))
    add_ballots(cycle, 2)
    add_ballots(cycle, 1, VILLAGE_2)
    page = text(client.get(f"/budget/{cycle.id}?lang={lang}"))
    assert sentence in words(page)
    assert 'id="turnout" data-voted="3" data-eligible="7"' in page
    assert '<progress class="progress turnout-bar" max="7" value="3"' in page


@pytest.mark.parametrize(
    ("voted", "eligible", "sentence"),
    [
        (1, 1, "Проголосовал 1 из 1 жителя с правом голоса (100%)"),
        (2, 3, "Проголосовали 2 из 3 жителей с правом голоса (66,7%)"),
        (21, 21, "Проголосовал 21 из 21 жителя с правом голоса (100%)"),
        (1, 22, "Проголосовал 1 из 22 жителей с правом голоса (4,5%)"),
    ],
)
def test_russian_turnout_agrees_with_both_numbers(client, make_cycle, resident, pinned, voted, eligible, sentence):
    for _ in range(eligible):
        resident(kato=VILLAGE_1)
    cycle = voting_cycle(make_cycle, closes=astana(12, 20))
    add_ballots(cycle, voted)
    assert sentence in words(text(client.get(f"/budget/{cycle.id}?lang=ru")))


def test_one_ballot_of_thousands_is_less_than_a_tenth_of_a_percent_not_zero(client, make_cycle, pinned, monkeypatch):
    from budgeting import turnout

    monkeypatch.setattr(turnout, "eligible_residents", lambda kato, day: 2_500)
    cycle = voting_cycle(make_cycle, closes=astana(12, 20))
    add_ballots(cycle, 1)
    page = text(client.get(f"/budget/{cycle.id}?lang=en"))
    assert "1 of 2,500 eligible residents has voted (less than 0.1%)" in words(page)


def test_the_json_carries_the_page_s_turnout_and_keeps_every_field(client, make_cycle, registry, pinned, monkeypatch):
    from budgeting import api
    from extensions import db

    monkeypatch.setattr(api, "_now", lambda: PINNED)
    cycle = voting_cycle(make_cycle, closes=astana(12, 20))
    add_ballots(cycle, 3)
    page = text(client.get(f"/budget/{cycle.id}?lang=en"))
    body = client.get(f"/api/v1/budget/cycles/{cycle.id}").get_json()
    assert {
        "id",
        "territory",
        "year",
        "phase",
        "amount",
        "ballot",
        "rule",
        "min_choices",
        "max_choices",
        "proposals_open",
        "proposals_close",
        "voting_open",
        "voting_close",
        "ballots",
        "tallied_at",
        "projects",
    } <= set(body)
    assert body["ballots"] == 3 and body["phase"] == "voting"
    assert body["turnout"] == {"voted": 3, "eligible": 7, "percent": 42.9, "as_of": "2026-12-07"}  # the total only
    assert "3 of 7 eligible residents have voted (42.9%)" in words(page)
    assert "by the population registry, on December 7, 2026." in page
    listed = client.get("/api/v1/budget/cycles").get_json()["items"]
    assert [item["turnout"] for item in listed if item["id"] == cycle.id] == [body["turnout"]]
    # closed: counted on its last day, whichever day it is asked
    cycle.proposals_open, cycle.proposals_close = astana(20, 9, month=11), astana(30, 18, month=11)
    cycle.voting_open, cycle.voting_close = astana(1, 9), astana(6, 20)
    db.session.commit()
    closed = client.get(f"/api/v1/budget/cycles/{cycle.id}").get_json()["turnout"]
    assert closed == {"voted": 3, "eligible": 6, "percent": 50.0, "as_of": "2026-12-06"}  # not yet 18 on the 6th
    page = text(client.get(f"/budget/{cycle.id}?lang=en"))
    assert "3 of 6 eligible residents have voted (50%)" in words(page)
    assert "by the population registry, on December 6, 2026." in page


def test_turnout_is_not_shown_before_voting(client, make_cycle, registry, pinned):
    cycle = make_cycle("proposals", at=PINNED)
    page = text(client.get(f"/budget/{cycle.id}?lang=en"))
    assert 'id="turnout"' not in page and "eligible residents" not in page


def test_turnout_names_no_village_even_one_with_a_single_voter(client, make_cycle, registry, pinned):
    from extensions import db
    from kernel.territories import Territory

    db.session.add(
        Territory(
            kato="113243300", name_kk="Алғабас ауылы", name_ru="село Алгабас", level="settlement", parent=DISTRICT
        )
    )
    db.session.commit()
    cycle = voting_cycle(make_cycle, closes=astana(12, 20))
    add_ballots(cycle, 1, "113243300")  # Algabas: one voter
    add_ballots(cycle, 12, VILLAGE_2)
    for lang in ("kk", "ru", "en"):
        page = text(client.get(f"/budget/{cycle.id}?lang={lang}"))
        assert "Алғабас" not in page and "Алгабас" not in page
    assert "113243300" not in str(client.get(f"/api/v1/budget/cycles/{cycle.id}").get_json())


# --- the results chart: funded or not, the cost, the running total ---------------------------------


@pytest.fixture
def counted(make_cycle, officials, resident):
    """A counted cycle of 1,000,000 ₸: projects 600k and 300k funded (in that order), 500k and 200k not."""
    from extensions import db

    cycle = make_cycle(rule="greedy", amount=1_000_000)
    a, b, c, d = eligible_projects(
        cycle, resident(kato=VILLAGE_1), officials["officer"], [600_000, 500_000, 300_000, 200_000]
    )
    move_to(cycle, "counting")
    cycle.result = {
        "rule": "greedy",
        "amount": 1_000_000,
        "ballots": 12,
        "funded": [a, c],
        "not_funded": [
            {"id": b, "reason": {"kind": "did_not_fit", "left": 400_000}},
            {"id": d, "reason": {"kind": "no_votes"}},
        ],
        "votes": {str(a): 9, str(b): 7, str(c): 5, str(d): 0},
        "pb_sha256": "cd" * 32,
    }
    cycle.tallied_at = datetime.now(UTC)
    cycle.pb_file = "META\n"
    db.session.commit()
    return cycle, (a, b, c, d)


def table_rows(page: str) -> list[list[str]]:
    table = re.search(r'<table class="table" id="table-votes">(.*?)</table>', page).group(1)
    body = re.search(r"<tbody>(.*?)</tbody>", table).group(1)
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body)
    ]


@pytest.mark.parametrize(
    ("lang", "funded", "not_funded", "running", "dash"),
    [
        ("en", "Funded", "Not funded", "Running total: 900,000 ₸ of 1,000,000 ₸", "— not counted"),
        ("ru", "Профинансировано", "Не профинансировано", "Итого: 900 000 ₸ из 1 000 000 ₸", "— не учитывается"),
        ("kk", "Қаржыландырылды", "Қаржыландырылмады", "Жинақталғаны: 1 000 000 ₸ ішінен 900 000 ₸", "— есептелмейді"),
    ],
)
def test_the_results_chart_and_its_table_say_funded_or_not_with_cost_and_running_total(
    client, counted, lang, funded, not_funded, running, dash
):
    cycle, (a, b, c, d) = counted
    page = text(client.get(f"/budget/{cycle.id}/results?lang={lang}"))
    group = r'<g class="is-([\w-]+)" data-project="(\d+)">'
    assert [(kind, int(pid)) for kind, pid in re.findall(group, page)] == [
        ("funded", a),
        ("funded", c),
        ("not-funded", b),
        ("not-funded", d),
    ]  # the funded first, as chosen
    # not by colour alone: the word on every row, and a hatched bar for the not funded
    assert page.count('<text class="chart-status status-funded" x="0"') == 2
    assert re.findall(r'class="chart-status status-funded"[^>]*>([^<]*)<', page) == [
        f"{funded} · 600 000 ₸" if lang != "en" else f"{funded} · 600,000 ₸",
        f"{funded} · 300 000 ₸" if lang != "en" else f"{funded} · 300,000 ₸",
    ]
    assert len(re.findall(r'class="chart-status status-not-funded"[^>]*>' + re.escape(not_funded) + " · ", page)) == 2
    assert page.count('class="bar-not-funded"') == 2 and page.count('fill="url(#chart-votes-hatch)"') == 2
    assert running in page
    rows = table_rows(page)
    money = (lambda n: f"{n:,} ₸") if lang == "en" else (lambda n: f"{n:,} ₸".replace(",", " "))
    assert rows == [
        ["Жоба №1", "9", money(600_000), funded, money(600_000)],
        ["Жоба №3", "5", money(300_000), funded, money(900_000)],
        ["Жоба №2", "7", money(500_000), not_funded, dash],
        ["Жоба №4", "0", money(200_000), not_funded, dash],
    ]
    assert re.search(r"<tfoot>.*" + re.escape(money(1_000_000)) + r".*</tfoot>", page)


def test_the_running_total_fills_the_budget_track_from_where_the_last_left_off(client, counted):
    cycle, (a, b, c, d) = counted
    page = client.get(f"/budget/{cycle.id}/results?lang=en").get_data(as_text=True)
    first = re.search(rf'data-project="{a}">(.*?)</g>', page, re.S).group(1)
    second = re.search(rf'data-project="{c}">(.*?)</g>', page, re.S).group(1)
    assert re.search(r'class="budget-own" x="0.0" y="[\d.]+" width="192.0"', first)  # 600k of 1M of 320
    assert re.search(r'class="budget-before" x="0" y="[\d.]+" width="192.0"', second)
    assert re.search(r'class="budget-own" x="192.0" y="[\d.]+" width="96.0"', second)
    not_funded = re.search(rf'data-project="{b}">(.*?)</g>', page, re.S).group(1)
    assert "budget-track" not in not_funded
