"""In a real browser on a phone: an official's decision goes out only once it is confirmed (issue 15,
item 6). On each kind of officials' page (moderation; the review's discussion and answer; the follow-up
answer; the report on the measures; budget screening; paper ballots; a new budget cycle) one click on
the decision posts nothing and changes nothing: the page shows what will be signed and published; "go
back" (and Esc) keeps the form as it was filled and gives the focus back to the button; only the
confirmation signs and publishes. axe on the open dialog, in Kazakh."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.browser.conftest import PageAudit
from tests.browser.test_after_answer_browser import REPORT, petition_row, said, today, under_review
from tests.browser.test_budget_flow import (
    DISTRICT,
    KENES,
    THIS_YEAR,
    ApiActor,
    api_proposal,
    make_cycle,
    move,
    paper_voter,
    pick_official_files,
    proposal_row,
    second_village,
)
from tests.browser.test_budget_flow import official_files as budget_official_files
from tests.browser.test_login_browser import LANDED, sign_in
from tests.browser.test_petition_flow import choose_official_files, grant, official_files, petition_state
from tests.conftest import ANSWER_TEXT

pytestmark = [pytest.mark.browser, pytest.mark.slow]


class Posts:
    """Every form the page posts (a navigation; the paper ballot's registry check is a fetch of its own):
    the decision's one click must post none."""

    def __init__(self, page):
        self.urls: list[str] = []
        page.on("request", self._seen)

    def _seen(self, request) -> None:
        if request.method == "POST" and request.resource_type == "document":
            self.urls.append(request.url)


def kazakh_number(n: int) -> str:
    from kernel.local_formats import number

    return number(n, "kk")


def kazakh_day(day) -> str:
    from kernel.local_formats import day_label

    return day_label(day, "kk")


def focused(page) -> str:
    return page.evaluate("document.activeElement ? document.activeElement.id : ''")


def summary_on_one_click(page, button: str, posts: Posts, *, shows, unchanged, kept, audit=None, name=""):
    """One click on `button` opens the summary (focus inside it), posts nothing, changes nothing
    (`unchanged()`); it shows each of `shows`. "Go back and change" closes it, the focus returns to the
    button and the form keeps `kept` (selector -> value); Esc does the same. axe on the open dialog."""
    before = len(posts.urls)
    dialog = page.locator("#act-confirm")
    page.click(button)
    dialog.wait_for(state="visible")
    assert page.evaluate("document.activeElement.closest('#act-confirm') !== null")
    text = dialog.inner_text()
    for words in shows:
        assert words in text, (words, text)
    assert len(posts.urls) == before and unchanged()
    if audit is not None:
        audit.here(name)
    page.click("#act-confirm-no")
    dialog.wait_for(state="hidden")
    assert focused(page) == button.lstrip("#")
    for selector, value in kept.items():
        assert page.input_value(selector) == value, selector
    page.click(button)
    dialog.wait_for(state="visible")
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert focused(page) == button.lstrip("#")
    assert len(posts.urls) == before and unchanged()
    return text


def confirm(page, button: str) -> None:
    """The decision once more, and this time "sign and publish": signed in the browser, then posted."""
    page.click(button)
    page.locator("#act-confirm").wait_for(state="visible")
    with page.expect_navigation():
        page.click("#act-confirm-yes")


def official_page(browser, server, keys, lang: str = "kk"):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, server, keys.auth_key, keys.auth_cert, lang=lang)
    page.wait_for_url(LANDED)
    return context, page


def test_moderation_decisions_are_signed_only_once_confirmed(live_server, browser, tmp_path, screenshots):
    author = ApiActor(live_server, live_server.citizen(tmp_path, surname="Жұмабаев", given_name="Ерлан", serial=5001))
    keys = live_server.citizen(tmp_path, surname="Оспанова", given_name="Дана", serial=5002)
    grant(live_server, keys, "moderator")
    files = official_files(live_server, keys, tmp_path, "moderator")
    rejected = author.submit(author.draft("Ауыл көшесін жөндеу керек"))
    approved = author.submit(author.draft("Мектепке жаңа автобус керек"))
    context, page = official_page(browser, live_server, keys)
    try:
        posts = Posts(page)
        audit = PageAudit(page, live_server.url, "kk", screenshots, prefix="act-confirm-")
        page.goto(f"{live_server.url}/moderation/{rejected['id']}")
        choose_official_files(page, files)
        page.select_option("#reason", "duplicate")
        comment = "Осы мәселе бойынша петиция қазір қол жинап жатыр: соған қосылыңыз."
        page.fill("#comment", comment)
        reason = said(live_server, "kk", "A petition on the same matter is already collecting signatures")
        summary_on_one_click(
            page,
            "#reject",
            posts,
            shows=["Ауыл көшесін жөндеу керек", reason, comment],
            unchanged=lambda: petition_state(live_server, rejected["id"]) == "moderation",
            kept={"#reason": "duplicate", "#comment": comment},
            audit=audit,
            name="moderation-reject",
        )
        confirm(page, "#reject")
        assert petition_state(live_server, rejected["id"]) == "rejected"

        page.goto(f"{live_server.url}/moderation/{approved['id']}")
        choose_official_files(page, files)
        summary_on_one_click(
            page,
            "#approve",
            posts,
            shows=["Мектепке жаңа автобус керек"],
            unchanged=lambda: petition_state(live_server, approved["id"]) == "moderation",
            kept={},
        )
        confirm(page, "#approve")
        assert petition_state(live_server, approved["id"]) == "restricted"
        audit.assert_clean()
    finally:
        context.close()


