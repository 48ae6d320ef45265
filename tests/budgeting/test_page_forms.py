"""The budget page forms say what is wrong where it is wrong, and choose nothing an official or a
resident decides (issue 15, "forms that guess wrong"), in kk, ru and en: an empty date of a new cycle
says it is missing, once, on its own field; dates out of order say so once, on the date out of order;
the ballot and the counting rule are chosen by the officer; a proposal starts in the resident's own
village, with its hint and its error writing their limits alike."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.budgeting.conftest import DISTRICT, VILLAGE_1
from tests.petitions.test_after_answer_pages import words
from tests.petitions.test_page_forms import number
from tests.petitions.test_pages import sign_in_page

LANGS = ("kk", "ru", "en")
DATES = ("proposals_open", "proposals_close", "voting_open", "voting_close")
ORDER = "The dates must come in order: proposals open, proposals close, voting opens, voting closes."
MISSING = {
    "proposals_open": "Enter the day and time proposals open.",
    "proposals_close": "Enter the day and time proposals close.",
    "voting_open": "Enter the day and time voting opens.",
    "voting_close": "Enter the day and time voting closes.",
}


def cycle_data(**overrides) -> dict:
    return {
        "kato": DISTRICT,
        "year": "2031",
        "amount": "5000000",
        "ballot": "approval",
        "rule": "greedy",
        "proposals_open": "2031-03-01T09:00",
        "proposals_close": "2031-03-31T18:00",
        "voting_open": "2031-04-10T09:00",
        "voting_close": "2031-04-20T20:00",
        **overrides,
    }


def html(response) -> str:
    return response.get_data(as_text=True)


def field_error(page: str, name: str) -> str | None:
    found = re.search(rf'<p class="field-error" id="{name}-error">(.*?)</p>', page)
    return found.group(1) if found else None


def cycles() -> int:
    from budgeting.models import BudgetCycle
    from extensions import db

    db.session.expire_all()
    return db.session.scalar(select(func.count(BudgetCycle.id)))


@pytest.mark.parametrize("lang", LANGS)
def test_empty_dates_each_say_they_are_missing_once_on_their_own_field(client, officials, lang):
    sign_in_page(client, officials["officer"])
    response = client.post(f"/budget/new?lang={lang}", data=cycle_data(**dict.fromkeys(DATES, "")))
    assert response.status_code == 422 and cycles() == 0
    page = html(response)
    for name in DATES:
        assert field_error(page, name) == words(lang, MISSING[name]), name
        assert page.count(words(lang, MISSING[name])) == 2  # under its field, and in the summary at the top
    assert words(lang, ORDER) not in page
    summary = re.search(r'<section class="error-summary".*?</section>', page, re.S).group(0)
    assert [f"#{name}" for name in DATES] == re.findall(r'href="(#[^"]+)"', summary)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    ("late", "value"),
    [
        ("proposals_close", "2031-02-01T09:00"),
        ("voting_open", "2031-03-15T09:00"),
        ("voting_close", "2031-04-10T09:00"),
    ],
)
def test_dates_out_of_order_say_so_once_on_the_date_out_of_order(client, officials, lang, late, value):
    sign_in_page(client, officials["officer"])
    response = client.post(f"/budget/new?lang={lang}", data=cycle_data(**{late: value}))
    assert response.status_code == 422 and cycles() == 0
    page = html(response)
    assert field_error(page, late) == words(lang, ORDER)
    assert [name for name in DATES if field_error(page, name)] == [late]
    assert page.count(words(lang, ORDER)) == 2  # under the field, and in the summary


@pytest.mark.parametrize("lang", LANGS)
def test_the_ballot_and_the_counting_rule_are_the_officers_choice(client, officials, lang):
    sign_in_page(client, officials["officer"])
    page = html(client.get(f"/budget/new?lang={lang}"))
    for name in ("ballot", "rule"):
        assert re.findall(rf'<input[^>]*name="{name}"[^>]*>', page), name
        assert not re.findall(rf'<input checked[^>]*name="{name}"', page), name  # nothing chosen for them
    response = client.post(f"/budget/new?lang={lang}", data=cycle_data(ballot="", rule=""))
    assert response.status_code == 422 and cycles() == 0
    page = html(response)
    assert field_error(page, "ballot") == words(lang, "Choose the ballot.")
    assert field_error(page, "rule") == words(lang, "Choose the counting rule.")
    summary = re.search(r'<section class="error-summary".*?</section>', page, re.S).group(0)
    assert 'href="#ballot-0"' in summary and 'href="#rule-0"' in summary


@pytest.mark.parametrize("lang", LANGS)
def test_a_proposal_starts_in_the_residents_village_and_its_limits_read_alike(client, make_cycle, resident, lang):
    cycle = make_cycle("proposals")
    sign_in_page(client, resident(kato=VILLAGE_1))
    page = html(client.get(f"/budget/{cycle.id}/propose?lang={lang}"))
    settlement = re.search(r'<select[^>]* id="settlement"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'<option selected value="([^"]*)">', settlement) == [VILLAGE_1]  # WTForms' attribute order
    category = re.search(r'<select[^>]* id="category"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert "selected" not in category  # the proposer's choice
    hint = re.search(r'<p class="hint" id="description-hint">(.*?)</p>', page).group(1)
    short = client.post(
        f"/budget/{cycle.id}/propose?lang={lang}",
        data={
            "title": "Көше жарығы",
            "description": "Қысқа.",
            "category": "lighting",
            "settlement": VILLAGE_1,
            "cost": "300000",
        },
    )
    assert short.status_code == 422
    error = field_error(html(short), "description")
    for text in (hint, error):
        assert number(lang, 20) in text and number(lang, 5000) in text, (lang, text)


def test_a_new_cycle_proposes_the_districts_first_year_without_one(client, officials, make_cycle):
    """One cycle a district a year: with this year's (and next year's) under way, the form proposes the
    year after, not a year the service would refuse."""
    from datetime import UTC, datetime

    from kernel.kazakhstan_time import KAZAKHSTAN

    this_year = datetime.now(UTC).astimezone(KAZAKHSTAN).year
    sign_in_page(client, officials["officer"])
    proposed = re.compile(r'<input[^>]*name="year"[^>]*value="(\d+)"')
    assert proposed.search(html(client.get("/budget/new?lang=en"))).group(1) == str(this_year)
    make_cycle("proposals", year=this_year)
    make_cycle("proposals", year=this_year + 1)
    assert proposed.search(html(client.get("/budget/new?lang=en"))).group(1) == str(this_year + 2)
