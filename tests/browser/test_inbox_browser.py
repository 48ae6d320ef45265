"""In a real browser on a 390 px phone: the inbox's links are <a> elements on the live server's own
host and port (a random one: a link to :5000 would fail here) that lead to their page; the inbox is
paged and never wider than the screen."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.browser.conftest import PageAudit
from tests.browser.test_login_browser import sign_in, wait_for_inbox_item, welcome_title

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE_390 = {"width": 390, "height": 844}
# A title with a word longer than the screen is wide, markup and a foreign address: all inert text.
TITLE = "Ауылдық-округтің-орталық-көшесін-жөндеу-және-жарықтандыру-керек <b>шұғыл</b> https://evil.example/x"


def phone_390(browser):
    context = browser.new_context(viewport=PHONE_390, device_scale_factor=2, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    return context, context.new_page()


def petition_with_news(server, author_iin: str, events: int) -> int:
    """A public petition of the author's and `events` notifications about it, fanned out by the job thread."""
    from extensions import db
    from petitions.models import Petition
    from workers import outbox
    from workers.queues import wait_for_inprocess

    with server.app.app_context():
        now = datetime.now(UTC)
        petition = Petition(
            author_iin=author_iin,
            title=TITLE,
            body="Көшені жөндеу туралы өтініш. " * 3,
            language="kk",
            addressee="government",
            state="open",
            threshold=50000,
            digest="sha256:" + "0" * 64,
            created_at=now,
            collection_ends_at=now + timedelta(days=90),
            moderation_due_on=date.today(),
            published_at=now,
        )
        db.session.add(petition)
        db.session.flush()
        petition_id = petition.id
        for _ in range(events):
            outbox.record("petition.opened", now, petition_id=petition_id)
        db.session.commit()
        db.session.remove()  # no transaction of ours open (SQLite's one writer) while the job thread delivers
        wait_for_inprocess()
    return petition_id


def no_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_inbox_links_lead_to_their_page_on_this_server_and_the_inbox_is_paged_on_a_phone(
    live_server, browser, tmp_path, screenshots, lang
):
    keys = live_server.citizen(tmp_path)
    context, page = phone_390(browser)
    try:
        sign_in(page, live_server, keys.auth_key, keys.auth_cert, lang=lang)
        page.wait_for_url(re.compile(r"/account$"))
        wait_for_inbox_item(page, live_server, welcome_title(live_server, keys.iin, lang))
        petition_id = petition_with_news(live_server, keys.iin, 24)  # with the welcome: 25, two pages

        page.goto(live_server.url + "/inbox")
        assert page.locator(".inbox-item").count() == 20
        links = page.locator(".inbox-item .inbox-about a")
        assert links.count() == 20
        for index in range(links.count()):
            link = links.nth(index)
            assert link.evaluate("a => a.tagName") == "A"
            # the address the browser resolves: this server's own host and port, whatever it is
            assert link.evaluate("a => a.href") == f"{live_server.url}/petitions/{petition_id}"
        assert page.locator(".inbox-item b").count() == 0  # the title's markup stays text
        assert page.locator(".inbox a[href*='evil.example']").count() == 0  # its address is not linkified
        assert "— Dauys" not in page.inner_text("main")
        assert no_overflow(page) <= 0, "the inbox is wider than a 390 px phone"
        page.screenshot(path=str(screenshots / f"inbox-phone-{lang}.png"), full_page=True)
        audit = PageAudit(page, live_server.url, lang, screenshots, prefix="inbox-")
        audit.here("page-1")

        # paged: the next page has the rest, the oldest last, and a way back
        pager = page.locator("nav.pagination")
        assert pager.get_attribute("aria-label")
        with page.expect_navigation():
            pager.locator("a[rel=next]").click()
        assert page.url == f"{live_server.url}/inbox?page=2"
        assert page.locator(".inbox-item").count() == 5
        assert page.locator(".inbox-item .inbox-about a[href='/account']").count() == 1  # the welcome
        assert page.locator("nav.pagination a[rel=prev]").count() == 1
        assert page.locator("nav.pagination a[rel=next]").count() == 0
        assert no_overflow(page) <= 0
        audit.here("page-2")
        audit.assert_clean()

        # a link leads to its page, on this server
        with page.expect_navigation():
            page.locator("nav.pagination a[rel=prev]").click()
        with page.expect_navigation():
            page.locator(".inbox-item .inbox-about a").first.click()
        assert page.url == f"{live_server.url}/petitions/{petition_id}"
        assert "Ауылдық-округтің-орталық-көшесін" in page.locator("h1").inner_text()
        page.goto(live_server.url + "/inbox?page=2")
        with page.expect_navigation():
            page.locator(".inbox-item .inbox-about a[href='/account']").click()
        assert page.url == f"{live_server.url}/account"
    finally:
        context.close()