def test_review_discussion_and_answer_are_signed_only_once_confirmed(live_server, browser, tmp_path, screenshots):
    from tests.browser.test_petition_flow import small_thresholds

    small_thresholds(live_server)
    keys = live_server.citizen(tmp_path, surname="Қасымов", given_name="Бауыржан", serial=5101)
    grant(live_server, keys, "reviewer", "government")
    files = official_files(live_server, keys, tmp_path, "reviewer", "government")
    petition, _signers = under_review(live_server, tmp_path, 5110)
    pid = petition["id"]
    context, page = official_page(browser, live_server, keys)
    try:
        posts = Posts(page)
        audit = PageAudit(page, live_server.url, "kk", screenshots, prefix="act-confirm-")
        page.goto(f"{live_server.url}/review/{pid}")
        choose_official_files(page, files)
        discussion_day = today() + timedelta(days=14)
        when = discussion_day.strftime("%Y-%m-%dT10:30")
        page.fill("#at", when)
        page.fill("#place", "Астана, Үкімет үйі, 3-зал")

        def no_discussion() -> bool:
            from extensions import db
            from petitions.models import Petition

            with live_server.app.app_context():
                held = db.session.get(Petition, pid).discussion_at
                db.session.remove()
            return held is None

        summary_on_one_click(
            page,
            "#schedule",
            posts,
            shows=["Астана, Үкімет үйі, 3-зал", f"{kazakh_day(discussion_day)}, 10:30"],
            unchanged=no_discussion,
            kept={"#at": when, "#place": "Астана, Үкімет үйі, 3-зал"},
            audit=audit,
            name="review-discussion",
        )
        confirm(page, "#schedule")
        assert not no_discussion()

        choose_official_files(page, files)  # a new page: the files are chosen again
        due, report_day = today() + timedelta(days=60), today() + timedelta(days=120)
        page.check("#decision-0")
        page.fill("#text", ANSWER_TEXT)
        page.fill("#measures-0-body", "Қала әкімдігі")
        page.fill("#measures-0-what", "Көше жарығын орнату")
        page.fill("#measures-0-due_on", due.isoformat())
        page.fill("#report_due_on", report_day.isoformat())
        text = summary_on_one_click(
            page,
            "#publish-answer",
            posts,
            shows=["Қала әкімдігі", "Көше жарығын орнату", ANSWER_TEXT[:60], kazakh_day(report_day), kazakh_day(due)],
            unchanged=lambda: petition_row(live_server, pid)["state"] == "under_review",
            kept={"#text": ANSWER_TEXT, "#measures-0-body": "Қала әкімдігі", "#report_due_on": report_day.isoformat()},
            audit=audit,
            name="review-answer",
        )
        assert said(live_server, "kk", "Measure %(num)s").replace("%(num)s", "1") in text  # the measure, by its row
        assert "Measure" not in text  # all of it in Kazakh
        confirm(page, "#publish-answer")
        row = petition_row(live_server, pid)
        assert row["state"] == "answered" and row["measures"] == [("Қала әкімдігі", "Көше жарығын орнату", due, None)]
        audit.assert_clean()
    finally:
        context.close()


