"""In a real browser on a phone: signing in without a `next`, each role lands on its work queue; a page
that needs signing in sends there and back; a page of a role one lacks says which and offers a way on."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.browser.conftest import PageAudit
from tests.browser.test_login_browser import sign_in
from tests.browser.test_petition_flow import grant, new_phone
from tests.budgeting.conftest import DISTRICT, schedule

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def voting_cycle(server) -> int:
    from auth.access import CONSOLE
    from budgeting import services
    from extensions import db

    with server.app.app_context():
        now = datetime.now(UTC)
        cycle = services.create_cycle(
            CONSOLE,
            kato=DISTRICT,
            year=now.year,
            amount=1_000_000,
            ballot="approval",
            rule="greedy",
            min_choices=None,
            max_choices=None,
            now=now,
            **schedule("voting", now),
        )
        db.session.commit()
        cycle_id = cycle.id
        db.session.remove()
    return cycle_id


def signed_in_at(page, path: str) -> None:
    """Wait for the sign-in's own navigation to `path` (the form posts from /login, then redirects)."""
    page.wait_for_url(re.compile(re.escape(path) + r"$"))
    assert page.locator(".flash-success").count() == 1


def test_each_role_lands_on_its_work_queue_after_signing_in(live_server, browser, tmp_path):
    cycle_id = voting_cycle(live_server)
    people = [
        (None, None, "/account"),
        ("moderator", None, "/moderation"),
        ("reviewer", "government", "/review"),
        ("admin", None, "/admin/audit"),
        ("budget_officer", DISTRICT, f"/budget/{cycle_id}/screening"),
        ("secretary", DISTRICT, f"/budget/{cycle_id}/paper"),
    ]
    for serial, (role, scope, landing) in enumerate(people, start=6100):
        keys = live_server.citizen(tmp_path, serial=serial)
        if role:
            grant(live_server, keys, role, scope)
        context, page = new_phone(browser)
        try:
            sign_in(page, live_server, keys.auth_key, keys.auth_cert, lang="kk")
            signed_in_at(page, landing)
            assert page.url == live_server.url + landing, role
            assert page.locator("h1").count() == 1
        finally:
            context.close()


def test_a_page_needing_sign_in_comes_back_after_it_and_a_missing_role_offers_a_way_on(
    live_server, browser, tmp_path, screenshots
):
    admin = live_server.citizen(tmp_path, serial=6200)
    grant(live_server, admin, "admin")
    citizen = live_server.citizen(tmp_path, serial=6201, surname="Бекова", given_name="Әсел")
    context, page = new_phone(browser)
    try:
        # anonymous, to the audit log: the sign-in page, then back to the log
        page.goto(live_server.url + "/admin/audit?lang=ru")
        assert re.search(r"/login\?next=", page.url)
        assert page.locator("#eds-submit").count() == 1
        page.set_input_files("#key-file", str(admin.auth_key))
        page.set_input_files("#cert-file", str(admin.auth_cert))
        page.click("#eds-submit")
        signed_in_at(page, "/admin/audit?lang=ru")
        assert page.url == live_server.url + "/admin/audit?lang=ru"
    finally:
        context.close()

    context, page = new_phone(browser)
    try:
        sign_in(page, live_server, citizen.auth_key, citizen.auth_cert, lang="en")
        signed_in_at(page, "/account")
        response = page.goto(live_server.url + "/moderation")
        assert response.status == 403
        main = page.inner_text("main")
        assert "This page is for the platform's moderators." in main and "You do not hold this role." in main
        audit = PageAudit(page, live_server.url, "en", screenshots, prefix="role-missing-")
        audit.here("moderation")
        audit.assert_clean()
        page.goto(live_server.url + "/moderation")  # as it was before the audit opened every <details> (the menu too)
        # a way on: the account page, or signing in as someone else, who comes back here
        assert page.locator("main a[href='/login?next=/moderation']").count() == 1
        with page.expect_navigation():
            page.locator("main a[href='/account']").click()
        assert page.url == live_server.url + "/account"
    finally:
        context.close()
