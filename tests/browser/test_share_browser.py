"""In a real browser on a phone: a citizen signs a petition and reads the receipt view (what happens
next, the receipt and its check), shares it to Telegram and WhatsApp, copies its link with and
without clipboard permission; the poster of the petition; axe on the receipt and poster pages."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, PageAudit
from tests.browser.test_petition_flow import ApiActor, grant, official_files

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LANGS = ("kk", "ru", "en")
TITLE = "Аулаға балалар алаңын салу керек"


def said(server, lang: str, text: str, **variables) -> str:
    from flask_babel import force_locale, gettext

    with server.app.test_request_context(f"/?lang={lang}"), force_locale(lang):
        return gettext(text, **variables)


def approved_petition(server, tmp_path, serial: int) -> dict:
    """A Government petition of a fresh author, approved by a moderator: restricted, signable."""
    author = ApiActor(server, server.citizen(tmp_path, surname="Жұмабаев", given_name="Ерлан", serial=serial))
    moderator_keys = server.citizen(tmp_path, surname="Оспанова", given_name="Дана", serial=serial + 1)
    grant(server, moderator_keys, "moderator")
    moderator = ApiActor(server, moderator_keys)
    files = official_files(server, moderator_keys, tmp_path, "moderator")
    petition = author.submit(author.draft(TITLE))
    moderator.post(
        f"/petitions/{petition['id']}/moderation",
        moderator.act(files, "petition.moderate", petition, decision="approve"),
    )
    return petition


def phone_context(browser, **options):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, **options)
    context.set_default_timeout(15_000)
    return context


def stub_messengers(context) -> list[str]:
    """t.me and wa.me answered by a stub page (no network here): the addresses the links opened."""
    opened: list[str] = []

    def answer(route):
        opened.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>stub</title><p>ok</p>")

    context.route(re.compile(r"^https://(t\.me|wa\.me)/.*"), answer)
    return opened


def test_sign_then_read_the_receipt_share_it_and_copy_its_link_on_a_phone(live_server, browser, tmp_path, screenshots):
    live_server.app.config["BASE_URL"] = live_server.url  # the links handed out lead to this server
    petition = approved_petition(live_server, tmp_path, 6001)
    pid = petition["id"]
    address = f"{live_server.url}/petitions/{pid}"
    signer = live_server.citizen(tmp_path, surname="Сейтқалиева", given_name="Айгерім", serial=6010)
    context = phone_context(browser)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    opened = stub_messengers(context)
    try:
        page = context.new_page()
        page.goto(f"{address}?lang=kk")
        assert page.locator("#petition-share").is_visible()  # the page's own share block, before signing
        page.set_input_files("#sign-key-file", str(signer.sign_key))
        page.set_input_files("#sign-cert-file", str(signer.sign_cert))
        page.check("#sign-notify")
        page.click("#sign-submit")
        view = page.locator("#sign-receipt .receipt-view")
        view.wait_for()
        assert page.evaluate("document.activeElement.id") == "sign-receipt"  # read next, by a screen reader too
        assert page.locator("#petition-share").is_hidden()  # the receipt view has its own
        text = " ".join(view.inner_text().split())
        receipt = page.locator("#receipt-code").inner_text()
        assert receipt == page.locator("#sign-status .receipt").inner_text()
        assert said(live_server, "kk", "Your signature is counted") in text
        assert "Әзірге петицияға 1 адам қол қойды, ал жариялану үшін алғашқы 50 қолдаушы қажет." in text
        assert "Тағы 49 қолдаушы керек" in text and "40 жұмыс күні ішінде жауап беруге міндетті" in text
        assert (
            said(live_server, "kk", "You will be told when the petition reaches its threshold and when it is answered.")
            in text
        )
        page.screenshot(path=str(screenshots / "share-receipt-kk.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0

        # Telegram and WhatsApp: each opens the messenger's share address with the petition's
        for name, host in (("telegram", "t.me"), ("whatsapp", "wa.me")):
            with context.expect_page() as popup:
                page.click(f"#receipt-share .share-{name}")
            shared = popup.value
            shared.wait_for_load_state()
            parts = urlsplit(shared.url)
            assert parts.netloc == host and shared.locator("p").inner_text() == "ok"
            query = parse_qs(parts.query)
            if name == "telegram":
                assert parts.path == "/share/url" and query["url"] == [address] and TITLE in query["text"][0]
            else:
                assert query["text"][0].endswith("\n" + address) and TITLE in query["text"][0]
            shared.close()
        assert [urlsplit(url).netloc for url in opened] == ["t.me", "wa.me"]

        # copy the link: to the clipboard, with permission
        page.click("#receipt-share button[data-copy]")
        copied = said(live_server, "kk", "The link is copied: paste it into a message.")
        expect(page.locator("#receipt-share-copy-status")).to_have_text(copied)
        assert page.evaluate("navigator.clipboard.readText()") == address

        # check the receipt in the public log: the verify page, with the receipt filled in
        with page.expect_navigation():
            page.click("#receipt-view .receipt-verify")
        assert urlsplit(page.url).path == "/verify" and page.locator("#receipt").input_value() == receipt
    finally:
        context.close()


def test_without_clipboard_permission_the_link_is_selected_to_copy(live_server, browser, tmp_path, screenshots):
    live_server.app.config["BASE_URL"] = live_server.url
    petition = approved_petition(live_server, tmp_path, 6101)
    address = f"{live_server.url}/petitions/{petition['id']}"
    context = phone_context(browser)
    # a browser that gives the page no clipboard at all, and refuses the old copy command too
    context.add_init_script(
        "Object.defineProperty(navigator, 'clipboard', {value: undefined});"
        "document.execCommand = function () { return false; };"
    )
    try:
        page = context.new_page()
        page.goto(f"{address}?lang=ru")
        button = page.locator("#petition-share button[data-copy]")
        assert button.is_visible()  # shown by the script
        button.click()
        message = "The link is selected: copy it (Ctrl+C, or press and hold on a phone) and paste it into a message."
        expect(page.locator("#petition-share-copy-status")).to_have_text(said(live_server, "ru", message))
        selected = page.evaluate(
            "(() => { const i = document.getElementById('petition-share-url');"
            " return [document.activeElement === i, i.value.substring(i.selectionStart, i.selectionEnd)]; })()"
        )
        assert selected == [True, address]
        page.screenshot(path=str(screenshots / "share-petition-ru.png"), full_page=True)
    finally:
        context.close()


@pytest.mark.parametrize("lang", LANGS)
def test_the_receipt_and_poster_pages_on_a_phone_and_printed_on_a4(live_server, browser, tmp_path, screenshots, lang):
    live_server.app.config["BASE_URL"] = live_server.url
    petition = approved_petition(live_server, tmp_path, 6201)
    pid = petition["id"]
    signer = ApiActor(live_server, live_server.citizen(tmp_path, serial=6210))
    doc = {"type": "petition", "id": pid, "digest": petition["digest"]}
    receipt = signer.post(
        f"/petitions/{pid}/signatures", {"jws": signer.jws({"purpose": "petition.sign", "doc": doc})}, 201
    )["receipt"]
    context = phone_context(browser)
    try:
        page = context.new_page()
        audit = PageAudit(page, live_server.url, lang, screenshots, prefix="share-")
        audit.check("receipt-page", f"/petitions/{pid}/receipt?receipt={receipt}")
        audit.check("poster", f"/petitions/{pid}/poster")
        assert page.locator("#poster-print").is_visible()
        qr = page.locator(".qr-box svg").bounding_box()
        assert qr["width"] >= 150 and abs(qr["width"] - qr["height"]) < 1  # square, big enough to scan
        # printed: the sheet alone on one A4 page, the site's header and footer and the page's words left out
        paper = browser.new_context(viewport={"width": 794, "height": 1123})  # A4 at 96 dpi
        try:
            sheet = paper.new_page()
            sheet.emulate_media(media="print")
            sheet.goto(f"{live_server.url}/petitions/{pid}/poster?lang={lang}")
            assert sheet.locator(".site-header").is_hidden() and sheet.locator(".poster-actions").is_hidden()
            assert sheet.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
            sheet.screenshot(path=str(screenshots / f"share-poster-print-{lang}.png"))
            pdf = sheet.pdf(format="A4", print_background=True, prefer_css_page_size=True)
            pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
            assert pages == 1, f"the poster printed on {pages} A4 pages"
        finally:
            paper.close()
        audit.assert_clean()
    finally:
        context.close()
