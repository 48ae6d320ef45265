"""In a real browser on a phone: after the answer (DOMAIN.md "After the answer"). A reviewer answers
with measures (a row added by the page's script, an empty row left out), a signer rates the answer
with their SIGN key file and sees the count change, the answer is contested, the body publishes its
follow-up and its report; axe on those pages in Kazakh."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.browser.conftest import PageAudit, confirm_act
from tests.browser.test_login_browser import LANDED, sign_in
from tests.browser.test_petition_flow import ApiActor, choose_official_files, grant, official_files, small_thresholds
from tests.conftest import ANSWER_TEXT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE_390 = {"width": 390, "height": 844}
REPORT = "Көше жарығы орнатылды; көпір салу облыстық бағдарламаға енгізілді, жұмыс келесі жылы басталады."


def phone_context(browser):
    context = browser.new_context(viewport=PHONE_390, device_scale_factor=2, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    return context, context.new_page()


def shot(page, screenshots, name: str) -> None:
    page.screenshot(path=str(screenshots / f"after-answer-{name}.png"), full_page=True)


def no_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def said(server, lang: str, text: str) -> str:
    """`text` as the app says it in `lang`."""
    from flask_babel import force_locale, gettext

    with server.app.test_request_context(f"/?lang={lang}"), force_locale(lang):
        return gettext(text)


def rating_summary_text(server, lang: str, count: int, mean: float) -> str:
    """The ratings line of the petition page ("3.4 of 5 from 57 ratings"), as it shows it in `lang`."""
    from flask_babel import force_locale, format_decimal, ngettext

    with server.app.test_request_context(f"/?lang={lang}"), force_locale(lang):  # `num`: the count itself (below 1,000)
        return ngettext("%(mean)s of 5 from %(num)s rating", "%(mean)s of 5 from %(num)s ratings", count,
                        mean=format_decimal(mean, "0.0#"))


def petition_row(server, petition_id: int):
    from extensions import db
    from petitions import accountability
    from petitions.models import Petition

    with server.app.app_context():
        petition = db.session.get(Petition, petition_id)
        facts = {
            "state": petition.state, "contested": petition.contested_at is not None,
            "followed_up": petition.follow_up_at is not None, "reported": petition.reported_at is not None,
            "measures": [(m.body, m.what, m.due_on, m.done) for m in accountability.measures_of(petition_id)],
        }
        db.session.remove()
        return facts


def today() -> date:
    from kernel.kazakhstan_time import local_date

    return local_date(datetime.now(UTC))


def under_review(server, tmp_path, serial: int, title: str = "Ауыл көшесін жөндеу керек"):
    """A Government petition of a fresh author, approved and signed by two citizens: under review.
    Returns (its JSON, the two signers' key files)."""
    author = ApiActor(server, server.citizen(tmp_path, surname="Жұмабаев", given_name="Ерлан", serial=serial))
    moderator_keys = server.citizen(tmp_path, surname="Оспанова", given_name="Дана", serial=serial + 1)
    grant(server, moderator_keys, "moderator")
    moderator = ApiActor(server, moderator_keys)
    files = official_files(server, moderator_keys, tmp_path, "moderator")
    petition = author.submit(author.draft(title))
    moderator.post(f"/petitions/{petition['id']}/moderation", moderator.act(files, "petition.moderate", petition, decision="approve"))
    signers = [server.citizen(tmp_path, serial=serial + 2 + n, given_name=name) for n, name in enumerate(("Айгерім", "Асхат"))]
    for keys in signers:
        ApiActor(server, keys).sign(petition)
    return petition, signers


def rate_on_page(page, keys, rating: int, reasons=()) -> None:
    page.check(f"#rating-{rating}")
    for code in reasons:
        page.check(f"#reason-{code}")
    page.set_input_files("#rate-key-file", str(keys.sign_key))
    page.set_input_files("#rate-cert-file", str(keys.sign_cert))
    page.click("#rate-submit")


def test_answer_rate_contest_follow_up_and_report_on_phones(live_server, browser, tmp_path, screenshots):
    small_thresholds(live_server)
    live_server.app.config.update(PETITION_CONTEST_MIN_RATINGS=2, PETITION_CONTEST_PERCENT=50)
    reviewer = live_server.citizen(tmp_path, surname="Қасымов", given_name="Бауыржан", serial=4001)
    grant(live_server, reviewer, "reviewer", "government")
    reviewer_files = official_files(live_server, reviewer, tmp_path, "reviewer", "government")
    petition, (first, second) = under_review(live_server, tmp_path, 4010)
    pid = petition["id"]
    stranger = live_server.citizen(tmp_path, surname="Бекова", given_name="Әсел", serial=4020)
    url = live_server.url
    contexts = []

    def phone_of(keys=None, lang="ru"):
        context, page = phone_context(browser)
        contexts.append(context)
        if keys is not None:
            sign_in(page, live_server, keys.auth_key, keys.auth_cert, lang=lang)
            page.wait_for_url(LANDED)
        return page

    soon, later, report_day = (today() + timedelta(days=d) for d in (60, 120, 180))
    try:
        # The reviewer answers with measures: a row added by the script, the two rows between left empty.
        page = phone_of(reviewer)
        page.goto(f"{url}/review/{pid}?lang=ru")
        assert page.locator("#measures .measure-row").count() == 3
        page.check("#decision-2")  # not supported: no measures, no report date
        assert page.locator("#promises").is_hidden() and page.locator("#promises-off").is_visible()
        page.check("#decision-0")
        assert page.locator("#promises").is_visible()
        page.fill("#text", ANSWER_TEXT[:120])
        assert "120" in page.inner_text("#text-count")
        page.fill("#measures-0-body", "Қала әкімдігі")
        page.fill("#measures-0-what", "Көше жарығын орнату")
        page.fill("#measures-0-due_on", soon.isoformat())
        page.click("#add-measure")
        assert page.locator("#measures .measure-row").count() == 4
        assert page.evaluate("document.activeElement.id") == "measures-3-body"
        page.fill("#measures-3-body", "Облыс әкімдігі")
        page.fill("#measures-3-what", "Көпір салуды бағдарламаға енгізу")
        page.fill("#measures-3-due_on", later.isoformat())
        page.fill("#report_due_on", report_day.isoformat())
        choose_official_files(page, reviewer_files)
        shot(page, screenshots, "answer-filled")
        assert no_overflow(page) <= 0
        confirm_act(page, "#publish-answer")  # 120 characters: refused, the values shown back, the error on the text
        page.locator("#text-error").wait_for()
        assert petition_row(live_server, pid)["state"] == "under_review"
        assert page.input_value("#measures-3-body") == "Облыс әкімдігі" and page.input_value("#report_due_on") == report_day.isoformat()
        assert page.input_value("#answer-jws") == ""
        shot(page, screenshots, "answer-refused")
        page.fill("#text", ANSWER_TEXT)
        assert page.locator("#text-count.is-enough").count() == 1
        choose_official_files(page, reviewer_files)  # a new page: the files are chosen again
        confirm_act(page, "#publish-answer")
        page.wait_for_url(re.compile(rf"/petitions/{pid}$"))
        row = petition_row(live_server, pid)
        assert row["state"] == "answered"
        assert row["measures"] == [("Қала әкімдігі", "Көше жарығын орнату", soon, None),
                                   ("Облыс әкімдігі", "Көпір салуды бағдарламаға енгізу", later, None)]

        # A signer rates it on the petition page with their SIGN key file, and sees the count change.
        page = phone_of()
        page.goto(f"{url}/petitions/{pid}?lang=ru")
        assert page.locator(".measures-list .measure-pending").count() == 2
        assert said(live_server, "ru", "No ratings yet.") in page.inner_text("#ratings-summary")
        shot(page, screenshots, "rate-form")
        assert no_overflow(page) <= 0
        page.check("#rating-5")
        assert page.locator("#reason-formal").is_disabled()  # a satisfied rating gives no reasons
        rate_on_page(page, first, 2, ["formal"])
        page.locator("#rate-status .receipt").wait_for()
        assert re.fullmatch(r"[\w-]{20,}", page.inner_text("#rate-receipt"))
        shown = "t => document.getElementById('ratings-summary').innerText.includes(t)"
        page.wait_for_function(shown, arg=rating_summary_text(live_server, "ru", 1, 2))
        assert page.locator("#contested").count() == 0
        shot(page, screenshots, "rated")

        # The same signer once more, and a citizen who did not sign: the API's words, in Russian.
        for keys, message in ((first, "You have already rated this answer."),
                              (stranger, "Only the petition's author and its signers may rate its answer.")):
            page = phone_of()
            page.goto(f"{url}/petitions/{pid}?lang=ru")
            rate_on_page(page, keys, 4)
            error = page.locator("#rate-status.status-error")
            error.wait_for()
            assert error.inner_text() == said(live_server, "ru", message)
        shot(page, screenshots, "rate-refused")

        # The second signer rates 1: two ratings, both dissatisfied, and the answer is contested at once.
        page = phone_of()
        page.goto(f"{url}/petitions/{pid}?lang=ru")
        rate_on_page(page, second, 1, ["formal", "not_implemented"])
        page.locator("#rate-status .receipt").wait_for()
        page.wait_for_function(shown, arg=rating_summary_text(live_server, "ru", 2, 1.5))
        page.locator("#contested").wait_for()
        assert petition_row(live_server, pid)["contested"]
        shot(page, screenshots, "contested")

        # The reviewer's queue: the follow-up due first, then the report; the follow-up, then the report.
        page = phone_of(reviewer)
        page.goto(f"{url}/review?lang=ru")
        links = page.locator("#owed a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        assert links == [f"/review/{pid}/follow-up", f"/review/{pid}/report"]
        shot(page, screenshots, "queue")
        assert no_overflow(page) <= 0
        page.click(f"a[href='/review/{pid}/follow-up']")
        assert page.locator("#contested").count() == 1
        page.fill("#text", ANSWER_TEXT + " Мерзім қысқартылды.")
        choose_official_files(page, reviewer_files)
        shot(page, screenshots, "follow-up")
        assert no_overflow(page) <= 0
        confirm_act(page, "#publish-follow-up")
        page.wait_for_url(re.compile(rf"/petitions/{pid}$"))
        assert petition_row(live_server, pid)["followed_up"]
        page.goto(f"{url}/review/{pid}/report?lang=ru")
        assert page.locator(".measure-row").count() == 2
        page.fill("#text", REPORT)
        choose_official_files(page, reviewer_files)
        page.click("#publish-report")  # no measure said done or not: the page asks first, nothing is signed
        assert petition_row(live_server, pid)["reported"] is False
        page.check("#measures-0-done-0")
        page.check("#measures-1-done-1")
        page.fill("#measures-1-note", "Облыс бағдарламасы келесі жылға қалдырды")
        shot(page, screenshots, "report")
        assert no_overflow(page) <= 0
        confirm_act(page, "#publish-report")
        page.wait_for_url(re.compile(rf"/petitions/{pid}$"))
        assert [m[3] for m in petition_row(live_server, pid)["measures"]] == [True, False]

        # Anyone: the checklist, the contested notice, the follow-up and the report, in each language.
        for lang in ("kk", "ru", "en"):
            page = phone_of()
            page.goto(f"{url}/petitions/{pid}?lang={lang}")
            assert page.locator(".measures-list .measure-done").count() == 1
            assert page.locator(".measures-list .measure-not-done").count() == 1
            assert page.locator("#contested").count() == 1 and page.locator("#follow-up").count() == 1
            assert REPORT in page.inner_text("#report")
            assert no_overflow(page) <= 0
            shot(page, screenshots, f"petition-{lang}")
    finally:
        for context in contexts:
            context.close()


def _rate_by_api(server, keys, petition: dict, rating: int, reasons=()) -> None:
    signer = ApiActor(server, keys)
    doc = {"type": "petition", "id": petition["id"], "digest": petition["digest"]}
    signer.post(f"/petitions/{petition['id']}/ratings",
                {"jws": signer.jws({"purpose": "petition.rate", "doc": doc, "rating": rating, "reasons": list(reasons)})}, 201)


def test_after_answer_pages_pass_axe_on_a_phone_in_kazakh(live_server, phone, tmp_path, screenshots):
    small_thresholds(live_server)
    live_server.app.config.update(PETITION_CONTEST_MIN_RATINGS=2, PETITION_CONTEST_PERCENT=50)
    official = live_server.citizen(tmp_path, surname="Қасымов", given_name="Бауыржан", serial=4101)
    grant(live_server, official, "reviewer", "government")
    files = official_files(live_server, official, tmp_path, "reviewer", "government")
    reviewer = ApiActor(live_server, official)
    measures = [
        {"body": "Қала әкімдігі", "what": "Көше жарығын жобалау және орнату", "due_on": (today() + timedelta(days=90)).isoformat()},
        {"body": "Облыс әкімдігі", "what": "Көпір салуды бағдарламаға ұсыну", "due_on": (today() + timedelta(days=60)).isoformat()},
    ]
    answer = {"decision": "supported", "text": ANSWER_TEXT, "measures": measures,
              "report_due_on": (today() + timedelta(days=180)).isoformat()}
    done, done_signers = under_review(live_server, tmp_path, 4110)
    owing, owing_signers = under_review(live_server, tmp_path, 4120, title="Мектепке жаңа автобус керек")
    waiting, _ = under_review(live_server, tmp_path, 4130, title="Саябаққа жарық орнату керек")
    for petition, signers in ((done, done_signers), (owing, owing_signers)):
        reviewer.post(f"/petitions/{petition['id']}/review", reviewer.act(files, "petition.answer", petition, **answer))
        _rate_by_api(live_server, signers[0], petition, 1, ["formal", "late"])
        _rate_by_api(live_server, signers[1], petition, 2, ["not_implemented"])
    reviewer.post(f"/petitions/{done['id']}/review", reviewer.act(files, "petition.follow_up", done, text=ANSWER_TEXT))
    reviewer.post(f"/petitions/{done['id']}/review", reviewer.act(
        files, "petition.report", done, text=REPORT,
        measures=[{"id": 1, "done": True}, {"id": 2, "done": False, "note": "Облыс бағдарламасы келесі жылға қалдырды"}]))

    audit = PageAudit(phone, live_server.url, "kk", screenshots, prefix="after-answer-axe-")
    audit.check("petition", f"/petitions/{done['id']}")  # measures done and not, ratings, contested, follow-up, report, the form
    audit.check("petition-owing", f"/petitions/{owing['id']}")
    sign_in(phone, live_server, official.auth_key, official.auth_cert, lang="kk")
    phone.wait_for_url(LANDED)
    audit.check("queue", "/review")
    audit.check("answer", f"/review/{waiting['id']}")
    phone.check("#decision-0")
    phone.fill("#text", "Қысқа жауап.")
    phone.fill("#measures-0-body", "Қала әкімдігі")
    phone.fill("#measures-0-what", "Жөндеу")
    phone.fill("#measures-0-due_on", (today() + timedelta(days=30)).isoformat())
    phone.click("#add-measure")
    choose_official_files(phone, files)
    confirm_act(phone, "#publish-answer")
    phone.locator("#text-error").wait_for()
    audit.here("answer-errors")
    audit.check("follow-up", f"/review/{owing['id']}/follow-up")
    audit.check("report", f"/review/{owing['id']}/report")
    audit.check("report-done", f"/review/{done['id']}/report")
    audit.assert_clean()