def test_follow_up_and_report_are_signed_only_once_confirmed(live_server, browser, tmp_path, screenshots):
    from tests.browser.test_after_answer_browser import _rate_by_api
    from tests.browser.test_petition_flow import small_thresholds

    small_thresholds(live_server)
    live_server.app.config.update(PETITION_CONTEST_MIN_RATINGS=2, PETITION_CONTEST_PERCENT=50)
    keys = live_server.citizen(tmp_path, surname="Қасымов", given_name="Бауыржан", serial=5201)
    grant(live_server, keys, "reviewer", "government")
    files = official_files(live_server, keys, tmp_path, "reviewer", "government")
    petition, signers = under_review(live_server, tmp_path, 5210)
    pid = petition["id"]
    reviewer = ApiActor(live_server, keys)
    measures = [
        {"body": "Қала әкімдігі", "what": "Көше жарығын орнату", "due_on": (today() + timedelta(days=30)).isoformat()}
    ]
    reviewer.post(
        f"/petitions/{pid}/review",
        reviewer.act(
            files,
            "petition.answer",
            petition,
            decision="supported",
            text=ANSWER_TEXT,
            measures=measures,
            report_due_on=(today() + timedelta(days=90)).isoformat(),
        ),
    )
    for signer, rating in zip(signers, (1, 2), strict=True):
        _rate_by_api(live_server, signer, petition, rating, ["formal"])
    context, page = official_page(browser, live_server, keys)
    try:
        posts = Posts(page)
        audit = PageAudit(page, live_server.url, "kk", screenshots, prefix="act-confirm-")
        page.goto(f"{live_server.url}/review/{pid}/follow-up")
        choose_official_files(page, files)
        page.fill(
            "#text", "Ә" * 1234
        )  # the count as one types, grouped as the page groups it, not as the browser would
        assert kazakh_number(1234) in page.inner_text("#text-count")
        follow_up = ANSWER_TEXT + " Мерзім қысқартылды."
        page.fill("#text", follow_up)
        summary_on_one_click(
            page,
            "#publish-follow-up",
            posts,
            shows=[follow_up[:60], "…"],
            unchanged=lambda: not petition_row(live_server, pid)["followed_up"],
            kept={"#text": follow_up},
            audit=audit,
            name="follow-up",
        )
        confirm(page, "#publish-follow-up")
        assert petition_row(live_server, pid)["followed_up"]

        page.goto(f"{live_server.url}/review/{pid}/report")
        choose_official_files(page, files)
        page.check("#measures-0-done-0")
        page.fill("#text", REPORT)
        done = said(live_server, "kk", "Yes, done")
        summary_on_one_click(
            page,
            "#publish-report",
            posts,
            shows=["Көше жарығын орнату", done, REPORT],
            unchanged=lambda: not petition_row(live_server, pid)["reported"],
            kept={"#text": REPORT},
            audit=audit,
            name="report",
        )
        confirm(page, "#publish-report")
        assert petition_row(live_server, pid)["reported"]
        audit.assert_clean()
    finally:
        context.close()


def test_screening_and_paper_ballots_are_signed_only_once_confirmed(live_server, browser, tmp_path, screenshots):
    second_village(live_server)
    neighbour = ApiActor(
        live_server, live_server.citizen(tmp_path, surname="Ахметова", given_name="Гүлнар", serial=5301)
    )
    officer = live_server.citizen(tmp_path, surname="Оспанова", given_name="Дана", serial=5302)
    secretary = live_server.citizen(tmp_path, surname="Қасымов", given_name="Бауыржан", serial=5303)
    grant(live_server, officer, "budget_officer", DISTRICT)
    grant(live_server, secretary, "secretary", DISTRICT)
    officer_files = budget_official_files(live_server, officer, "budget_officer", DISTRICT)
    secretary_files = budget_official_files(live_server, secretary, "secretary", DISTRICT)
    cycle_id = make_cycle(live_server, THIS_YEAR)
    lighting = api_proposal(neighbour, cycle_id, "Кеңес ауылына көше жарығы", 400_000, KENES, "lighting")
    hall = api_proposal(neighbour, cycle_id, "Жеке үйге шатыр", 200_000, KENES, "other")
    move(live_server, cycle_id, "screening")
    contexts = []
    try:
        context, page = official_page(browser, live_server, officer)
        contexts.append(context)
        posts = Posts(page)
        audit = PageAudit(page, live_server.url, "kk", screenshots, prefix="act-confirm-")
        page.goto(f"{live_server.url}/budget/{cycle_id}/screening")
        pick_official_files(page, officer_files)
        page.fill(f"#p{lighting}e-cost", "380000")
        money = kazakh_number(380_000) + "\u00a0₸"  # as the page writes it, whatever the browser knows of Kazakh
        summary_on_one_click(
            page,
            f"#screen-{lighting}",
            posts,
            shows=["Кеңес ауылына көше жарығы", money],
            unchanged=lambda: proposal_row(live_server, lighting)[0] == "submitted",
            kept={f"#p{lighting}e-cost": "380000"},
            audit=audit,
            name="screening-eligible",
        )
        confirm(page, f"#screen-{lighting}")
        assert proposal_row(live_server, lighting)[:2] == ("eligible", 380_000)
        pick_official_files(page, officer_files)
        reason = "Жеке үй — ауыл бюджетінен қаржыландырылмайды."
        page.fill(f"#p{hall}n-reason", reason)
        summary_on_one_click(
            page,
            f"#screen-no-{hall}",
            posts,
            shows=["Жеке үйге шатыр", reason],
            unchanged=lambda: proposal_row(live_server, hall)[0] == "submitted",
            kept={f"#p{hall}n-reason": reason},
        )
        confirm(page, f"#screen-no-{hall}")
        assert proposal_row(live_server, hall)[0] == "ineligible"

        move(live_server, cycle_id, "voting")
        on_paper = paper_voter(live_server, 5304)
        context, page = official_page(browser, live_server, secretary)
        contexts.append(context)
        posts = Posts(page)
        audit.page = page
        page.goto(f"{live_server.url}/budget/{cycle_id}/paper")
        page.fill("#voter-iin", on_paper)
        page.check(f"input[name=projects][value='{lighting}']")
        pick_official_files(page, secretary_files)

        def no_ballot() -> bool:
            from sqlalchemy import func, select

            from budgeting.models import Ballot
            from extensions import db

            with live_server.app.app_context():
                count = db.session.scalar(select(func.count(Ballot.id)).where(Ballot.cycle_id == cycle_id))
                db.session.remove()
            return count == 0

        summary_on_one_click(
            page,
            "#record-paper",
            posts,
            shows=[on_paper, "Кеңес ауылына көше жарығы"],
            unchanged=no_ballot,
            kept={"#voter-iin": on_paper},
            audit=audit,
            name="paper",
        )
        confirm(page, "#record-paper")
        assert not no_ballot()
        assert page.locator(".flash-success").count() == 1
        audit.assert_clean()
    finally:
        for context in contexts:
            context.close()


