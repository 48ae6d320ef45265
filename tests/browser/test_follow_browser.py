"""In a real browser on a 390 px phone, in Kazakh: a citizen follows a petition without signing it (a
plain form, no script needed), the petition reaches its threshold and the follower's inbox has the
item; the follower then chooses "only the inbox" for petitions they follow, and the choice is saved.
Screenshots: build/screenshots/follow-petition-kk.png, follow-settings-kk.png."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.browser.test_inbox_browser import no_overflow, phone_390
from tests.browser.test_login_browser import sign_in, wait_for_inbox_item

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TITLE = "Ауыл мектебіне жаңа спорт залын салу"


def open_petition(server, author_iin: str) -> int:
    from extensions import db
    from petitions.models import Petition

    with server.app.app_context():
        now = datetime.now(UTC)
        petition = Petition(
            author_iin=author_iin, title=TITLE, body="Мектептің спорт залы тар әрі ескі. " * 3, language="kk",
            addressee="government", state="open", threshold=50000, digest="sha256:" + "0" * 64, created_at=now,
            collection_ends_at=now + timedelta(days=90), moderation_due_on=date.today(), published_at=now,
        )
        db.session.add(petition)
        db.session.commit()
        petition_id = petition.id
        db.session.remove()
    return petition_id


def reach_threshold(server, petition_id: int) -> None:
    """What the crossing signature's transaction does (petitions/count_moves.py:advance): the move and
    its outbox event, fanned out by the job thread after the commit."""
    from extensions import db
    from petitions.lifecycle import PETITION
    from petitions.models import Petition
    from workers import outbox
    from workers.queues import wait_for_inprocess

    with server.app.app_context():
        now = datetime.now(UTC)
        petition = db.session.get(Petition, petition_id)
        PETITION.move(petition, "reach_threshold")
        petition.threshold_reached_at = now
        petition.review_due_on = date.today() + timedelta(days=60)
        outbox.record("petition.threshold_reached", now, petition_id=petition_id)
        db.session.commit()
        db.session.remove()
        wait_for_inprocess()


def test_a_citizen_follows_a_petition_hears_of_its_threshold_and_chooses_the_inbox_only(
    live_server, browser, tmp_path, screenshots
):
    from flask_babel import gettext

    author = live_server.citizen(tmp_path, serial=1200, surname="Омаров", given_name="Бекзат")
    keys = live_server.citizen(tmp_path, serial=1201)
    petition_id = open_petition(live_server, author.iin)
    context, page = phone_390(browser)
    try:
        sign_in(page, live_server, keys.auth_key, keys.auth_cert, lang="kk")
        page.wait_for_url(re.compile(r"/account$"))

        page.goto(f"{live_server.url}/petitions/{petition_id}?lang=kk")
        button = page.locator("#follow-button")
        assert button.is_visible()
        button.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshots / "follow-petition-kk.png"), full_page=False)
        assert no_overflow(page) <= 0
        button.click()
        page.wait_for_url(re.compile(rf"/petitions/{petition_id}#follow$"))
        assert page.locator("#following").is_visible()
        assert page.locator("#unfollow").is_visible()
        assert page.locator("#sign").count() == 1  # following is not signing: the signing box is still there

        reach_threshold(live_server, petition_id)
        with live_server.app.test_request_context("/?lang=kk"):
            subject = gettext("A petition reached its threshold")
        wait_for_inbox_item(page, live_server, subject)
        item = page.locator(".inbox-item", has_text=subject)
        assert TITLE in item.inner_text()
        assert item.locator(f'a[href="/petitions/{petition_id}"]').count() == 1

        page.click("#settings-link")
        page.wait_for_url(re.compile(r"/inbox/settings$"))
        assert page.locator("#group-official").count() == 0  # no role: no official work to choose for
        page.check("#followed-1")  # only the Dauys inbox
        page.click("#save-settings")
        page.wait_for_url(re.compile(r"/inbox/settings$"))
        assert page.locator(".flash-success, .flash").first.is_visible()
        assert page.locator("#followed-1").is_checked()
        assert page.locator("#signed-0").is_checked()  # the others stay as they were: e-mail
        assert no_overflow(page) <= 0
        page.screenshot(path=str(screenshots / "follow-settings-kk.png"), full_page=True)
    finally:
        context.close()

    from sqlalchemy import select

    from auth.models import User
    from extensions import db
    from notifications.settings import choices

    with live_server.app.app_context():
        user = db.session.scalar(select(User).where(User.iin == keys.iin))
        assert choices(user.id)["followed"] == "inbox"
