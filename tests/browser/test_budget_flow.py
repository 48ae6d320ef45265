"""In a real browser on a phone: a village budget from proposal to results, every step EDS-signed; axe on its pages."""

from __future__ import annotations

import importlib.util
import re
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tests.browser.conftest import PageAudit, confirm_act
from tests.browser.test_login_browser import LANDED, sign_in
from tests.browser.test_petition_flow import ApiActor, grant, new_phone, no_overflow, translated_error
from tests.budgeting.conftest import schedule
from tests.conftest import pem_to_b64_der, sign_jws

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LANGS = ("kk", "ru", "en")
DISTRICT = "113243000"
KENES = "113243200"
DOMBYRALY = "113243100"
DESCRIPTION = "Кеңес ауылының орталық көшесіне 30 шам орнату: кешке балалар мектептен қараңғыда қайтады."


def shot(page, screenshots, name: str) -> None:
    page.screenshot(path=str(screenshots / f"budget-{name}.png"), full_page=True)


def second_village(server) -> None:
    from extensions import db
    from kernel.territories import Territory

    with server.app.app_context():
        db.session.add(Territory(kato=DOMBYRALY, name_kk="Домбыралы ауылы", name_ru="село Домбыралы",
                                 level="settlement", parent=DISTRICT))
        db.session.commit()
        db.session.remove()


def paper_voter(server, serial: int) -> str:
    """A registry person of Dombyraly with no EDS keys: they vote on paper."""
    from auth import services
    from auth.iin import make
    from extensions import db

    with server.app.app_context():
        iin = make(date(1958, 3, 8), "M", serial)
        services.add_person(iin=iin, surname="Әбілов", given_name="Серік", kato=DOMBYRALY)
        db.session.commit()
        db.session.remove()
    return iin


THIS_YEAR = datetime.now(UTC).year  # a cycle's phases (dated around now) fall within two years of its year


def make_cycle(server, year: int, phase: str = "proposals", **rules) -> int:
    from auth.access import CONSOLE
    from budgeting import services
    from extensions import db

    settings = {"amount": 1_000_000, "ballot": "approval", "rule": "greedy", "min_choices": None, "max_choices": None, **rules}
    now = datetime.now(UTC)
    with server.app.app_context():
        cycle = services.create_cycle(CONSOLE, kato=DISTRICT, year=year, now=now, **settings, **schedule(phase, now))
        db.session.commit()
        cycle_id = cycle.id
        db.session.remove()
    return cycle_id


def move(server, cycle_id: int, phase: str) -> None:
    """Phases come from the dates: rewrite them so that now is in `phase`."""
    from budgeting.models import BudgetCycle
    from extensions import db

    now = datetime.now(UTC)
    if phase == "counting":
        dates = schedule("counting", now)
        dates["voting_close"] = now - timedelta(seconds=5)
    else:
        dates = schedule(phase, now)
    with server.app.app_context():
        cycle = db.session.get(BudgetCycle, cycle_id)
        for name, value in dates.items():
            setattr(cycle, name, value)
        db.session.commit()
        db.session.remove()


def proposal_row(server, proposal_id: int):
    from budgeting.models import Proposal
    from extensions import db

    with server.app.app_context():
        row = db.session.get(Proposal, proposal_id)
        values = (row.state, row.checked_cost, row.implementation)
        db.session.remove()
    return values


def api_proposal(actor: ApiActor, cycle_id: int, title: str, cost: int, settlement: str, category: str) -> int:
    draft = actor.post(f"/budget/cycles/{cycle_id}/proposals", {
        "title": title, "description": DESCRIPTION, "category": category, "settlement": settlement, "cost": cost,
    }, expect=201)
    doc = {"type": "proposal", "id": draft["id"], "digest": draft["digest"]}
    actor.post(f"/budget/proposals/{draft['id']}/submit", {"jws": actor.jws({"purpose": "proposal.submit", "doc": doc})})
    return draft["id"]


@dataclass
class OfficialFiles:
    """An official's key files as `flask eds issue-official` writes them: official.key.pem, official.cert.pem."""

    key: Path
    cert: Path