def test_a_new_cycle_is_created_only_once_its_summary_is_confirmed(live_server, browser, tmp_path, screenshots):
    from sqlalchemy import func, select

    from budgeting.models import BudgetCycle
    from extensions import db

    def cycles() -> int:
        with live_server.app.app_context():
            count = db.session.scalar(select(func.count(BudgetCycle.id)))
            db.session.remove()
        return count

    officer = live_server.citizen(tmp_path, surname="Оспанова", given_name="Дана", serial=5401)
    grant(live_server, officer, "budget_officer", DISTRICT)
    context, page = official_page(browser, live_server, officer)
    try:
        audit = PageAudit(page, live_server.url, "kk", screenshots, prefix="act-confirm-")
        page.goto(f"{live_server.url}/budget/new")
        year = THIS_YEAR + 1
        values = {
            "#amount": "5000000",
            "#proposals_open": f"{year}-03-01T09:00",
            "#proposals_close": f"{year}-03-31T18:00",
            "#voting_open": f"{year}-04-10T09:00",
            "#voting_close": f"{year}-04-20T20:00",
        }
        page.fill("#year", str(year))
        for selector, value in values.items():
            page.fill(selector, value)
        page.check("#ballot-1")  # knapsack
        page.check("#rule-1")  # equal shares
        with page.expect_navigation():
            page.click("#create-cycle")
        assert page.locator("#cycle-preview").is_visible() and cycles() == 0
        assert focused(page) == "preview-title"
        preview = page.inner_text("#cycle-preview")
        for words in (
            "Кеңес ауылдық округі",
            said(live_server, "kk", "Method of Equal Shares: fair to small villages"),
            "09:00",
        ):
            assert words in preview, words
        assert kazakh_number(5_000_000) in preview
        audit.here("new-cycle-preview")
        with page.expect_navigation():
            page.click("#create-back")
        assert cycles() == 0 and page.locator("#cycle-form").is_visible()
        for selector, value in values.items():
            assert page.input_value(selector) == value, selector
        assert page.is_checked("#ballot-1") and page.is_checked("#rule-1") and page.input_value("#year") == str(year)
        with page.expect_navigation():
            page.click("#create-cycle")
        with page.expect_navigation():
            page.click("#create-confirm")
        assert cycles() == 1 and re.search(r"/budget/\d+$", page.url)
        with live_server.app.app_context():
            cycle = db.session.scalar(select(BudgetCycle))
            assert (cycle.ballot, cycle.rule, cycle.amount, cycle.year) == ("knapsack", "mes", 5_000_000, year)
            db.session.remove()
        audit.assert_clean()
    finally:
        context.close()
