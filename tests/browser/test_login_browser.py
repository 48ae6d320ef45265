"""In a real browser on a phone: sign in with EDS (WebCrypto), the welcome, and an axe audit of the pages."""

from __future__ import annotations

import re
import time
from datetime import UTC

import pytest

from tests.browser.conftest import PageAudit

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LANGS = ("kk", "ru", "en")


# Where a sign-in ends: any page but the sign-in page (each role lands on its own work queue, a
# citizen on the account page: auth/landing.py). The page is at /login until then, so this waits.
LANDED = re.compile(r"^(?!.*/login(?:\?|$))")


def sign_in(page, server, key_file, cert_file, lang: str | None = None) -> None:
    """Open /login, pick the two files and press the button; does not wait for the outcome."""
    page.goto(server.url + "/login" + (f"?lang={lang}" if lang else ""))
    page.set_input_files("#key-file", str(key_file))
    page.set_input_files("#cert-file", str(cert_file))
    page.click("#eds-submit")


def translated(server, lang: str, what):
    """`what()` evaluated in a request of the given language, as the app would render it."""
    with server.app.test_request_context(f"/?lang={lang}"):
        return what()


def welcome_title(server, iin: str, lang: str) -> str:
    from sqlalchemy import select

    from auth.models import User
    from extensions import db
    from notifications.services import render

    with server.app.test_request_context("/"):
        user = db.session.scalar(select(User).where(User.iin == iin))
        title = render("account.welcome", user, {"user_id": user.id}, lang)[0]
        db.session.remove()
        return title


def wait_for_inbox_item(page, server, text: str, timeout: float = 10.0) -> None:
    """The welcome is delivered by the job thread after commit: reload the inbox until it shows."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(server.url + "/inbox")
        if page.locator(".inbox-item h3", has_text=text).count():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"no inbox item {text!r} after {timeout}s:\n{page.inner_text('main')}")
        time.sleep(0.3)


@pytest.mark.parametrize("key_type", ["rsa", "ec"])
def test_citizen_signs_in_with_eds_on_a_phone(live_server, phone, tmp_path, key_type):
    from flask_babel import gettext

    keys = live_server.citizen(tmp_path, key_type=key_type)
    page = phone

    sign_in(page, live_server, keys.auth_key, keys.auth_cert)
    page.wait_for_url(re.compile(r"/account$"))

    assert keys.full_name in page.inner_text("main")
    success = page.locator(".flash-success")
    assert success.count() == 1
    lang = page.locator("html").get_attribute("lang")
    assert success.inner_text() == translated(live_server, lang, lambda: gettext("You are signed in."))
    assert page.locator("nav.main-nav button", has_text=re.compile(".+")).count() == 1  # Sign out

    wait_for_inbox_item(page, live_server, welcome_title(live_server, keys.iin, lang))
    item = page.locator(".inbox-item").first
    assert "unread" in (item.get_attribute("class") or "")
    assert "Айгерім" in item.inner_text()


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_sign_key_is_refused_for_login_with_a_translated_message(live_server, phone, tmp_path, screenshots, lang):
    from auth.eds import WRONG_KEY_MESSAGES

    keys = live_server.citizen(tmp_path, key_type="ec")
    page = phone
    # Choose the language with the switcher, as a person would: it lasts for the session.
    page.goto(live_server.url + "/login")
    page.click(f".lang-switch button[value={lang}]")
    page.wait_for_url(re.compile(r"/login$"))
    assert page.locator("html").get_attribute("lang") == lang

    sign_in(page, live_server, keys.sign_key, keys.sign_cert)
    error = page.locator(".flash-error")
    error.wait_for()

    expected = translated(live_server, lang, lambda: str(WRONG_KEY_MESSAGES["auth"]))  # names the AUTH files
    assert error.inner_text() == expected
    assert re.search(r"/login$", page.url)
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("#eds-submit").is_enabled()
    page.screenshot(path=str(screenshots / f"login-error-{lang}.png"), full_page=True)

    # Not signed in: the account page still sends us to the login page.
    page.goto(live_server.url + "/account")
    assert re.search(r"/login\?next=", page.url)
    assert page.locator("nav.main-nav a[href='/login']").count() == 1


@pytest.mark.parametrize("lang", LANGS)
def test_pages_pass_axe_on_a_phone(live_server, phone, tmp_path, screenshots, lang):

    page = phone
    audit = PageAudit(page, live_server.url, lang, screenshots, prefix="")
    check = audit.check

    check("home", "/")
    check("login", "/login")
    check("404", "/no-such-page", status=404)

    keys = live_server.citizen(tmp_path)
    sign_in(page, live_server, keys.auth_key, keys.auth_cert, lang=lang)
    page.wait_for_url(re.compile(r"/account$"))
    wait_for_inbox_item(page, live_server, welcome_title(live_server, keys.iin, lang))

    check("account", "/account")
    check("inbox", "/inbox")

    # The admin's calendar page, with a transfer entered so its list shows too.
    from datetime import date, datetime

    from auth import services
    from extensions import db
    from petitions import calendar

    with live_server.app.app_context():
        services.grant_role(keys.iin, "admin", None, datetime.now(UTC))
        calendar.set_transfer(date(2026, 5, 8), False, "Decree No. 1", datetime.now(UTC))
        db.session.commit()
        db.session.remove()
    check("calendar-admin", "/admin/calendar")
    # the audit log, with the role grant and the transfer above in it
    check("audit-log", "/admin/audit")
    assert page.locator("ol.audit li").count() >= 2

    audit.assert_clean()
