"""In a real browser on a phone: a 16-year-old who signs in is told the age rule before any form
(issue 15, item 7): on the new-petition page, on a petition collecting signatures and on a village
budget's proposal page, each in its language, with no form to fill; axe checks those pages."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.browser.conftest import KeyFiles, PageAudit
from tests.browser.test_budget_flow import THIS_YEAR, make_cycle
from tests.browser.test_login_browser import sign_in
from tests.browser.test_signing_retry import TITLE, restricted_petition, said

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LANGS = ("kk", "ru", "en")


def teenager(server, tmp_path: Path) -> tuple[KeyFiles, date]:
    """A 16-year-old of Кеңес ауылы with their key files (as LiveServer.citizen, with a birth date of their own)."""
    from auth import services
    from auth.iin import make
    from extensions import db

    today = date.today()
    born = today.replace(year=today.year - 16, day=min(today.day, 28))
    with server.app.app_context():
        iin = make(born, "M", 6001)
        person = services.add_person(iin=iin, surname="Серіков", given_name="Әли", kato="113243200")
        key_set = services.issue_key_set(person, "ec", datetime.now(UTC))
        db.session.commit()
        full_name = person.full_name
        db.session.remove()
    folder = tmp_path / "keys-teenager"
    folder.mkdir()
    files = {}
    for usage, issued in (("auth", key_set.auth), ("sign", key_set.sign)):
        for kind, data in (("key", issued.key_pem), ("cert", issued.cert_pem)):
            path = folder / f"{usage}.{kind}.pem"
            path.write_bytes(data)
            files[f"{usage}_{kind}"] = path
    return KeyFiles(iin=iin, full_name=full_name, **files), born


@pytest.mark.parametrize("lang", LANGS)
def test_a_sixteen_year_old_is_told_the_age_rule_before_any_form(live_server, phone, tmp_path, screenshots, lang):
    petition = restricted_petition(live_server, tmp_path, 6101)
    cycle_id = make_cycle(live_server, THIS_YEAR)
    keys, born = teenager(live_server, tmp_path)
    page = phone
    sign_in(page, live_server, keys.auth_key, keys.auth_cert, lang=lang)
    page.wait_for_url(re.compile(r"/account$"))
    audit = PageAudit(page, live_server.url, lang, screenshots, prefix="eligibility-")

    def notice(selector: str, text: str) -> None:
        shown = page.locator(selector)
        assert shown.is_visible()
        assert shown.inner_text() == said(live_server, lang, text) % {"age": 18, "place": place}
        main = page.inner_text("main")
        assert keys.iin not in main and born.strftime("%d.%m.%Y") not in main and born.isoformat() not in main

    place = None
    audit.check("new-petition", "/petitions/new")
    notice(
        "#write-refusal",
        "Petitions can be submitted by citizens aged %(age)d and over. "
        "By the population registry you are not %(age)d yet.",
    )
    assert page.locator("#petition-form, #title").count() == 0

    audit.check("petition", f"/petitions/{petition['id']}")
    assert TITLE in page.inner_text("h1")
    notice(
        "#sign-refusal",
        "Petitions can be signed by citizens aged %(age)d and over. "
        "By the population registry you are not %(age)d yet.",
    )
    assert page.locator("#petition-sign, #sign-key-file").count() == 0

    place = {"kk": "Кеңес ауылдық округі", "ru": "Кенесский сельский округ", "en": "Кеңес ауылдық округі"}[lang]
    audit.check("cycle", f"/budget/{cycle_id}")
    notice(
        "#take-part-refusal",
        "Projects can be proposed by residents of %(place)s aged %(age)d and over. "
        "By the population registry you are not %(age)d yet.",
    )
    assert page.locator("#propose-link").count() == 0
    audit.check("propose", f"/budget/{cycle_id}/propose")
    notice(
        "#propose-refusal",
        "Projects can be proposed by residents of %(place)s aged %(age)d and over. "
        "By the population registry you are not %(age)d yet.",
    )
    assert page.locator("#proposal-form, #title").count() == 0
    audit.assert_clean()
