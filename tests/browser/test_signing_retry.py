"""In a real browser on a phone: a refused signature never poisons the next try (issue 15, item 1).

For each place a citizen or an official signs in the browser, the wrong file is chosen first (a
certificate or a stray file where the key belongs, a key and a certificate that are not one pair,
the AUTH key where the SIGN key belongs, another person's key set), the refusal says what to pick in
the page's language, and then the right key files are chosen on the same page, without a reload,
and the step succeeds. Every JWS the page posts is recorded: each try is signed afresh, none is
sent twice, so a page that sent a refused try's JWS again (one left in a hidden field) fails here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.test_act_confirm import confirm
from tests.browser.test_budget_flow import (
    KENES,
    THIS_YEAR,
    api_proposal,
    make_cycle,
    move,
    proposal_row,
    screen_eligible,
)
from tests.browser.test_budget_flow import official_files as budget_official_files
from tests.browser.test_login_browser import sign_in
from tests.browser.test_petition_flow import (
    ApiActor,
    choose_official_files,
    grant,
    official_files,
    petition_state,
    small_thresholds,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LANGS = ("kk", "ru", "en")
TITLE = "Ауыл көшесін жөндеу керек"
# what the signer's script says for each file it cannot use (templates/_macros/eds.html signing_messages)
KEY_UNREADABLE = {
    "auth": "This key file could not be read. Choose the auth.key.pem file of your key set.",
    "sign": "This key file could not be read. Choose the sign.key.pem file of your key set.",
    "act": "This key file could not be read. Choose the official.key.pem file of your official key set.",
}
CERT_UNREADABLE = {
    "sign": "This certificate file could not be read. Choose the sign.cert.pem file of your key set.",
}
NOT_ONE_PAIR = {
    "auth": "This key file and this certificate file are not one pair. Choose the auth.key.pem and auth.cert.pem files of the same key set.",
    "sign": "This key file and this certificate file are not one pair. Choose the sign.key.pem and sign.cert.pem files of the same key set.",
}


def said(server, lang: str, text) -> str:
    """`text` (a msgid, or a lazy string of the app) as the app says it in `lang`."""
    from flask_babel import force_locale, gettext

    with server.app.test_request_context(f"/?lang={lang}"), force_locale(lang):
        return gettext(text) if isinstance(text, str) else str(text)


def wrong_key(server, lang: str, needs: str) -> str:
    """The refusal of a key of the wrong usage (`wrong_key_usage`), naming the files to pick instead."""
    from auth.eds import WRONG_KEY_MESSAGES

    return said(server, lang, WRONG_KEY_MESSAGES[needs])


def stray_file(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text("Кілт емес: жай мәтін.\n", encoding="utf-8")
    return path


class Posts:
    """Every JWS the page posts to `path` (a form's field or a JSON body's member), in order."""

    def __init__(self, page, path: str):
        self.path, self.jws = path, []
        page.on("request", self._seen)

    def _seen(self, request) -> None:
        if request.method != "POST" or urlparse(request.url).path != self.path:
            return
        body = request.post_data or ""
        if body.startswith("{"):
            self.jws.append(json.loads(body).get("jws", ""))
        else:
            self.jws.append(parse_qs(body).get("jws", [""])[0])

    def assert_each_signed_afresh(self, tries: int) -> None:
        assert len(self.jws) == tries, self.jws
        assert all(self.jws), "a try was posted without a signature"
        assert len(set(self.jws)) == tries, "a refused try's JWS was sent again"


def pick(page, prefix: str, key: Path, cert: Path) -> None:
    page.set_input_files(f"#{prefix}key-file", str(key))
    page.set_input_files(f"#{prefix}cert-file", str(cert))


def status_says(page, selector: str, text: str) -> None:
    """The status line shows `text` as an error."""
    status = page.locator(selector)
    status.filter(has_text=text).wait_for()
    assert status.inner_text() == text
    assert "status-error" in (status.get_attribute("class") or "")


def flashed(page, text: str) -> None:
    error = page.locator(".flash-error")
    error.wait_for()
    assert error.inner_text() == text


@pytest.mark.parametrize("lang", LANGS)
def test_sign_in_after_wrong_files_on_the_same_page(live_server, phone, tmp_path, screenshots, lang):
    keys = live_server.citizen(tmp_path)
    page = phone
    posts = Posts(page, "/login")
    page.goto(f"{live_server.url}/login?lang={lang}")

    # The certificate where the key belongs, then a stray text file: nothing is sent, the page says which file.
    pick(page, "", keys.auth_cert, keys.auth_cert)
    page.click("#eds-submit")
    status_says(page, "#eds-status", said(live_server, lang, KEY_UNREADABLE["auth"]))
    pick(page, "", stray_file(tmp_path), keys.auth_cert)
    page.click("#eds-submit")
    status_says(page, "#eds-status", said(live_server, lang, KEY_UNREADABLE["auth"]))
    # The AUTH key with the SIGN certificate: two files of one set, but not one pair.
    pick(page, "", keys.auth_key, keys.sign_cert)
    page.click("#eds-submit")
    status_says(page, "#eds-status", said(live_server, lang, NOT_ONE_PAIR["auth"]))
    assert posts.jws == []

    # The SIGN key set: the server refuses it and says which files sign in.
    pick(page, "", keys.sign_key, keys.sign_cert)
    with page.expect_navigation():
        page.click("#eds-submit")
    flashed(page, wrong_key(live_server, lang, "auth"))
    assert page.locator("html").get_attribute("lang") == lang
    assert page.eval_on_selector("#jws", "field => field.value") == ""
    page.screenshot(path=str(screenshots / f"retry-login-refused-{lang}.png"), full_page=True)

    # The right files, on the page the refusal showed: signed in.
    pick(page, "", keys.auth_key, keys.auth_cert)
    with page.expect_navigation():
        page.click("#eds-submit")
    assert re.search(r"/account$", page.url), page.url
    assert keys.full_name in page.inner_text("main")
    posts.assert_each_signed_afresh(2)


def test_petition_submit_after_wrong_keys_keeps_the_confirmation(live_server, phone, tmp_path, screenshots):
    lang = "ru"
    keys = live_server.citizen(tmp_path, surname="Жұмабаев", given_name="Ерлан", serial=5001)
    stranger = live_server.citizen(tmp_path, surname="Бекова", given_name="Әсел", serial=5002)
    petition = ApiActor(live_server, keys).draft(TITLE)
    page = phone
    sign_in(page, live_server, keys.auth_key, keys.auth_cert, lang=lang)
    page.wait_for_url(re.compile(r"/account$"))
    path = f"/petitions/{petition['id']}/submit"
    posts = Posts(page, path)
    page.goto(f"{live_server.url}{path}?lang={lang}")
    page.check("#confirm")

    # The AUTH key set: refused by the server, which names the SIGN files; the confirmation stays ticked.
    pick(page, "", keys.auth_key, keys.auth_cert)
    with page.expect_navigation():
        page.click("#submit-sign")
    flashed(page, wrong_key(live_server, lang, "sign"))
    assert page.is_checked("#confirm")
    page.screenshot(path=str(screenshots / "retry-petition-submit-refused.png"), full_page=True)

    # Another person's SIGN key set: a good signature, but not the author's.
    pick(page, "", stranger.sign_key, stranger.sign_cert)
    with page.expect_navigation():
        page.click("#submit-sign")
    flashed(page, said(live_server, lang, "The petition must be signed by its author: choose your own SIGN key files."))
    assert page.is_checked("#confirm")

    # Another person's key with one's own certificate: caught before anything is sent.
    pick(page, "", stranger.sign_key, keys.sign_cert)
    page.click("#submit-sign")
    status_says(page, "#eds-status", said(live_server, lang, NOT_ONE_PAIR["sign"]))

    # The author's SIGN key files: submitted.
    pick(page, "", keys.sign_key, keys.sign_cert)
    with page.expect_navigation():
        page.click("#submit-sign")
    assert re.search(rf"/petitions/{petition['id']}$", page.url), page.url
    assert petition_state(live_server, petition["id"]) == "moderation"
    posts.assert_each_signed_afresh(3)


def test_proposal_submit_after_wrong_files(live_server, phone, tmp_path):
    lang = "kk"
    keys = live_server.citizen(tmp_path, surname="Ахметова", given_name="Гүлнар", serial=5101)
    cycle_id = make_cycle(live_server, THIS_YEAR)
    author = ApiActor(live_server, keys)
    draft = author.post(
        f"/budget/cycles/{cycle_id}/proposals",
        {
            "title": "Аялдамаға шатыр",
            "description": "Кеңес ауылындағы аялдамаға жаңбырдан қорғайтын шатыр керек.",
            "category": "roads",
            "settlement": KENES,
            "cost": 90_000,
        },
        expect=201,
    )
    page = phone
    sign_in(page, live_server, keys.auth_key, keys.auth_cert, lang=lang)
    page.wait_for_url(re.compile(r"/account$"))
    path = f"/budget/proposals/{draft['id']}/submit"
    posts = Posts(page, path)
    page.goto(f"{live_server.url}{path}?lang={lang}")

    # The key where the certificate belongs: nothing is sent.
    pick(page, "", keys.sign_key, keys.sign_key)
    page.click("#submit-sign")
    status_says(page, "#eds-status", said(live_server, lang, CERT_UNREADABLE["sign"]))
    # The AUTH key set: refused by the server.
    pick(page, "", keys.auth_key, keys.auth_cert)
    with page.expect_navigation():
        page.click("#submit-sign")
    flashed(page, wrong_key(live_server, lang, "sign"))
    # The SIGN key set: submitted.
    pick(page, "", keys.sign_key, keys.sign_cert)
    with page.expect_navigation():
        page.click("#submit-sign")
    assert re.search(rf"/budget/{cycle_id}#proposal-{draft['id']}$", page.url), page.url
    assert proposal_row(live_server, draft["id"])[0] == "submitted"
    posts.assert_each_signed_afresh(2)


def restricted_petition(server, tmp_path, serial: int) -> dict:
    """A Government petition, approved by a moderator: it gathers its first supporters."""
    author = ApiActor(server, server.citizen(tmp_path, surname="Жұмабаев", given_name="Ерлан", serial=serial))
    moderator_keys = server.citizen(tmp_path, surname="Оспанова", given_name="Дана", serial=serial + 1)
    grant(server, moderator_keys, "moderator")
    files = official_files(server, moderator_keys, tmp_path, "moderator")
    petition = author.submit(author.draft(TITLE))
    moderator = ApiActor(server, moderator_keys)
    moderator.post(
        f"/petitions/{petition['id']}/moderation",
        moderator.act(files, "petition.moderate", petition, decision="approve"),
    )
    return petition


def test_petition_signing_after_the_api_refuses_the_auth_key(live_server, phone, tmp_path, screenshots):
    lang = "kk"
    small_thresholds(live_server)
    petition = restricted_petition(live_server, tmp_path, 5201)
    signer = live_server.citizen(tmp_path, surname="Сейтқалиева", given_name="Айгерім", serial=5210, key_type="rsa")
    page = phone  # not signed in: the JWS names the signer
    posts = Posts(page, f"/api/v1/petitions/{petition['id']}/signatures")
    page.goto(f"{live_server.url}/petitions/{petition['id']}?lang={lang}")

    pick(page, "sign-", signer.auth_key, signer.auth_cert)
    page.click("#sign-submit")
    status_says(page, "#sign-status", wrong_key(live_server, lang, "sign"))
    assert page.locator("#sign-submit").is_enabled()
    page.screenshot(path=str(screenshots / "retry-petition-sign-refused.png"), full_page=True)

    pick(page, "sign-", signer.sign_key, signer.sign_cert)
    page.click("#sign-submit")
    page.locator("#sign-status .receipt").wait_for()
    assert "status-ok" in page.get_attribute("#sign-status", "class")
    posts.assert_each_signed_afresh(2)
    count = ApiActor(live_server, signer).client.get(f"/api/v1/petitions/{petition['id']}/count").get_json()
    assert count["signature_count"] == 1


def test_ballot_after_the_api_refuses_the_auth_key(live_server, phone, tmp_path):
    lang = "ru"
    official = live_server.citizen(tmp_path, surname="Оспанова", given_name="Дана", serial=5301)
    grant(live_server, official, "budget_officer", "113243000")
    officer_files = budget_official_files(live_server, official, "budget_officer", "113243000")
    neighbour = ApiActor(
        live_server, live_server.citizen(tmp_path, surname="Ахметова", given_name="Гүлнар", serial=5302)
    )
    cycle_id = make_cycle(live_server, THIS_YEAR)
    project = api_proposal(neighbour, cycle_id, "Кеңес ауылына көше жарығы", 400_000, KENES, "lighting")
    screen_eligible(ApiActor(live_server, official), officer_files, project)
    move(live_server, cycle_id, "voting")
    voter = live_server.citizen(tmp_path, surname="Нұрланов", given_name="Асхат", serial=5310)
    page = phone
    posts = Posts(page, f"/api/v1/budget/cycles/{cycle_id}/ballots")
    page.goto(f"{live_server.url}/budget/{cycle_id}/vote?lang={lang}")
    page.check(f"#project-{project}")

    pick(page, "vote-", voter.auth_key, voter.auth_cert)
    page.click("#vote-submit")
    status_says(page, "#vote-status", wrong_key(live_server, lang, "sign"))
    assert page.is_checked(f"#project-{project}")

    pick(page, "vote-", voter.sign_key, voter.sign_cert)
    page.click("#vote-submit")
    page.locator("#vote-receipt").wait_for()
    posts.assert_each_signed_afresh(2)


def test_moderation_after_a_citizen_key_keeps_the_comment(live_server, phone, tmp_path):
    """An official act (static/js/act-sign.js) is signed afresh too, and the typed comment stays."""
    lang = "en"
    author = ApiActor(live_server, live_server.citizen(tmp_path, surname="Жұмабаев", given_name="Ерлан", serial=5401))
    petition = author.submit(author.draft(TITLE))
    moderator = live_server.citizen(tmp_path, surname="Оспанова", given_name="Дана", serial=5402)
    grant(live_server, moderator, "moderator")
    files = official_files(live_server, moderator, tmp_path, "moderator")
    page = phone
    sign_in(page, live_server, moderator.auth_key, moderator.auth_cert, lang=lang)
    page.wait_for_url(re.compile(r"/moderation$"))  # a moderator lands on the queue (auth/landing.py)
    path = f"/moderation/{petition['id']}"
    posts = Posts(page, path)
    page.goto(f"{live_server.url}{path}?lang={lang}")
    comment = "Бұл мәселе бойынша петиция бұрыннан жиналып жатыр."
    page.select_option("#reason", "duplicate")
    page.fill("#comment", comment)

    # The citizen's SIGN key set in the official pickers: refused, the files to pick named, the comment kept.
    choose_official_files(page, (moderator.sign_key, moderator.sign_cert))
    confirm(page, "#reject")  # the decision is shown once more and signed only then (static/js/act-confirm.js)
    flashed(page, wrong_key(live_server, lang, "act"))
    assert page.input_value("#comment") == comment
    assert page.input_value("#reason") == "duplicate"

    choose_official_files(page, files)
    confirm(page, "#reject")
    assert re.search(r"/moderation$", page.url), page.url
    assert petition_state(live_server, petition["id"]) == "rejected"
    posts.assert_each_signed_afresh(2)