def official_files(server, keys, role: str, scope: str) -> OfficialFiles:
    """Issue the official key set of one of a person's role grants and write its files beside their citizen keys."""
    from auth import services
    from auth.cli import write_official_key_set
    from auth.models import Person
    from extensions import db

    folder = keys.auth_key.parent / f"official-{role}"
    with server.app.app_context():
        grant = services.official_grant(keys.iin, role, scope)
        key_set = services.issue_official_key_set(db.session.get(Person, keys.iin), grant, "ec", datetime.now(UTC))
        db.session.commit()
        db.session.remove()
    write_official_key_set(key_set, folder)
    return OfficialFiles(key=folder / "official.key.pem", cert=folder / "official.cert.pem")


def act(actor: ApiActor, files: OfficialFiles, payload: dict) -> str:
    """An official act signed with the official's key files, as an outside program would (python-jose)."""
    x5c = [pem_to_b64_der(files.cert.read_bytes()), actor.issuing]
    return sign_jws({**payload, "iat": int(time.time())}, files.key.read_bytes(), {"x5c": x5c})


def proposal_doc(actor: ApiActor, proposal_id: int) -> dict:
    digest = actor.client.get(f"/api/v1/budget/proposals/{proposal_id}").get_json()["digest"]
    return {"type": "proposal", "id": proposal_id, "digest": digest}


def screen_eligible(actor: ApiActor, files: OfficialFiles, proposal_id: int, cost: int | None = None) -> None:
    decision = {"eligible": True} if cost is None else {"eligible": True, "cost": cost}
    payload = {"purpose": "proposal.screen", "doc": proposal_doc(actor, proposal_id), **decision}
    actor.post(f"/budget/proposals/{proposal_id}/screening", {"jws": act(actor, files, payload)})


def pick_official_files(page, files: OfficialFiles) -> None:
    """The page's official key pickers (one pair for every act on it): chosen again after each page load."""
    page.set_input_files("#official-key-file", str(files.key))
    page.set_input_files("#official-cert-file", str(files.cert))


def rules_ready() -> str | None:
    missing = [m for m in ("budgeting.allocation", "budgeting.pabulib") if importlib.util.find_spec(m) is None]
    return f"{', '.join(missing)} not written yet (another engineer's task): the tally cannot run" if missing else None


def run_tally(server) -> dict:
    from budgeting.jobs import tick

    with server.app.app_context():
        outcome = tick()
        from extensions import db

        db.session.remove()
    return outcome


def vote_on_page(page, keys, choose: list[int]) -> None:
    for pid in choose:
        page.check(f"#project-{pid}")
    page.set_input_files("#vote-key-file", str(keys.sign_key))
    page.set_input_files("#vote-cert-file", str(keys.sign_cert))


