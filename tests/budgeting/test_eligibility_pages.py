"""Who may not take part in a village budget is told so before any form is filled (issue 15, item 7),
with the Flask test client in kk, ru and en: a 16-year-old resident and an adult of another rural
district read the rule (DOMAIN.md: residents of the rural district aged 18+ propose and vote) on the
cycle's page, the proposal form and the ballot, and get neither form nor button; the API's refusals
keep their codes (API.md) and say the same. No page prints the person's IIN or birth date."""

from __future__ import annotations

from datetime import UTC, date, datetime
from html import unescape

import pytest
from sqlalchemy import func, select

from tests.budgeting.conftest import (
    OTHER_VILLAGE,
    VILLAGE_1,
    VILLAGE_2,
    ballot_jws,
    eligible_projects,
    move_to,
    proposal_body,
)
from tests.petitions.test_after_answer_pages import _request, words
from tests.petitions.test_pages import sign_in_page, sign_out_page

LANGS = ("kk", "ru", "en")
DISTRICT_NAMES = {"kk": "Кеңес ауылдық округі", "ru": "Кенесский сельский округ", "en": "Кеңес ауылдық округі"}
PROPOSE_AGE = (
    "Projects can be proposed by residents of %(place)s aged %(age)d and over. "
    "By the population registry you are not %(age)d yet."
)
PROPOSE_PLACE = (
    "Projects can be proposed by residents of %(place)s aged %(age)d and over. "
    "By the population registry you do not live in this rural district."
)
VOTE_AGE = (
    "Residents of %(place)s aged %(age)d and over vote in its budget. "
    "By the population registry you are not %(age)d yet."
)
VOTE_PLACE = (
    "Residents of %(place)s aged %(age)d and over vote in its budget. "
    "By the population registry you do not live in this rural district."
)


def sixteen_years_ago() -> date:
    today = date.today()
    return today.replace(year=today.year - 16, day=min(today.day, 28))


@pytest.fixture
def teenager(resident):
    """A 16-year-old of a village of the cycle's rural district."""
    return resident(kato=VILLAGE_2, born=sixteen_years_ago())


@pytest.fixture
def outsider(resident, other_district):
    """An adult of another rural district."""
    return resident(kato=OTHER_VILLAGE)


def page(client, path: str, lang: str, status: int = 200) -> str:
    """The page's HTML, its character references read back."""
    response = client.get(f"{path}?lang={lang}")
    assert response.status_code == status, path
    return unescape(response.get_data(as_text=True))


def rule(lang: str, text: str) -> str:
    return words(lang, text, place=DISTRICT_NAMES[lang], age=18)


def private_facts_absent(html: str, citizen, born: date | None = None) -> None:
    assert citizen.iin not in html
    if born is not None:
        assert born.isoformat() not in html and born.strftime("%d.%m.%Y") not in html


def proposal_count() -> int:
    from budgeting.models import Proposal
    from extensions import db

    return db.session.scalar(select(func.count()).select_from(Proposal))


CASES = [("teenager", PROPOSE_AGE, VOTE_AGE), ("outsider", PROPOSE_PLACE, VOTE_PLACE)]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("who", "propose_rule", "vote_rule"), CASES)
def test_proposals_phase_says_who_may_propose_before_the_form(
    request, client, make_cycle, resident, lang, who, propose_rule, vote_rule
):
    cycle = make_cycle("proposals")
    person = request.getfixturevalue(who)
    born = sixteen_years_ago() if who == "teenager" else None
    sign_in_page(client, person)
    html = page(client, f"/budget/{cycle.id}", lang)
    assert rule(lang, propose_rule) in html and 'id="take-part-refusal"' in html
    assert 'id="propose-link"' not in html
    private_facts_absent(html, person, born)

    html = page(client, f"/budget/{cycle.id}/propose", lang)
    assert rule(lang, propose_rule) in html and 'id="propose-refusal"' in html
    assert 'id="proposal-form"' not in html and 'name="title"' not in html
    private_facts_absent(html, person, born)
    posted = client.post(f"/budget/{cycle.id}/propose?lang={lang}", data={**proposal_body(), "cost": "300000"})
    assert posted.status_code == 403
    assert rule(lang, propose_rule) in unescape(posted.get_data(as_text=True))
    assert proposal_count() == 0

    sign_in_page(client, resident(kato=VILLAGE_1))  # an adult resident gets the button and the form
    assert 'id="propose-link"' in page(client, f"/budget/{cycle.id}", lang)
    assert 'id="proposal-form"' in page(client, f"/budget/{cycle.id}/propose", lang)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("who", "propose_rule", "vote_rule"), CASES)
