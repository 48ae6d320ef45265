"""On a 390×844 phone: the header stays under 120 px for every role in kk, ru and en and its menu works;
no GET page of the URL map scrolls sideways; every page's weight (HTML + CSS + JS), the signing page's
under 100 KB. On a desktop: the menu's links show in a row and the charts' text keeps to the type scale."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from tests.browser.conftest import KeyFiles
from tests.browser.test_login_browser import LANDED, sign_in
from tests.budgeting.conftest import move_to, proposal_body, schedule, screen_jws, submit_jws
from tests.conftest import Citizen, _pem_blocks, pem_to_b64_der

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LANGS = ("kk", "ru", "en")
PHONE_390 = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
HEADER_MAX = 120  # px, with the menu closed
SIGNING_PAGE_MAX = 100_000  # bytes of HTML + CSS + JS, uncompressed
DISTRICT, KENES, DOMBYRALY, OTHER_DISTRICT = "113243000", "113243200", "113243100", "113245000"
PETITION_STATES = (
    "draft",
    "moderation",
    "rejected",
    "restricted",
    "lapsed",
    "open",
    "closed",
    "under_review",
    "answered",
)
PHASES = ("scheduled", "proposals", "screening", "voting", "counting", "results")
# role: the grants of a person with that role; the admin also reviews, moderates and draws up budgets (the most links)
ROLES = {
    "citizen": (),
    "moderator": (("moderator", None),),
    "reviewer": (("reviewer", "government"),),
    "budget_officer": (("budget_officer", DISTRICT),),
    "secretary": (("secretary", DISTRICT),),
    "admin": (("admin", None), ("reviewer", "government"), ("moderator", None), ("budget_officer", DISTRICT)),
}
# the menu's links each role has beside Home, Petitions, Village budgets, My petitions, Inbox and the account
ROLE_LINKS = {
    "citizen": set(),
    "moderator": {"/moderation"},
    "reviewer": {"/review"},
    "budget_officer": {"/budget/new"},
    "secretary": set(),
    "admin": {"/moderation", "/review", "/budget/new", "/admin/calendar", "/admin/audit"},
}
EVERYONE_LINKS = {"/", "/petitions", "/budget", "/my/petitions", "/inbox", "/account"}


@dataclass
class Holder:
    """A registry person of the scene: their key files (to sign in in the browser) and signer (to sign acts)."""

    keys: KeyFiles
    citizen: Citizen

    @property
    def iin(self) -> str:
        return self.keys.iin


def holder(server, tmp_path, serial: int, roles=(), kato: str = KENES, given_name: str = "Айгерім") -> Holder:
    from auth import services
    from auth.instance_ca import certification_authority
    from extensions import db

    keys = server.citizen(tmp_path, serial=serial, given_name=given_name)
    with server.app.app_context():
        from auth.models import Person

        db.session.get(Person, keys.iin).kato = kato
        for role, scope in roles:
            services.grant_role(keys.iin, role, scope, datetime.now(UTC))
        db.session.commit()
        chain = [pem_to_b64_der(block) for block in _pem_blocks(certification_authority().chain_pem())]
        db.session.remove()
    citizen = Citizen(
        iin=keys.iin,
        auth_key=keys.auth_key.read_bytes(),
        auth_cert=keys.auth_cert.read_bytes(),
        sign_key=keys.sign_key.read_bytes(),
        sign_cert=keys.sign_cert.read_bytes(),
        chain=chain,
    )
    return Holder(keys, citizen)


def phone_page(browser, size=PHONE_390):
    context = browser.new_context(
        viewport=size, device_scale_factor=2, is_mobile=size is PHONE_390, has_touch=size is PHONE_390
    )
    context.set_default_timeout(15_000)
    return context, context.new_page()


def signed_in(browser, server, person: Holder, size=PHONE_390):
    context, page = phone_page(browser, size)
    sign_in(page, server, person.keys.auth_key, person.keys.auth_cert, lang="kk")
    page.wait_for_url(LANDED)
    return context, page


def header_height(page) -> float:
    return page.evaluate("document.querySelector('header.site-header').getBoundingClientRect().height")


def menu_hrefs(page) -> set[str]:
    return set(page.locator("nav.main-nav a").evaluate_all("links => links.map(a => a.getAttribute('href'))"))


# --- (a) the header on a phone, for every role and language ------------------------------------------------


@pytest.mark.parametrize("role", list(ROLES))
def test_the_phone_header_is_one_short_row_for_every_role_and_its_menu_works(
    live_server, browser, tmp_path, screenshots, role
):
    person = holder(live_server, tmp_path, 2001, ROLES[role], given_name="Гүлнұр")
    context, page = signed_in(browser, live_server, person)
    heights = {}
    try:
        for lang in LANGS:
            page.goto(f"{live_server.url}/?lang={lang}")
            heights[lang] = header_height(page)
            assert heights[lang] < HEADER_MAX, f"{role}, {lang}: the header is {heights[lang]:.0f} px tall"
            page.screenshot(
                path=str(screenshots / f"header-{role}-{lang}.png"), clip={"x": 0, "y": 0, "width": 390, "height": 300}
            )
            # the language switch: one tap, each language a target of at least 44×44 px inside the header
            for code in LANGS:
                button = page.locator(f".lang-switch button[value={code}]")
                assert button.is_visible(), (lang, code)
                box = button.bounding_box()
                assert box["height"] >= 44 and box["width"] >= 44, (lang, code, box)
                assert box["y"] + box["height"] <= heights[lang], (lang, code, box)
            # the menu is closed: its links are not on the page until it is opened
            summary = page.locator("header details.menu > summary")
            assert summary.is_visible() and summary.get_attribute("aria-expanded") in (None, "false")
            assert not page.locator("nav.main-nav a[href='/petitions']").is_visible()
            assert menu_hrefs(page) == EVERYONE_LINKS | ROLE_LINKS[role], lang
            summary.click()
            assert page.locator("header details.menu").evaluate("d => d.open")
            links = page.locator("nav.main-nav a")
            for i in range(links.count()):
                link = links.nth(i)
                assert link.is_visible(), (lang, link.get_attribute("href"))
                box = link.bounding_box()
                assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= PHONE_390["width"], box
            sign_out = page.locator("nav.main-nav button[type=submit]")
            assert sign_out.is_visible() and sign_out.bounding_box()["height"] >= 44
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_390["width"]
            page.screenshot(path=str(screenshots / f"header-{role}-{lang}-open.png"))
            # a link of the menu takes you there
            with page.expect_navigation(url=re.compile(r"/inbox$")):
                page.locator("nav.main-nav a[href='/inbox']").click()
            assert not page.locator("nav.main-nav a[href='/inbox']").is_visible()  # closed again on the new page
        print(f"\nheader height at 390×844, {role}: " + ", ".join(f"{lang} {h:.0f} px" for lang, h in heights.items()))

        # the keyboard: Tab reaches the menu, Enter opens it, the next Tab is its first link; the switch still works
        page.goto(f"{live_server.url}/?lang=kk")
        page.locator("header details.menu > summary").focus()
        page.keyboard.press("Enter")
        assert page.locator("header details.menu").evaluate("d => d.open")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.getAttribute('href')") == "/"
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Enter")
        assert not page.locator("header details.menu").evaluate("d => d.open")
        with page.expect_navigation():
            page.locator(".lang-switch button[value=ru]").click()
        assert page.locator("html").get_attribute("lang") == "ru"
        # its accessible names are the languages' own names, the short codes are only what is seen
        assert page.get_by_role("button", name="Қазақша").count() == 1
    finally:
        context.close()


def test_signed_out_the_header_is_short_too_and_the_menu_has_the_sign_in(live_server, browser, screenshots):
    context, page = phone_page(browser)
    try:
        for lang in LANGS:
            page.goto(f"{live_server.url}/?lang={lang}")
            assert header_height(page) < HEADER_MAX, lang
            page.locator("header details.menu > summary").click()
            assert page.locator("nav.main-nav a[href='/login']").is_visible()
            page.screenshot(path=str(screenshots / f"header-anonymous-{lang}-open.png"))
    finally:
        context.close()


def test_on_a_desktop_the_links_show_in_a_row_and_the_chart_text_keeps_to_the_type_scale(
    live_server, browser, tmp_path, screenshots
):
    person = holder(live_server, tmp_path, 2101, ROLES["admin"])
    scene = build_scene(live_server, tmp_path, person)
    context, page = signed_in(browser, live_server, person, size=DESKTOP)
    try:
        page.goto(f"{live_server.url}/statistics?lang=kk")
        assert not page.locator("header details.menu > summary").is_visible()
        first, last = page.locator("nav.main-nav a").first, page.locator("nav.main-nav a[href='/account']")
        assert first.is_visible() and last.is_visible()
        assert header_height(page) < 200
        # the closed <details> shows its links: the keyboard goes from the language switch to them, and they are read out
        page.locator(".lang-switch button[value=en]").focus()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.getAttribute('href')") == "/"
        assert page.get_by_role("link", name="Аудит журналы").is_visible()
        page.screenshot(path=str(screenshots / "desktop-statistics-kk.png"), full_page=True)
        for path in (
            "/statistics",
            f"/petitions/{scene.petitions['closed']}",
            f"/budget/{scene.cycles['results']}/results",
        ):
            page.goto(f"{live_server.url}{path}?lang=kk")
            sizes = page.evaluate(CHART_TEXT_SIZES)
            assert sizes["text"], path
            body = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
            assert max(sizes["text"]) <= body, (path, sizes)  # no bigger than the body text, so below the headings
            assert min(sizes["text"]) >= 12, (path, sizes)
    finally:
        context.close()


# The rendered size of every chart text: its font size in viewBox units times the SVG's scale.
CHART_TEXT_SIZES = """() => {
  const text = [];
  for (const svg of document.querySelectorAll('svg.chart-svg')) {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    for (const t of svg.querySelectorAll('text')) text.push(parseFloat(getComputedStyle(t).fontSize) * scale);
  }
  return {text};
}"""


# --- (b) and (c): every GET page on a phone: no sideways scrolling, and its weight --------------------------


@dataclass
class Scene:
    petitions: dict[str, int]  # state -> id
    cycles: dict[str, int]  # phase -> id
    draft_proposal: int
    contested: int  # an answered petition whose answer is contested and whose report is due
    receipt: str  # a receipt of one of the closed petition's signatures: its receipt page


def build_scene(server, tmp_path, tour: Holder) -> Scene:
    """A petition in each state (`make_petition`), a budget cycle in each phase (`schedule`) with proposals
    submitted, screened, voted on and counted; `tour` (all the roles) authored the draft petition and proposal."""
    from sqlalchemy import select

    from auth.access import CONSOLE
    from budgeting import services as budget
    from budgeting.tally import tally_cycle
    from extensions import db
    from kernel.territories import Territory
    from petitions.models import PetitionMeasure, Signature
    from tests.budgeting.conftest import ballot_jws, user_of
    from tests.petitions.test_transitions import add_signature_rows, make_petition

    author = holder(server, tmp_path, 2201, given_name="Ерлан")
    voters = [holder(server, tmp_path, 2301 + i, given_name="Асқар") for i in range(3)]
    now = datetime.now(UTC)
    with server.app.app_context():
        from kernel.kazakhstan_time import local_date

        db.session.add(
            Territory(
                kato=DOMBYRALY, name_kk="Домбыралы ауылы", name_ru="село Домбыралы", level="settlement", parent=DISTRICT
            )
        )
        # a district's cycles are a year apart and within two years of now: the sixth is another district's
        db.session.add(
            Territory(
                kato=OTHER_DISTRICT,
                name_kk="Жалғызқарағай ауылдық округі",
                name_ru="Жалгызкарагайский сельский округ",
                level="rural_district",
                parent="113200000",
            )
        )
        db.session.commit()
        petitions = {}
        for state in PETITION_STATES:
            petitions[state] = make_petition(state, tour.iin if state == "draft" else author.iin, now).id
        add_signature_rows(petitions["closed"], 12, now - timedelta(days=2))
        receipt = db.session.scalar(
            select(Signature.receipt).where(Signature.petition_id == petitions["closed"]).limit(1)
        )
        today = local_date(now)
        contested = make_petition(
            "answered",
            author.iin,
            now,
            contested_at=now - timedelta(days=1),
            follow_up_due_on=today + timedelta(days=10),
            report_due_on=today + timedelta(days=20),
        )
        for number, what in ((1, "Көшені жөндеу жоспарына енгізу"), (2, "Жобалау-сметалық құжаттаманы дайындау")):
            db.session.add(
                PetitionMeasure(
                    petition_id=contested.id,
                    number=number,
                    body="Ақкөл ауданының әкімдігі",
                    what=what,
                    due_on=today + timedelta(days=15),
                )
            )
        db.session.commit()

        cycles = {}
        for year, phase in enumerate(PHASES, start=now.year - 3):
            kato, year = (OTHER_DISTRICT, now.year) if phase == "scheduled" else (DISTRICT, year)
            cycle = budget.create_cycle(
                CONSOLE,
                kato=kato,
                year=year,
                amount=1_000_000,
                ballot="approval",
                rule="greedy",
                min_choices=None,
                max_choices=None,
                now=now,
                **schedule("proposals", now),
            )
            db.session.commit()
            cycles[phase] = cycle
        author_user, officer_user = user_of(author.citizen), user_of(tour.citizen)
        draft = budget.create_proposal(
            cycles["proposals"], user_of(tour.citizen), proposal_body(title="Балалар алаңы"), now
        )
        for phase in ("screening", "voting", "counting", "results"):
            cycle = cycles[phase]
            for i, (cost, village) in enumerate(((400_000, KENES), (350_000, DOMBYRALY), (300_000, KENES))):
                proposal = budget.create_proposal(
                    cycle,
                    author_user,
                    proposal_body(title=f"Жоба №{i + 1}: орталық көшеге шам орнату", cost=cost, settlement=village),
                    now,
                )
                budget.submit_proposal(proposal, author_user, submit_jws(author.citizen, proposal.signed_doc()), now)
                if phase != "screening" or i:
                    budget.screen(proposal, officer_user, screen_jws(tour.citizen, proposal.signed_doc()), now)
            db.session.commit()
        counted = cycles["results"]  # three ballots, counted by the tally
        move_to(counted, "voting")
        projects = sorted(budget.eligible_projects(counted.id))
        for i, voter in enumerate(voters):
            budget.cast_ballot(counted, ballot_jws(voter.citizen, counted.id, projects[: i + 1]), now)
        db.session.commit()
        for phase in ("scheduled", "screening", "voting", "counting", "results"):
            move_to(cycles[phase], phase if phase != "results" else "counting")
        assert tally_cycle(cycles["results"].id, now) == 1
        db.session.commit()
        scene = Scene(
            petitions=petitions,
            cycles={p: c.id for p, c in cycles.items()},
            draft_proposal=draft.id,
            contested=contested.id,
            receipt=receipt,
        )
        db.session.remove()
    return scene


def tour_paths(app, scene: Scene) -> list[tuple[str, str]]:
    """(name, path) of every GET page of the URL map, its parameters filled from the scene; a rule the
    scene cannot fill fails here, so a new page cannot be left out."""
    p, c = scene.petitions, scene.cycles
    by_rule = {
        "/petitions/<int:petition_id>": [(f"petition-{state}", f"/petitions/{pid}") for state, pid in p.items()]
        + [("petition-contested", f"/petitions/{scene.contested}")],
        "/petitions/<int:petition_id>/edit": [("petition-edit", f"/petitions/{p['draft']}/edit")],
        "/petitions/<int:petition_id>/submit": [("petition-submit", f"/petitions/{p['draft']}/submit")],
        "/petitions/<int:petition_id>/receipt": [
            ("petition-receipt", f"/petitions/{p['closed']}/receipt?receipt={scene.receipt}")
        ],
        "/petitions/<int:petition_id>/poster": [("petition-poster", f"/petitions/{p['open']}/poster")],
        "/moderation/<int:petition_id>": [("moderation-petition", f"/moderation/{p['moderation']}")],
        "/review/<int:petition_id>": [("review-petition", f"/review/{p['under_review']}")],
        "/review/<int:petition_id>/follow-up": [("review-follow-up", f"/review/{scene.contested}/follow-up")],
        "/review/<int:petition_id>/report": [("review-report", f"/review/{scene.contested}/report")],
        "/budget/<int:cycle_id>": [(f"budget-cycle-{phase}", f"/budget/{cid}") for phase, cid in c.items()],
        "/budget/<int:cycle_id>/propose": [("budget-propose", f"/budget/{c['proposals']}/propose")],
        "/budget/<int:cycle_id>/screening": [
            ("budget-screening", f"/budget/{c['screening']}/screening"),
            ("budget-implementation", f"/budget/{c['results']}/screening"),
        ],
        "/budget/<int:cycle_id>/vote": [("budget-vote", f"/budget/{c['voting']}/vote")],
        "/budget/<int:cycle_id>/paper": [("budget-paper", f"/budget/{c['voting']}/paper")],
        "/budget/<int:cycle_id>/results": [("budget-results", f"/budget/{c['results']}/results")],
        "/budget/proposals/<int:proposal_id>/submit": [
            ("budget-submit", f"/budget/proposals/{scene.draft_proposal}/submit")
        ],
    }
    # the auditor's script, a download; a poster's short link, a redirect to the petition's page
    not_pages = {"/verify/verify_log.py", "/p/<int:petition_id>"}
    paths = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.rule.startswith(("/api/", "/static/")) or rule.rule in not_pages:
            continue
        if rule.arguments:
            assert rule.rule in by_rule, f"{rule.rule}: give the phone tour a path for this page"
            paths += by_rule[rule.rule]
        else:
            paths.append((rule.endpoint.replace(".", "-").replace("_", "-"), rule.rule))
    return paths + [("statistics-period", "/statistics?from=2000-01-01&to=2000-01-31"), ("not-found", "/no-such-page")]


class Weights:
    """The bytes of HTML, CSS and JS a page load brings, as received (uncompressed), from its responses;
    every load is a first visit (routing the requests turns the browser's cache off)."""

    KINDS = {"document": "html", "stylesheet": "css", "script": "js"}

    def __init__(self, page):
        self.responses: list = []
        page.on("response", lambda response: self.responses.append(response))
        page.route("**/*", lambda route: route.continue_())

    def measure(self) -> dict[str, int]:
        sizes = dict.fromkeys(self.KINDS.values(), 0)
        for response in self.responses:
            kind = self.KINDS.get(response.request.resource_type)
            if kind:
                sizes[kind] += len(response.body())
        self.responses.clear()
        return sizes


def test_no_page_scrolls_sideways_on_a_390px_phone_and_the_signing_page_is_light(
    live_server, browser, tmp_path, screenshots
):
    tour = holder(live_server, tmp_path, 2001, ROLES["admin"] + (("secretary", DISTRICT),))
    citizen = holder(live_server, tmp_path, 2002, given_name="Мөлдір")
    scene = build_scene(live_server, tmp_path, tour)
    paths = tour_paths(live_server.app, scene)
    failures, weights = [], []

    def visit(page, weigh: Weights, name: str, path: str, who: str) -> None:
        weigh.measure()
        response = page.goto(f"{live_server.url}{path}{'&' if '?' in path else '?'}lang=kk")
        page.wait_for_load_state("networkidle")
        status = response.status if response else None
        if status not in (200, 404 if name == "not-found" else 200):
            failures.append(f"{name} {path}: HTTP {status}")
        sizes = weigh.measure()
        weights.append((f"{name} ({who})", path, sizes))
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE_390["width"]:
            wide = page.evaluate(WIDEST)
            failures.append(f"{name} {path}: {width} px wide; too wide: {wide}")
        failures.extend(f"{name} {path}: {problem}" for problem in page.evaluate(WIDE_TABLES))
        page.screenshot(path=str(screenshots / f"phone-{name}.png"), full_page=True)

    anonymous_context, anonymous = phone_page(browser)
    try:
        weigh = Weights(anonymous)
        for name, path in (
            ("home", "/"),
            ("login", "/login"),
            ("petitions", "/petitions"),
            ("petition-open", f"/petitions/{scene.petitions['open']}"),
            ("verify", "/verify"),
        ):
            visit(anonymous, weigh, f"{name}-signed-out", path, "signed out")
    finally:
        anonymous_context.close()

    context, page = signed_in(browser, live_server, tour)
    try:
        weigh = Weights(page)
        for name, path in paths:
            visit(page, weigh, name, path, "all roles")
    finally:
        context.close()

    context, page = signed_in(browser, live_server, citizen)
    try:
        weigh = Weights(page)
        signing = f"/petitions/{scene.petitions['open']}"
        visit(page, weigh, "petition-signing", signing, "citizen")
        assert page.locator("#sign-submit").is_visible()  # the page weighed is the one that signs
    finally:
        context.close()

    print("\npage weight (bytes received, uncompressed)")
    print(f"{'page':<44} {'html':>8} {'css':>8} {'js':>8} {'total':>8}  path")
    for name, path, sizes in weights:
        print(f"{name:<44} {sizes['html']:>8} {sizes['css']:>8} {sizes['js']:>8} {sum(sizes.values()):>8}  {path}")
    signing_weight = sum(weights[-1][2].values())
    assert signing_weight < SIGNING_PAGE_MAX, f"the petition signing page weighs {signing_weight} bytes"
    assert not failures, "\n".join(failures)


# What sticks out past the right edge of the screen: the outermost such elements, by a CSS path.
WIDEST = """() => {
  const width = document.documentElement.clientWidth, out = [];
  const path = (el) => { const parts = []; for (let e = el; e && e !== document.body; e = e.parentElement)
    parts.unshift(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.classList.length ? '.' + [...e.classList].join('.') : ''));
    return parts.join(' > '); };
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 0.5 && !(el.parentElement && el.parentElement.getBoundingClientRect().right > width + 0.5))
      out.push(path(el) + ' (' + Math.round(box.right) + ' px)');
  }
  return out.slice(0, 8);
}"""


# A table wider than the phone must scroll in a region of its own that a keyboard can scroll (tabindex="0"),
# that is named (aria-label or aria-labelledby) and that shows there is more (a shadow: a background image).
WIDE_TABLES = """() => {
  const problems = [];
  for (const table of document.querySelectorAll('main table')) {
    if (!table.getClientRects().length || table.scrollWidth <= document.documentElement.clientWidth) continue;
    const region = table.closest('[role=region]');
    const name = table.id || table.className;
    if (!region) { problems.push(`the wide table ${name} is in no scrolling region`); continue; }
    const style = getComputedStyle(region);
    if (!['auto', 'scroll'].includes(style.overflowX)) problems.push(`the region of ${name} does not scroll`);
    if (region.getAttribute('tabindex') !== '0') problems.push(`the region of ${name} has no tabindex="0"`);
    if (!region.getAttribute('aria-label') && !region.getAttribute('aria-labelledby'))
      problems.push(`the region of ${name} has no name`);
    if (style.backgroundImage === 'none') problems.push(`the region of ${name} shows no shadow where it goes on`);
    const rowHead = table.querySelector('tbody th[scope=row]');
    if (rowHead && getComputedStyle(rowHead).position !== 'sticky')
      problems.push(`the rows of ${name} lose their heading when it scrolls`);
  }
  return problems;
}"""