def test_village_budget_from_proposal_to_results_on_phones(live_server, browser, tmp_path, screenshots):
    second_village(live_server)
    author = live_server.citizen(tmp_path, surname="Жұмабаев", given_name="Ерлан", serial=3001)
    neighbour = live_server.citizen(tmp_path, surname="Ахметова", given_name="Гүлнар", serial=3002)
    officer = live_server.citizen(tmp_path, surname="Оспанова", given_name="Дана", serial=3003)
    secretary = live_server.citizen(tmp_path, surname="Қасымов", given_name="Бауыржан", serial=3004)
    first = live_server.citizen(tmp_path, surname="Сейтқалиева", given_name="Айгерім", serial=3005, key_type="rsa")
    second = live_server.citizen(tmp_path, surname="Нұрланов", given_name="Асхат", serial=3006)
    on_paper = paper_voter(live_server, 3007)
    grant(live_server, officer, "budget_officer", DISTRICT)
    grant(live_server, secretary, "secretary", DISTRICT)
    officer_files = official_files(live_server, officer, "budget_officer", DISTRICT)
    secretary_files = official_files(live_server, secretary, "secretary", DISTRICT)
    cycle_id = make_cycle(live_server, THIS_YEAR, max_choices=2)
    url = live_server.url
    contexts = []

    def phone_of(keys=None, lang="kk"):
        context, page = new_phone(browser)
        contexts.append(context)
        if keys is not None:
            sign_in(page, live_server, keys.auth_key, keys.auth_cert, lang=lang)
            page.wait_for_url(LANDED)
        return page

    try:
        # A neighbour's two proposals come through the API, as from the mobile app.
        neighbour_api = ApiActor(live_server, neighbour)
        playground = api_proposal(neighbour_api, cycle_id, "Домбыралыдағы балалар алаңы", 500_000, DOMBYRALY, "playgrounds_sport")
        well = api_proposal(neighbour_api, cycle_id, "Жаңа құдық", 450_000, DOMBYRALY, "water")
        hall = api_proposal(neighbour_api, cycle_id, "Жеке үйге шатыр", 200_000, KENES, "other")

        # The author proposes street lighting on the phone, then signs and submits it with EDS.
        page = phone_of(author)
        page.goto(f"{url}/budget/{cycle_id}")
        assert page.locator(".step-current").count() == 1
        shot(page, screenshots, "cycle-proposals")
        page.click("#propose-link")
        page.fill("#title", "Кеңес ауылына көше жарығы")
        page.fill("#description", DESCRIPTION)
        page.select_option("#category", "lighting")
        page.select_option("#settlement", KENES)
        page.fill("#cost", "400000")
        shot(page, screenshots, "propose")
        assert no_overflow(page) <= 0
        page.click("#save-proposal")
        page.wait_for_url(re.compile(r"/budget/proposals/\d+/submit$"))
        lighting = int(re.search(r"/budget/proposals/(\d+)/submit", page.url).group(1))
        page.set_input_files("#key-file", str(author.sign_key))
        page.set_input_files("#cert-file", str(author.sign_cert))
        shot(page, screenshots, "submit")
        page.click("#submit-sign")
        page.wait_for_url(re.compile(rf"/budget/{cycle_id}#proposal-{lighting}$"))
        assert page.locator(".flash-success").count() == 1
        assert proposal_row(live_server, lighting)[0] == "submitted"
        page.click("#follow")
        page.locator("#following").wait_for()

        # Screening: the officer checks the costs, rejects one with a reason.
        move(live_server, cycle_id, "screening")
        page = phone_of(officer)
        page.goto(f"{url}/budget/{cycle_id}/screening")
        shot(page, screenshots, "screening")
        assert no_overflow(page) <= 0
        # each decision is signed in the browser with the official key files (act-sign.js)
        page.click(f"#screen-{lighting}")  # no key files chosen: nothing is sent
        assert page.locator(f"#screen-eligible-{lighting} .status-error").inner_text()
        assert proposal_row(live_server, lighting)[0] == "submitted"
        for pid, cost in ((lighting, "380000"), (playground, None), (well, None)):
            if cost:
                page.fill(f"#p{pid}e-cost", cost)
            pick_official_files(page, officer_files)
            confirm_act(page, f"#screen-{pid}")
            page.wait_for_url(re.compile(rf"/screening#proposal-{pid}$"))
        page.fill(f"#p{hall}n-reason", "")
        pick_official_files(page, officer_files)
        confirm_act(page, f"#screen-no-{hall}")  # no reason: refused, in place
        page.locator(f"#p{hall}n-reason-error").wait_for()
        page.fill(f"#p{hall}n-reason", "Жеке үй — ауыл бюджетінен қаржыландырылмайды.")
        pick_official_files(page, officer_files)
        confirm_act(page, f"#screen-no-{hall}")
        page.wait_for_url(re.compile(rf"/screening#proposal-{hall}$"))
        assert proposal_row(live_server, lighting)[:2] == ("eligible", 380_000)
        assert proposal_row(live_server, hall)[0] == "ineligible"
        shot(page, screenshots, "screened")
        # the acts are public: who signed, when; the JWS whole
        public = ApiActor(live_server, neighbour).client.get(f"/api/v1/budget/proposals/{lighting}").get_json()
        assert [(a["purpose"], a["official"]["role"]) for a in public["acts"]] == [("proposal.screen", "budget_officer")]
        page.goto(f"{url}/budget/{cycle_id}?lang=en")
        page.click(f"#acts-{lighting} > summary")
        assert "ОСПАНОВА ДАНА" in page.inner_text(f"#acts-{lighting}")  # the certificate names her as the NCA does

        # Voting: two residents vote on their phones without signing in, one in Russian.
        move(live_server, cycle_id, "voting")
        page = phone_of()
        page.goto(f"{url}/budget/{cycle_id}/vote?lang=ru")
        assert page.locator(f"#project-{hall}").count() == 0
        vote_on_page(page, first, [lighting, playground, well])
        assert page.locator("#vote-submit").is_disabled()  # three of at most two
        assert page.locator("#ballot-check.status-error").inner_text()
        shot(page, screenshots, "vote-too-many")
        page.uncheck(f"#project-{well}")
        assert page.locator("#vote-submit").is_enabled()
        page.check("#vote-notify")
        page.click("#vote-submit")
        page.locator("#vote-receipt").wait_for()
        shot(page, screenshots, "voted")
        page = phone_of()
        page.goto(f"{url}/budget/{cycle_id}/vote?lang=ru")
        vote_on_page(page, first, [well])
        page.click("#vote-submit")
        error = page.locator("#vote-status.status-error")
        error.wait_for()
        assert error.inner_text() == translated_error(live_server, "ru", "already_voted")
        page = phone_of()
        page.goto(f"{url}/budget/{cycle_id}/vote")
        vote_on_page(page, second, [playground, well])
        page.click("#vote-submit")
        page.locator("#vote-receipt").wait_for()

        # The secretary records a paper ballot from the community meeting; the same voter twice is refused.
        page = phone_of(secretary, lang="en")
        page.goto(f"{url}/budget/{cycle_id}/paper?lang=en")
        page.fill("#voter-iin", on_paper)
        page.check(f"input[name=projects][value='{lighting}']")
        pick_official_files(page, secretary_files)
        shot(page, screenshots, "paper")
        confirm_act(page, "#record-paper")
        page.locator(".flash-success").wait_for()
        page.fill("#voter-iin", on_paper)
        page.check(f"input[name=projects][value='{well}']")
        pick_official_files(page, secretary_files)
        confirm_act(page, "#record-paper")
        assert "already voted" in page.locator(".flash-error").inner_text()
        assert on_paper not in page.content() and page.input_value("#voter-iin") == ""  # never shown again
        shot(page, screenshots, "paper-refused")

        # Voting closes; the scheduled job counts.
        move(live_server, cycle_id, "counting")
        missing = rules_ready()
        if missing:
            pytest.skip(missing)
        assert run_tally(live_server)["tallied"] == 1

        # lighting 2 votes (380 000), playground 2 (500 000): both, lower cost first; the well (1) no longer fits.
        for lang in LANGS:
            page = phone_of()
            page.goto(f"{url}/budget/{cycle_id}/results?lang={lang}")
            main = page.inner_text("main")
            assert "Кеңес ауылына көше жарығы" in main
            assert page.locator(".result-funded").count() == 2
            assert page.locator(".result-not-funded").count() == 1
            # funded and not funded told apart by a word and a hatched bar, not by colour alone
            assert page.locator("svg[role=img] .bar-funded").count() == 2
            assert page.locator("svg[role=img] .bar-not-funded").count() == 1
            assert re.fullmatch(r"[0-9a-f]{64}", page.locator("#pb-sha256").inner_text())
            assert no_overflow(page) <= 0
            if lang == "en":
                assert "did not fit the 120,000" in main
            shot(page, screenshots, f"results-{lang}")
        pb = page.request.get(f"{url}/api/v1/budget/cycles/{cycle_id}/ballots.pb")
        assert pb.ok

        # The officer records progress on a funded project; everyone sees it.
        page = phone_of(officer, lang="en")
        page.goto(f"{url}/budget/{cycle_id}/screening")
        page.select_option(f"#p{lighting}-status", "in_progress")
        page.fill(f"#p{lighting}-spent", "150000")
        pick_official_files(page, officer_files)
        confirm_act(page, f"#implementation-{lighting}")
        page.wait_for_url(re.compile(rf"/screening#proposal-{lighting}$"))
        page.goto(f"{url}/budget/{cycle_id}/results?lang=en")
        assert "spent 150,000" in page.inner_text(f"#project-{lighting}")
        shot(page, screenshots, "results-implementation")
    finally:
        for context in contexts:
            context.close()