def test_voting_phase_says_who_may_vote_before_the_ballot(
    request, client, make_cycle, officials, resident, lang, who, propose_rule, vote_rule
):
    cycle = make_cycle("voting")
    eligible_projects(cycle, resident(kato=VILLAGE_1), officials["officer"], [300_000, 200_000])
    move_to(cycle, "voting")
    person = request.getfixturevalue(who)
    born = sixteen_years_ago() if who == "teenager" else None
    assert 'id="ballot"' in page(client, f"/budget/{cycle.id}/vote", lang)  # anyone: the JWS names the voter
    sign_in_page(client, person)
    html = page(client, f"/budget/{cycle.id}", lang)
    assert rule(lang, vote_rule) in html and 'id="vote-link"' not in html
    html = page(client, f"/budget/{cycle.id}/vote", lang)
    assert rule(lang, vote_rule) in html and 'id="vote-refusal"' in html
    assert 'id="ballot"' not in html and "budget-vote.js" not in html and 'id="vote-key-file"' not in html
    private_facts_absent(html, person, born)


@pytest.mark.parametrize("lang", LANGS)
def test_one_who_voted_reads_so_instead_of_the_ballot(client, make_cycle, officials, resident, lang):
    from kernel.errors import DomainError

    cycle = make_cycle("voting")
    ids = eligible_projects(cycle, resident(kato=VILLAGE_1), officials["officer"], [300_000])
    move_to(cycle, "voting")
    voter = resident(kato=VILLAGE_2)
    sign_in_page(client, voter)
    assert 'id="ballot"' in page(client, f"/budget/{cycle.id}/vote", lang)
    cast = client.post(f"/api/v1/budget/cycles/{cycle.id}/ballots", json={"jws": ballot_jws(voter, cycle.id, ids)})
    assert cast.status_code == 201
    with _request(lang):
        voted = DomainError("already_voted").message
    for path in (f"/budget/{cycle.id}", f"/budget/{cycle.id}/vote"):
        html = page(client, path, lang)
        assert voted in html and 'id="ballot"' not in html and 'id="vote-link"' not in html, path
    sign_out_page(client)


@pytest.mark.parametrize("lang", LANGS)
def test_the_api_keeps_its_codes_and_says_the_same_rule(
    client, make_cycle, officials, resident, teenager, outsider, actor, lang
):
    cycle = make_cycle("proposals")
    for person, code, text in ((teenager, "not_eligible", PROPOSE_AGE), (outsider, "not_resident", PROPOSE_PLACE)):
        response = actor(person).client.post(
            f"/api/v1/budget/cycles/{cycle.id}/proposals?lang={lang}",
            json=proposal_body(),
            headers=actor(person).auth,
        )
        assert response.status_code == 403
        assert response.get_json()["error"] == {"code": code, "message": rule(lang, text)}
    ids = eligible_projects(cycle, resident(kato=VILLAGE_1), officials["officer"], [300_000])
    move_to(cycle, "voting", datetime.now(UTC))
    for person, code, text in ((teenager, "not_eligible", VOTE_AGE), (outsider, "not_resident", VOTE_PLACE)):
        response = client.post(
            f"/api/v1/budget/cycles/{cycle.id}/ballots?lang={lang}", json={"jws": ballot_jws(person, cycle.id, ids)}
        )
        assert response.status_code == 403
        assert response.get_json()["error"] == {"code": code, "message": rule(lang, text)}
