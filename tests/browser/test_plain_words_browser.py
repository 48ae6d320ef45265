"""In a real browser on a phone: an official's account page and the audit log show roles, bodies, places,
documents and amounts in words, in Kazakh, Russian and English: what chromium renders holds no role
code, no bare KATO code and no record key. axe on both pages, and the open data page from the footer."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.browser.conftest import PageAudit
from tests.browser.test_login_browser import LANDED, sign_in
from tests.page_text import raw_codes

pytestmark = [pytest.mark.browser, pytest.mark.slow]

KATOS = ("110000000", "113200000", "113243000", "113243200")
ROLES = {
    "kk": ("Әкімші", "Ақмола облысының әкімдігі", "Бюджет жөніндегі маман — Кеңес ауылдық округі"),
    "ru": ("Администратор", "Акимат Акмолинской области", "Специалист по бюджету — Кенесский сельский округ"),
    "en": ("Administrator", "Reviewer — Akimat of Akmola Region", "Budget officer — Кеңес ауылдық округі"),
}


def official_with_entries(server, tmp_path):
    """A citizen who is an admin, a regional reviewer and a budget officer; the log has their grants, a
    calendar transfer and a screened proposal's entry with its checked cost."""
    from audit import services as audit
    from auth import services
    from extensions import db
    from petitions import calendar

    keys = server.citizen(tmp_path, surname="Оспанова", given_name="Дана", serial=4001)
    now = datetime.now(UTC)
    with server.app.app_context():
        services.grant_role(keys.iin, "admin", None, now)
        services.grant_role(keys.iin, "reviewer", "110000000", now, body="region_akimat")
        services.grant_role(keys.iin, "budget_officer", "113243000", now)
        calendar.set_transfer(date(2026, 5, 8), False, "Үкімет қаулысы", now)
        audit.record("proposal.screen", None, "proposal", 13, now, cycle=5, eligible=True, cost=1_150_000, reason=None)
        audit.record("ballot.paper", None, "ballot", 74, now, cycle=5, receipt="p2Xk9Qm4TzL0aB7c")
        db.session.commit()
        db.session.remove()
    return keys


def test_the_account_and_audit_pages_speak_plainly_in_a_browser(live_server, phone, tmp_path, screenshots):
    keys = official_with_entries(live_server, tmp_path)
    page = phone
    sign_in(page, live_server, keys.auth_key, keys.auth_cert)
    page.wait_for_url(LANDED)
    failures = []
    for lang in ("kk", "ru", "en"):
        audit = PageAudit(page, live_server.url, lang, screenshots, prefix="plain-words-")
        audit.check("account", "/account")
        shown = page.inner_text("main")
        failures += [f"account ({lang}): {code}" for code in raw_codes(shown, lang, KATOS)]
        failures += [f"account ({lang}): no {words!r}" for words in ROLES[lang] if words not in shown]
        audit.check("audit", "/admin/audit")
        shown = page.inner_text("main")
        failures += [f"audit ({lang}): {code}" for code in raw_codes(shown, lang, KATOS)]
        if "1 150 000" not in shown.replace("\u00a0", " ").replace("\u202f", " ") and "1,150,000" not in shown:
            failures.append(f"audit ({lang}): the checked cost is not written as money:\n{shown}")
        with page.expect_navigation():
            page.locator("footer a[href='/open-data']").click()
        audit.here("open-data")
        failures += audit.failures
    assert not failures, "\n".join(failures)