def test_knapsack_ballot_shows_the_running_total_and_refuses_over_budget(live_server, phone, tmp_path, screenshots):
    second_village(live_server)
    neighbour = live_server.citizen(tmp_path, surname="Ахметова", given_name="Гүлнар", serial=3101)
    officer = live_server.citizen(tmp_path, surname="Оспанова", given_name="Дана", serial=3102)
    voter = live_server.citizen(tmp_path, surname="Нұрланов", given_name="Асхат", serial=3103)
    grant(live_server, officer, "budget_officer", DISTRICT)
    officer_files = official_files(live_server, officer, "budget_officer", DISTRICT)
    cycle_id = make_cycle(live_server, THIS_YEAR, ballot="knapsack", rule="mes")
    actor, checker = ApiActor(live_server, neighbour), ApiActor(live_server, officer)
    ids = [api_proposal(actor, cycle_id, title, cost, place, category) for title, cost, place, category in (
        ("Мектеп алдындағы жаяу жүргіншілер жолы", 600_000, KENES, "roads"),
        ("Домбыралыдағы спорт алаңы", 350_000, DOMBYRALY, "playgrounds_sport"),
        ("Мәдениет үйіне жаңа орындықтар", 200_000, KENES, "culture"),
    )]
    for pid in ids:
        screen_eligible(checker, officer_files, pid)
    move(live_server, cycle_id, "voting")
    page = phone
    page.goto(f"{live_server.url}/budget/{cycle_id}/vote?lang=en")
    assert page.locator("#vote-submit").is_disabled()  # nothing chosen yet
    page.check(f"#project-{ids[0]}")
    page.check(f"#project-{ids[1]}")
    assert page.locator("#ballot-bar").evaluate("b => b.value") == 950_000
    assert "50,000" in page.inner_text("#ballot-check")
    assert page.locator(f".ballot-item.too-big #project-{ids[2]}").count() == 1
    page.check(f"#project-{ids[2]}")  # 1 150 000 > 1 000 000
    assert page.locator("#vote-submit").is_disabled()
    assert page.locator("#ballot-bar.over").count() == 1
    assert "150,000" in page.inner_text("#ballot-check")
    page.screenshot(path=str(screenshots / "budget-knapsack-over-viewport.png"))  # the total stays in view
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # the sticky total back in its place
    shot(page, screenshots, "knapsack-over")
    assert no_overflow(page) <= 0
    page.uncheck(f"#project-{ids[0]}")
    assert page.locator("#vote-submit").is_enabled()
    shot(page, screenshots, "knapsack")
    page.set_input_files("#vote-key-file", str(voter.sign_key))
    page.set_input_files("#vote-cert-file", str(voter.sign_cert))
    page.click("#vote-submit")
    page.locator("#vote-receipt").wait_for()


