"""In a real browser on a phone: a petition from draft to published answer, every step EDS-signed; axe on its pages."""

from __future__ import annotations

import re
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.browser.conftest import PHONE, PageAudit, confirm_act
from tests.browser.test_login_browser import LANDED, sign_in
from tests.conftest import _pem_blocks, answer_fields, pem_to_b64_der, sign_jws

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LANGS = ("kk", "ru", "en")
TITLE = "Ауыл көшесін жөндеу керек"
SOON = datetime.now(UTC) + timedelta(days=30)  # a discussion is published at most a year ahead
BODY = (
    "Жол жөндеу туралы: ауылдағы негізгі көше көктемде су басып, балалар мектепке бара алмайды.\n"
    "Ұсыныс: көшені биылғы бюджетке енгізу."
)
# The answer this flow publishes through the review page is a refusal, reasoned in at least 200 characters
# (PETITION_ANSWER_MIN_CHARS); a supporting one with its measures: tests/browser/test_after_answer_browser.py.
ANSWER = (
    "Өтініш мұқият қаралды. Көшені биылғы жөндеу бағдарламасына енгізу мүмкін емес: бағдарламаның қаражаты "
    "толық бөлініп қойған, ал көшенің жобалау-сметалық құжаттамасы әлі жоқ. Құжаттама дайындалған соң "
    "ұсыныс келесі жылдың бюджетін жоспарлау кезінде қайта қаралады."
)


def small_thresholds(server) -> None:
    server.app.config.update(PETITION_RESTRICTED_SUPPORTERS=1, PETITION_THRESHOLD_GOVERNMENT=2)


def grant(server, keys, role: str, scope: str | None = None) -> None:
    from auth import services
    from extensions import db

    with server.app.app_context():
        services.grant_role(keys.iin, role, scope, datetime.now(UTC))
        db.session.commit()
        db.session.remove()


def official_files(server, keys, tmp_path, role: str, scope: str | None = None) -> tuple:
    """The official key set of one of a person's roles, written out by `flask eds issue-official`
    (API.md "Official acts"): (official.key.pem, official.cert.pem), the files an official picks on their page."""
    folder = Path(tempfile.mkdtemp(prefix=f"official-{role}-", dir=tmp_path))  # never named by the IIN: the output names it
    args = ["eds", "issue-official", "--iin", keys.iin, "--out", str(folder), "--key", "ec", "--role", role]
    result = server.app.test_cli_runner().invoke(args=args + (["--scope", scope] if scope else []))
    assert result.exit_code == 0, result.output
    return folder / "official.key.pem", folder / "official.cert.pem"


def choose_official_files(page, files: tuple) -> None:
    page.set_input_files("#official-key-file", str(files[0]))
    page.set_input_files("#official-cert-file", str(files[1]))


def petition_state(server, petition_id: int) -> str:
    from extensions import db
    from petitions.models import Petition

    with server.app.app_context():
        state = db.session.get(Petition, petition_id).state
        db.session.remove()
        return state