def seen(page, selector: str) -> str:
    """The text as the reader sees it: the no-break spaces Intl and babel group digits with are spaces."""
    return page.inner_text(selector).replace("\u00a0", " ").replace("\u202f", " ")


def test_paper_ballot_keeps_the_running_total_and_shows_the_voters_name(live_server, phone, tmp_path, screenshots):
    """The secretary's form on a phone: the ticked costs add up against the budget as on the online
    ballot, and the 12 digits of the IIN bring the registry's name (or why the ballot would be
    refused) to check against the identity card; the IIN travels in a POST body only."""
    second_village(live_server)
    neighbour = live_server.citizen(tmp_path, surname="Ахметова", given_name="Гүлнар", serial=3301)
    officer = live_server.citizen(tmp_path, surname="Оспанова", given_name="Дана", serial=3302)
    secretary = live_server.citizen(tmp_path, surname="Қасымов", given_name="Бауыржан", serial=3303)
    online = live_server.citizen(tmp_path, surname="Нұрланов", given_name="Асхат", serial=3304)
    on_paper = paper_voter(live_server, 3305)  # Әбілов Серік of Dombyraly, no EDS keys
    grant(live_server, officer, "budget_officer", DISTRICT)
    grant(live_server, secretary, "secretary", DISTRICT)
    officer_files = official_files(live_server, officer, "budget_officer", DISTRICT)
    secretary_files = official_files(live_server, secretary, "secretary", DISTRICT)
    cycle_id = make_cycle(live_server, THIS_YEAR, ballot="knapsack", rule="greedy")
    actor, checker = ApiActor(live_server, neighbour), ApiActor(live_server, officer)
    road, sport, chairs = [api_proposal(actor, cycle_id, title, cost, place, category) for title, cost, place, category in (
        ("Мектеп алдындағы жаяу жүргіншілер жолы", 600_000, KENES, "roads"),
        ("Домбыралыдағы спорт алаңы", 350_000, DOMBYRALY, "playgrounds_sport"),
        ("Мәдениет үйіне жаңа орындықтар", 200_000, KENES, "culture"),
    )]
    for pid in (road, sport, chairs):
        screen_eligible(checker, officer_files, pid)
    move(live_server, cycle_id, "voting")
    voter = ApiActor(live_server, online)
    voter.post(f"/budget/cycles/{cycle_id}/ballots",
               {"jws": voter.jws({"purpose": "ballot.cast", "ballot": {"cycle": cycle_id, "projects": [sport]}})}, expect=201)

    page = phone
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    sign_in(page, live_server, secretary.auth_key, secretary.auth_cert, lang="en")
    page.wait_for_url(LANDED)
    page.goto(f"{live_server.url}/budget/{cycle_id}/paper?lang=en")
    assert seen(page, "#paper-total") == "Chosen: 0 ₸ of 1,000,000 ₸"

    # the running total, as on the online ballot
    page.check(f"input[name=projects][value='{road}']")
    page.check(f"input[name=projects][value='{sport}']")
    assert seen(page, "#paper-total") == "Chosen: 950,000 ₸ of 1,000,000 ₸"
    assert page.locator("#paper-bar").evaluate("b => b.value") == 950_000
    assert seen(page, "#paper-check") == "50,000 ₸ left"
    page.check(f"input[name=projects][value='{chairs}']")
    assert page.locator("#paper-bar.over").count() == 1
    assert "Over the budget by 150,000 ₸" in seen(page, "#paper-check.status-error")
    shot(page, screenshots, "paper-over")
    page.uncheck(f"input[name=projects][value='{road}']")
    assert seen(page, "#paper-total") == "Chosen: 550,000 ₸ of 1,000,000 ₸"
    assert page.locator("#paper-check.status-error").count() == 0

    # the voter's name from the registry, once the 12 digits are in
    page.fill("#voter-iin", on_paper[:11])
    assert seen(page, "#voter-check") == ""
    page.fill("#voter-iin", on_paper)
    page.locator("#voter-check.voter-ok .voter-name").wait_for()
    assert page.inner_text("#voter-check .voter-name") == "Әбілов Серік"
    assert "may vote. Check the name against the identity card." in seen(page, "#voter-check")
    shot(page, screenshots, "paper-voter")
    assert no_overflow(page) <= 0
    page.fill("#voter-iin", online.iin)  # voted online already
    page.locator("#voter-check.voter-refused .voter-name").wait_for()
    assert page.inner_text("#voter-check .voter-name") == "Нұрланов Асхат"
    assert "has already voted in this budget" in seen(page, "#voter-check")
    page.fill("#voter-iin", secretary.iin)
    page.locator("#voter-check.voter-refused").wait_for()
    assert "You cannot record your own ballot" in seen(page, "#voter-check")
    page.fill("#voter-iin", "123456789012")
    page.locator("#voter-check.voter-refused").wait_for()
    assert seen(page, "#voter-check") == "Enter the 12 digits of a valid IIN."
    shot(page, screenshots, "paper-voter-invalid")

    # the ballot of the person checked is recorded as before
    page.fill("#voter-iin", on_paper)
    page.locator("#voter-check.voter-ok").wait_for()
    pick_official_files(page, secretary_files)
    page.click("#record-paper")  # what will be signed, the registry's name beside the IIN typed
    page.locator("#act-confirm").wait_for(state="visible")
    assert "Әбілов Серік" in page.inner_text("#act-confirm")
    page.click("#act-confirm-yes")
    page.locator(".flash-success").wait_for()
    assert page.input_value("#voter-iin") == "" and seen(page, "#voter-check") == ""
    for iin in (on_paper, online.iin, secretary.iin):
        assert not [url for url in urls if iin in url], "an IIN went into a URL"
        assert iin not in page.content()

    # in Kazakh, the default language
    page.goto(f"{live_server.url}/budget/{cycle_id}/paper?lang=kk")
    page.check(f"input[name=projects][value='{sport}']")
    assert seen(page, "#paper-total") == "Таңдалды: 1 000 000 ₸ ішінен 350 000 ₸"
    page.fill("#voter-iin", online.iin)
    page.locator("#voter-check.voter-refused .voter-name").wait_for()
    assert "бұл бюджетте дауыс беріп қойған" in seen(page, "#voter-check")
    shot(page, screenshots, "paper-voter-kk")
    assert no_overflow(page) <= 0


# --- axe -----------------------------------------------------------------------------


def publish_result(server, cycle_id: int, result: dict) -> None:
    """A frozen result as the tally writes it (set directly, so these pages do not depend on the tally)."""
    from budgeting.lifecycle import CYCLE
    from budgeting.models import BudgetCycle
    from extensions import db

    with server.app.app_context():
        cycle = db.session.get(BudgetCycle, cycle_id)
        cycle.result, cycle.pb_file, cycle.pb_sha256 = result, "META\n", result["pb_sha256"]
        cycle.tallied_at = datetime.now(UTC)
        CYCLE.move(cycle, "publish")
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize("lang", LANGS)
def test_budget_pages_pass_axe_on_a_phone(live_server, phone, tmp_path, screenshots, lang):

    second_village(live_server)
    official = live_server.citizen(tmp_path, surname="Оспанова", given_name="Дана", serial=3201)
    grant(live_server, official, "budget_officer", DISTRICT)
    grant(live_server, official, "secretary", DISTRICT)
    officer_files = official_files(live_server, official, "budget_officer", DISTRICT)
    # An officer never screens their own proposal: a neighbour proposes what is screened here.
    neighbour = ApiActor(live_server, live_server.citizen(tmp_path, surname="Ахметова", given_name="Гүлнар", serial=3209))
    actor = ApiActor(live_server, official)
    proposing = make_cycle(live_server, THIS_YEAR - 1)
    voting = make_cycle(live_server, THIS_YEAR, ballot="knapsack")
    counted = make_cycle(live_server, THIS_YEAR + 1, rule="mes", min_choices=1, max_choices=3)
    ids = {}
    for cycle_id in (proposing, voting, counted):
        ids[cycle_id] = [api_proposal(neighbour, cycle_id, title, cost, place, category) for title, cost, place, category in (
            ("Кеңес ауылына көше жарығы", 400_000, KENES, "lighting"),
            ("Домбыралыдағы балалар алаңы", 500_000, DOMBYRALY, "playgrounds_sport"),
            ("Жаңа құдық", 300_000, DOMBYRALY, "water"),
            ("Жеке үйге шатыр", 200_000, KENES, "other"),
        )]
    draft = actor.post(f"/budget/cycles/{proposing}/proposals", {
        "title": "Аялдамаға шатыр", "description": DESCRIPTION, "category": "roads", "settlement": KENES, "cost": 90_000,
    }, expect=201)
    for cycle_id in (voting, counted):
        a, b, c, d = ids[cycle_id]
        for pid in (a, b, c):
            screen_eligible(actor, officer_files, pid)
        refusal = {"purpose": "proposal.screen", "doc": proposal_doc(actor, d), "eligible": False, "reason": "Жеке меншік."}
        actor.post(f"/budget/proposals/{d}/screening", {"jws": act(actor, officer_files, refusal)})
    screen_eligible(actor, officer_files, ids[proposing][0], 380_000)
    move(live_server, voting, "voting")
    move(live_server, counted, "counting")
    a, b, c, _ = ids[counted]
    publish_result(live_server, counted, {
        "rule": "mes", "amount": 1_000_000, "ballots": 12, "funded": [c, a],
        "not_funded": [{"id": b, "reason": {"kind": "not_affordable"}}],
        "votes": {str(a): 7, str(b): 8, str(c): 5}, "pb_sha256": "0f" * 32, "greedy_funded": [b, a],
    })

    page = phone
    audit = PageAudit(page, live_server.url, lang, screenshots, prefix="budget-axe-")
    check = audit.check

    check("list", "/budget")
    check("cycle-proposals", f"/budget/{proposing}")
    check("cycle-voting", f"/budget/{voting}")
    check("vote", f"/budget/{voting}/vote")
    page.check(f"#project-{ids[voting][0]}")
    page.check(f"#project-{ids[voting][1]}")
    page.check(f"#project-{ids[voting][2]}")  # over the budget: the explanation shows
    audit.here("vote-over")
    check("results", f"/budget/{counted}/results")
    check("cycle-results", f"/budget/{counted}")
    sign_in(page, live_server, official.auth_key, official.auth_cert, lang=lang)
    page.wait_for_url(LANDED)
    check("propose", f"/budget/{proposing}/propose")
    page.click("#save-proposal")  # empty: every field shows its error
    page.locator(".field-error").first.wait_for()
    audit.here("propose-errors")
    check("submit", f"/budget/proposals/{draft['id']}/submit")
    check("screening", f"/budget/{proposing}/screening")
    check("implementation", f"/budget/{counted}/screening")
    check("paper", f"/budget/{voting}/paper")
    check("new", "/budget/new")
    audit.assert_clean()