def new_phone(browser):
    """Another person's phone: a context of its own, so its own cookies."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    return context, context.new_page()


def shot(page, screenshots, name: str) -> None:
    page.screenshot(path=str(screenshots / f"petition-{name}.png"), full_page=True)


def no_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_petition_from_draft_to_answer_on_phones(live_server, browser, tmp_path, screenshots):
    small_thresholds(live_server)
    author = live_server.citizen(tmp_path, surname="Жұмабаев", given_name="Ерлан", serial=1001)
    moderator = live_server.citizen(tmp_path, surname="Оспанова", given_name="Дана", serial=1002)
    first = live_server.citizen(tmp_path, surname="Сейтқалиева", given_name="Айгерім", serial=1003, key_type="rsa")
    second = live_server.citizen(tmp_path, surname="Нұрланов", given_name="Асхат", serial=1004)
    reviewer = live_server.citizen(tmp_path, surname="Қасымов", given_name="Бауыржан", serial=1005)
    grant(live_server, moderator, "moderator")
    grant(live_server, reviewer, "reviewer", "government")
    moderator_files = official_files(live_server, moderator, tmp_path, "moderator")
    reviewer_files = official_files(live_server, reviewer, tmp_path, "reviewer", "government")
    url = live_server.url
    contexts = []

    def phone_of(keys=None):
        context, page = new_phone(browser)
        contexts.append(context)
        if keys is not None:
            sign_in(page, live_server, keys.auth_key, keys.auth_cert, lang="kk")
            page.wait_for_url(LANDED)
        return page

    try:
        # The author writes a Government petition, confirms the forbidden topics, signs and submits it.
        page = phone_of(author)
        page.goto(url + "/petitions/new")
        assert page.locator("#territory-field").is_hidden()  # only for local bodies
        page.select_option("#addressee", "city_akimat")
        assert page.locator("#territory-field").is_visible()
        page.select_option("#addressee", "government")
        page.fill("#title", TITLE)
        page.fill("#body", BODY)
        page.check("#language-0")
        shot(page, screenshots, "new")
        assert no_overflow(page) <= 0
        page.click("button[type=submit].button")
        page.wait_for_url(re.compile(r"/petitions/\d+/submit$"))
        petition_id = int(re.search(r"/petitions/(\d+)/submit", page.url).group(1))
        page.set_input_files("#key-file", str(author.sign_key))
        page.set_input_files("#cert-file", str(author.sign_cert))
        page.click("#submit-sign")  # not confirmed yet: refused in the page
        assert page.locator("#eds-status.status-error").inner_text()
        page.check("#confirm")
        shot(page, screenshots, "submit")
        page.click("#submit-sign")
        page.wait_for_url(re.compile(rf"/petitions/{petition_id}$"))
        assert page.locator(".flash-success").count() == 1
        assert petition_state(live_server, petition_id) == "moderation"
        shot(page, screenshots, "in-moderation")
        page.goto(url + "/my/petitions")
        assert TITLE in page.inner_text("main")
        shot(page, screenshots, "mine")

        # The moderator approves it.
        page = phone_of(moderator)
        page.goto(url + "/moderation")
        assert page.locator(".days-left").count() == 1
        shot(page, screenshots, "moderation-queue")
        page.click(f"a[href='/moderation/{petition_id}']")
        shot(page, screenshots, "moderation")
        page.click("#approve")  # no official key chosen yet: refused in the page, nothing posted
        assert page.locator("#approve-form .status.status-error").inner_text()
        assert petition_state(live_server, petition_id) == "moderation"
        choose_official_files(page, moderator_files)
        confirm_act(page, "#approve")  # signed in the browser with the official certificate, once confirmed
        page.wait_for_url(re.compile(r"/moderation$"))
        assert petition_state(live_server, petition_id) == "restricted"

        # Two citizens sign on the petition page, without signing in: the first opens it, the second reaches 2.
        from playwright.sync_api import expect

        for index, signer in enumerate((first, second)):
            page = phone_of()
            page.goto(f"{url}/petitions/{petition_id}?lang=ru")
            if index == 0:
                assert page.locator(".notice").count() == 1  # reachable by link, not listed yet
                shot(page, screenshots, "restricted")
            # the bar counts towards what this stage needs: the first supporters, then the threshold
            remaining = page.locator("#petition-progress-label ~ .progress-more [data-remaining]")
            left = int(remaining.inner_text())
            page.set_input_files("#sign-key-file", str(signer.sign_key))
            page.set_input_files("#sign-cert-file", str(signer.sign_cert))
            page.check("#sign-notify")
            page.click("#sign-submit")
            page.locator("#sign-status .receipt").wait_for()
            expect(remaining).to_have_text(str(left - 1))  # ours counted at once, by the page's script
            assert re.fullmatch(r"[\w-]{20,}", page.locator("#sign-status .receipt").inner_text())
            if index == 0:
                shot(page, screenshots, "signed")
                assert petition_state(live_server, petition_id) == "open"
                # A second signature by the same citizen is refused with the API's message, in Russian.
                page2 = phone_of()
                page2.goto(f"{url}/petitions/{petition_id}?lang=ru")
                page2.set_input_files("#sign-key-file", str(signer.sign_key))
                page2.set_input_files("#sign-cert-file", str(signer.sign_cert))
                page2.click("#sign-submit")
                error = page2.locator("#sign-status.status-error")
                error.wait_for()
                assert error.inner_text() == translated_error(live_server, "ru", "already_signed")
        assert petition_state(live_server, petition_id) == "under_review"

        # The Government's reviewer schedules the discussion and publishes the answer.
        page = phone_of(reviewer)
        page.goto(url + "/review")
        assert page.locator(".days-left").count() == 1
        shot(page, screenshots, "review-queue")
        page.click(f"a[href='/review/{petition_id}']")
        choose_official_files(page, reviewer_files)
        page.fill("#at", SOON.strftime("%Y-%m-%dT10:30"))
        page.fill("#place", "Астана, Үкімет үйі, 3-зал")
        # the page posts to /review/N/discussion and comes back to /review/N, the URL it is on: wait for
        # that navigation itself (waiting for the URL returned at once, and the next step raced the reload)
        with page.expect_navigation(url=re.compile(rf"/review/{petition_id}$")):
            confirm_act(page, "#schedule")
        shot(page, screenshots, "review")
        choose_official_files(page, reviewer_files)  # a new page: the files are chosen again
        page.check("#decision-2")  # not supported: a reasoned refusal, no measures
        page.fill("#text", ANSWER)
        confirm_act(page, "#publish-answer")
        page.wait_for_url(re.compile(rf"/petitions/{petition_id}$"))
        assert petition_state(live_server, petition_id) == "answered"

        # Anyone sees the answer, the discussion and the whole timeline.
        for lang in LANGS:
            page = phone_of()
            page.goto(f"{url}/petitions/{petition_id}?lang={lang}")
            main = page.inner_text("main")
            assert ANSWER in main and "Үкімет үйі" in main
            assert reviewer.full_name in main
            assert page.locator("#acts .act").count() == 3  # approval, discussion, answer: each signed, shown
            assert page.locator(".timeline .step").count() >= 9
            assert "Айгерім С." in main and first.iin not in page.content()
            # Two signers are fewer than PETITION_MIN_CELL: no chart names where they live or sign.
            assert page.locator("svg[role=img]").count() == 0
            assert page.locator("#charts-withheld").count() == 1
            assert no_overflow(page) <= 0
            shot(page, screenshots, f"answered-{lang}")
        page.goto(url + "/petitions?lang=en")
        assert TITLE in page.inner_text("main")
        shot(page, screenshots, "list")
        page.goto(url + "/statistics?lang=en")
        assert "100%" in page.inner_text("main")
        shot(page, screenshots, "statistics")
    finally:
        for context in contexts:
            context.close()


def translated_error(server, lang: str, code: str) -> str:
    from kernel.errors import DomainError

    with server.app.test_request_context(f"/?lang={lang}"):
        return DomainError(code).message


# --- axe -----------------------------------------------------------------------------


class ApiActor:
    """Sets up data through the JSON API as an outside program would: Bearer token, JWS by python-jose."""

    def __init__(self, server, keys):
        self.client = server.app.test_client()
        self.keys = keys
        issuing = _pem_blocks(self.client.get("/api/v1/eds/ca").data)[0]
        self.issuing = pem_to_b64_der(issuing)
        nonce = self.client.post("/api/v1/auth/challenge").get_json()["nonce"]
        token = self.client.post(
            "/api/v1/auth/token", json={"jws": self.jws({"purpose": "auth", "nonce": nonce}, usage="auth")}
        ).get_json()["access_token"]
        self.headers = {"Authorization": f"Bearer {token}"}

    def jws(self, payload: dict, usage: str = "sign") -> str:
        key = (self.keys.sign_key if usage == "sign" else self.keys.auth_key).read_bytes()
        cert = (self.keys.sign_cert if usage == "sign" else self.keys.auth_cert).read_bytes()
        return sign_jws({**payload, "iat": int(time.time())}, key, {"x5c": [pem_to_b64_der(cert), self.issuing]})

    def act(self, files: tuple, purpose: str, petition: dict, **fields) -> dict:
        """The body of an official act on the petition, signed with the official key files `files`."""
        doc = {"type": "petition", "id": petition["id"], "digest": petition["digest"]}
        payload = {"purpose": purpose, "iat": int(time.time()), "doc": doc, **fields}
        cert = files[1].read_bytes()
        return {"jws": sign_jws(payload, files[0].read_bytes(), {"x5c": [pem_to_b64_der(cert), self.issuing]})}

    def post(self, path: str, body: dict, expect: int = 200) -> dict:
        response = self.client.post("/api/v1" + path, json=body, headers=self.headers)
        assert response.status_code == expect, response.get_json()
        return response.get_json()

    def draft(self, title: str) -> dict:
        return self.post(
            "/petitions", {"title": title, "body": BODY, "language": "kk", "addressee": "government"}, expect=201
        )

    def submit(self, petition: dict) -> dict:
        doc = {"type": "petition", "id": petition["id"], "digest": petition["digest"]}
        return self.post(f"/petitions/{petition['id']}/submit", {"jws": self.jws({"purpose": "petition.submit", "doc": doc})})

    def sign(self, petition: dict) -> None:
        doc = {"type": "petition", "id": petition["id"], "digest": petition["digest"]}
        self.post(f"/petitions/{petition['id']}/signatures", {"jws": self.jws({"purpose": "petition.sign", "doc": doc})}, 201)


@pytest.mark.parametrize("lang", LANGS)
def test_petition_pages_pass_axe_on_a_phone(live_server, phone, tmp_path, screenshots, lang, monkeypatch):

    small_thresholds(live_server)
    # Two signers draw the charts here, so that axe checks their markup; the minimum itself is
    # pinned in tests/petitions/test_small_cells.py.
    monkeypatch.setitem(live_server.app.config, "PETITION_MIN_CELL", 2)
    official = live_server.citizen(tmp_path, surname="Оспанова", given_name="Дана", serial=2001)
    grant(live_server, official, "moderator")
    grant(live_server, official, "reviewer", "government")
    as_moderator = official_files(live_server, official, tmp_path, "moderator")
    as_reviewer = official_files(live_server, official, tmp_path, "reviewer", "government")
    people = [live_server.citizen(tmp_path, serial=2002 + i, given_name=n) for i, n in enumerate(("Айгерім", "Асхат", "Ерлан"))]
    # An official never decides on their own petition: another citizen writes the ones decided here.
    author = ApiActor(live_server, live_server.citizen(tmp_path, surname="Жұмабаев", given_name="Ерлан", serial=2009))
    moderator = reviewer = ApiActor(live_server, official)
    answered = author.submit(author.draft("Ауыл көшесін жөндеу керек"))
    under_review = author.submit(author.draft("Мектепке жаңа автобус керек"))
    restricted = author.submit(author.draft("Саябаққа жарық орнату керек"))
    author.submit(author.draft("Кітапхана жұмыс уақытын ұзарту"))  # stays in moderation
    draft = moderator.draft("Аялдамаға шатыр орнату керек")  # the official's own, for the pages they see
    for petition in (answered, under_review, restricted):
        moderator.post(f"/petitions/{petition['id']}/moderation",
                       moderator.act(as_moderator, "petition.moderate", petition, decision="approve"))
    signers = [ApiActor(live_server, keys) for keys in people]
    for petition in (answered, under_review):
        for signer in signers[:2]:
            signer.sign(petition)
    reviewer.post(f"/petitions/{answered['id']}/review", reviewer.act(
        as_reviewer, "petition.discussion", answered, at=SOON.strftime("%Y-%m-%dT10:30:00+05:00"), place="Астана"))
    reviewer.post(f"/petitions/{answered['id']}/review",
                  reviewer.act(as_reviewer, "petition.answer", answered, **answer_fields("supported")))

    page = phone
    audit = PageAudit(page, live_server.url, lang, screenshots, prefix="petition-axe-")
    check = audit.check

    check("list", "/petitions")
    check("answered", f"/petitions/{answered['id']}")
    check("restricted", f"/petitions/{restricted['id']}")
    check("statistics", "/statistics")
    sign_in(page, live_server, official.auth_key, official.auth_cert, lang=lang)
    page.wait_for_url(LANDED)
    check("new", "/petitions/new")
    page.click("button[type=submit].button")  # empty: every field shows its error
    page.locator(".field-error").first.wait_for()
    audit.here("new-errors")
    check("submit", f"/petitions/{draft['id']}/submit")
    check("mine", "/my/petitions")
    check("moderation-queue", "/moderation")
    check("moderation", f"/moderation/{restricted['id'] + 1}")
    check("review-queue", "/review")
    check("review", f"/review/{under_review['id']}")
    audit.assert_clean()
