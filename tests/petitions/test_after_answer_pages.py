"""The pages of what follows the answer (DOMAIN.md "After the answer"), with the Flask test client:
the reviewer's answer form with its measures, the follow-up and report pages, the queue of what a
body owes, and the petition page's measures, ratings and rating form, in kk, ru and en."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.conftest import ANSWER_TEXT, answer_fields
from tests.petitions import test_after_the_answer
from tests.petitions.conftest import form_data
from tests.petitions.test_after_the_answer import _contest, answered, rate
from tests.petitions.test_pages import sign_in_page, sign_out_page

scene = test_after_the_answer.scene  # a government petition under review, its author and three signers (a fixture)

LANGS = ("kk", "ru", "en")


def words(lang: str, text: str, **variables) -> str:
    """`text` as the pages say it in `lang` (its variables HTML-escaped, as a template writes them)."""
    from flask_babel import gettext
    from markupsafe import Markup

    with _request(lang):
        return str(Markup(gettext(text)) % variables) if variables else gettext(text)


@contextmanager
def _request(lang: str):
    """Babel in `lang` (the locale is kept on `g`, which the test's app context shares with its requests)."""
    from flask import current_app
    from flask_babel import force_locale

    with current_app.test_request_context(f"/?lang={lang}"), force_locale(lang):
        yield


def signed_post(client, reviewer, path: str, purpose: str, rows: dict | None = None, **fields):
    """POST an official page form as the browser does: the act signed from `fields`, and the
    form's fields beside it (`rows`, when given, instead of `fields`: what the page's rows held)."""
    jws = reviewer.act(purpose, int(path.split("/")[2]), **fields)
    return client.post(path, data={"jws": jws, **form_data(rows if rows is not None else fields)})


def html_of(response) -> str:
    return response.get_data(as_text=True)


def petition_page(client, pid: int, lang: str = "en") -> str:
    response = client.get(f"/petitions/{pid}?lang={lang}")
    assert response.status_code == 200
    return html_of(response)


# --- the answer page ----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_the_answer_page_shows_the_rules_a_character_count_and_three_measure_rows(client, scene, lang):
    sign_in_page(client, scene["reviewer"].citizen)
    page = client.get(f"/review/{scene['petition']['id']}?lang={lang}")
    assert page.status_code == 200
    html = html_of(page)
    for n in range(3):  # three rows without the script; it adds more
        for member in ("body", "what", "due_on"):
            assert f'name="measures-{n}-{member}"' in html
    assert 'name="measures-3-body"' not in html
    assert 'name="report_due_on"' in html and 'type="date"' in html
    assert words(lang, "Add another measure") in html and 'data-add-row="measures"' in html
    assert 'data-min-chars="200"' in html and 'id="text-count"' in html
    assert words(lang, "an answer that does not support the petition promises neither.") in html
    assert words(lang, "Characters: %(count)s (at least %(min)s needed).", count="0", min="200") in html
    assert '"type": "rows"' in html and "js/act-form.js" in html
    if lang != "en":
        assert words(lang, "Measures") != "Measures" and words(lang, "Measures") in html


def test_a_signed_answer_with_measures_from_the_page_is_published_with_them(client, scene):
    pid = scene["petition"]["id"]
    sign_in_page(client, scene["reviewer"].citizen)
    fields = answer_fields("partly_supported")
    done = signed_post(client, scene["reviewer"], f"/review/{pid}/answer", "petition.answer", **fields)
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/petitions/{pid}")
    sign_out_page(client)
    for lang in LANGS:
        html = petition_page(client, pid, lang)
        for measure in fields["measures"]:
            assert measure["body"] in html and measure["what"] in html
            assert f'datetime="{measure["due_on"]}"' in html
        assert f'datetime="{fields["report_due_on"]}"' in html and words(lang, "Report on the measures due") in html
        assert html.count('class="measure measure-pending"') == 2 and words(lang, "Pending: the report will say") in html
    assert "2 measures promised" in petition_page(client, pid, "en")  # in the timeline


def test_a_refused_answer_shows_each_error_on_its_own_input_and_the_values_but_never_the_jws(client, scene):
    pid = scene["petition"]["id"]
    sign_in_page(client, scene["reviewer"].citizen)
    good = answer_fields("supported")["measures"][0]
    late = {"body": "Облыс әкімдігі", "what": "Көпір салу", "due_on": "2099-01-01"}
    # the page had an empty row between the two: the browser left it out, so the act's measures[1] is row 2
    rows = [good, {"body": "", "what": "", "due_on": ""}, late]
    fields = {"decision": "supported", "text": ANSWER_TEXT[:150], "measures": [good, late]}
    jws = scene["reviewer"].act("petition.answer", pid, **fields)
    page = client.post(f"/review/{pid}/answer?lang=en", data={"jws": jws, **form_data(fields | {"measures": rows})})
    assert page.status_code == 422
    html = html_of(page)
    assert re.search(r'id="measures-2-due_on-error">Enter a due date from today to at most 12 months ahead', html)
    assert re.search(r'<input aria-describedby="measures-2-due_on-error" aria-invalid="true" id="measures-2-due_on"', html)
    assert 'id="measures-1-due_on-error"' not in html and 'id="measures-0-due_on-error"' not in html
    assert 'id="text-error">Explain the decision in at least 200 characters.' in html
    assert 'id="report_due_on-error">Enter the day the report on the measures is due' in html
    assert 'value="2099-01-01"' in html and "Көпір салу" in html and ANSWER_TEXT[:150] in html  # shown back
    assert jws not in html and 'name="jws" type="hidden" value=""' in html
    # the count the page shows is the server's: the trimmed text's characters
    assert f"Characters: {len(ANSWER_TEXT[:150].strip())} (at least 200 needed)." in html
    from tests.petitions.test_pages import state_of

    assert state_of(pid) == "under_review"


def test_a_supporting_answer_without_measures_says_so_above_the_rows(client, scene):
    pid = scene["petition"]["id"]
    sign_in_page(client, scene["reviewer"].citizen)
    page = signed_post(client, scene["reviewer"], f"/review/{pid}/answer?lang=ru", "petition.answer",
                       decision="supported", text=ANSWER_TEXT)
    assert page.status_code == 422
    html = html_of(page)
    assert 'id="measures-error"' in html and 'aria-describedby="measures-error"' in html
    assert 'id="report_due_on-error"' in html


# --- the follow-up and the report ---------------------------------------------------------------


def test_the_follow_up_page_publishes_the_follow_up_of_a_contested_answer(app, client, scene):
    pid = scene["petition"]["id"]
    petition = answered(scene)
    reviewer = scene["reviewer"]
    sign_in_page(client, reviewer.citizen)
    assert words("en", "No follow-up answer is due on this petition.") in html_of(client.get(f"/review/{pid}/follow-up?lang=en"))
    _contest(app, scene, client, petition)
    review = html_of(client.get(f"/review/{pid}?lang=en"))  # answered: the answer page points to what is owed
    assert f'href="/review/{pid}/follow-up"' in review and f'href="/review/{pid}/report"' in review
    for lang in LANGS:
        html = html_of(client.get(f"/review/{pid}/follow-up?lang={lang}"))
        assert 'data-act-purpose="petition.follow_up"' in html and 'id="publish-follow-up"' in html
        assert words(lang, "This answer is contested") in html and 'role="status"' in html
        assert words(lang, "It is a formality, with no substance") in html  # the reasons the raters gave
    short = signed_post(client, reviewer, f"/review/{pid}/follow-up?lang=en", "petition.follow_up", text="Қайта қаралды.")
    assert short.status_code == 422
    assert 'id="text-error">Explain the follow-up answer in at least 200 characters.' in html_of(short)
    follow_up = ANSWER_TEXT + " Қайта қаралып, жұмыс мерзімі қысқартылды."
    done = signed_post(client, reviewer, f"/review/{pid}/follow-up", "petition.follow_up", text=follow_up)
    assert done.status_code == 302
    sign_out_page(client)
    for lang in LANGS:
        html = petition_page(client, pid, lang)
        assert follow_up in html and words(lang, "Follow-up answer") in html
        assert words(lang, "This answer is contested") in html
    sign_in_page(client, reviewer.citizen)
    assert 'id="publish-follow-up"' not in html_of(client.get(f"/review/{pid}/follow-up"))


def test_the_report_page_says_for_each_measure_whether_it_was_done(client, scene):
    pid = scene["petition"]["id"]
    answered(scene)
    reviewer = scene["reviewer"]
    sign_in_page(client, reviewer.citizen)
    for lang in LANGS:
        html = html_of(client.get(f"/review/{pid}/report?lang={lang}"))
        assert 'data-act-purpose="petition.report"' in html
        assert html.count('class="measure-row"') == 2
        assert 'name="measures-0-id" type="hidden" value="1"' in html and 'name="measures-1-id" type="hidden" value="2"' in html
        assert 'id="measures-1-done-0"' in html and words(lang, "No, not done") in html and words(lang, "Was it done?") in html
    text = "Көше жарығы орнатылды, көпір бағдарламаға енді."
    # measure 2 said nothing: the browser would not let it through (required radios), an outside act could
    missing = signed_post(client, reviewer, f"/review/{pid}/report?lang=en", "petition.report",
                          rows={"text": text, "measures": [{"id": 1, "done": "yes"}, {"id": 2}]},
                          text=text, measures=[{"id": 1, "done": True}, {"id": 2}])
    assert missing.status_code == 422
    html = html_of(missing)
    assert 'id="measures-1-done-error">Choose done or not done.' in html and 'id="measures-0-done-error"' not in html
    note = "Облыс бағдарламасы 2028 жылға қалдырды"
    done = signed_post(client, reviewer, f"/review/{pid}/report", "petition.report",
                       rows={"text": text, "measures": [{"id": 1, "done": "yes"}, {"id": 2, "done": "no", "note": note}]},
                       text=text, measures=[{"id": 1, "done": True}, {"id": 2, "done": False, "note": note}])
    assert done.status_code == 302
    sign_out_page(client)
    for lang in LANGS:
        html = petition_page(client, pid, lang)
        assert 'class="measure measure-done"' in html and 'class="measure measure-not-done"' in html
        assert "✓" in html and "✗" in html and note in html and text in html
        assert words(lang, "Report on the measures published") in html
    assert "1 of 2 measures done" in petition_page(client, pid, "en")


def test_the_follow_up_and_report_pages_are_for_the_bodys_reviewers_only(client, scene):
    pid = scene["petition"]["id"]
    answered(scene)
    for path in (f"/review/{pid}/follow-up", f"/review/{pid}/report"):  # anonymous: sign in, then back here
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == f"/login?next={path}", path
    sign_in_page(client, scene["officials"]["reviewer_astana"].citizen)
    for path in (f"/review/{pid}/follow-up", f"/review/{pid}/report"):
        assert client.get(path).status_code == 403, path
    sign_in_page(client, scene["author"])
    assert client.get(f"/review/{pid}/report").status_code == 403


# --- the queue ------------------------------------------------------------------------------------


def test_the_queue_lists_what_the_body_owes_after_its_answers_earliest_first(app, client, officials, make_citizen):
    from extensions import db
    from petitions.models import Petition
    from tests.petitions.test_transitions import make_petition

    now = datetime.now(UTC)
    author = make_citizen()
    today = date.today()
    later = make_petition("answered", author.iin, now, report_due_on=today + timedelta(days=60))
    overdue = make_petition("answered", author.iin, now, contested_at=now - timedelta(days=40),
                            follow_up_due_on=today - timedelta(days=10))
    sooner = make_petition("answered", author.iin, now, report_due_on=today + timedelta(days=20))
    done = make_petition("answered", author.iin, now, report_due_on=today + timedelta(days=5), reported_at=now,
                         report_text="Орындалды, толығырақ.", report_official="Үкімет өкілі")
    local = make_petition("answered", author.iin, now, addressee="city_akimat", territory="710000000",
                          report_due_on=today + timedelta(days=3))
    db.session.commit()
    sign_in_page(client, officials["reviewer"].citizen)
    for lang in LANGS:
        html = html_of(client.get(f"/review?lang={lang}"))
        links = re.findall(r'href="/review/(\d+)/(follow-up|report)"', html)
        assert links == [(str(overdue.id), "follow-up"), (str(sooner.id), "report"), (str(later.id), "report")]
        assert words(lang, "After the answer") in html and words(lang, "Follow-up answer due") in html
    html = html_of(client.get("/review?lang=en"))
    assert re.search(r"Overdue by \d+ working days", html) and re.search(r"\d+ working days left", html)
    assert html.count("is-overdue") == 1
    assert str(done.id) not in re.findall(r'href="/review/(\d+)/report"', html)
    assert db.session.get(Petition, local.id).report_due_on  # another body's: not in this reviewer's queue
    sign_in_page(client, officials["reviewer_astana"].citizen)
    html = html_of(client.get("/review?lang=en"))
    assert re.findall(r'href="/review/(\d+)/(follow-up|report)"', html) == [(str(local.id), "report")]


# --- the petition page: ratings and the rating form --------------------------------------------


def test_the_rating_form_is_shown_while_the_window_is_open_and_to_nobody_after(client, scene):
    from extensions import db
    from petitions.models import Petition

    pid = scene["petition"]["id"]
    assert 'id="petition-rate"' not in petition_page(client, pid)  # under review: nothing to rate yet
    petition = answered(scene)
    closes = date.fromisoformat(petition["rating_closes_on"])
    for lang in LANGS:
        html = petition_page(client, pid, lang)
        assert 'id="petition-rate"' in html and "js/petition-rate.js" in html
        assert f'data-rate-url="/api/v1/petitions/{pid}/ratings?lang={lang}"' in html
        for value in range(1, 6):
            assert f'id="rating-{value}"' in html
        assert words(lang, "What was promised was not done") in html and 'value="not_implemented"' in html
        assert words(lang, "No ratings yet.") in html
        from kernel.local_formats import day_phrase

        assert words(lang, "The petition's author and the citizens who signed it may rate this answer, once each, %(until_date)s.",
                     until_date=day_phrase(closes, lang, "until")) in html
    for signed_in in (scene["author"], scene["signers"][0]):  # nobody after: signed in or not
        sign_in_page(client, signed_in)
        assert 'id="petition-rate"' in petition_page(client, pid)
    sign_out_page(client)
    row = db.session.get(Petition, pid)
    row.rating_closes_on = date.today() - timedelta(days=2)
    db.session.commit()
    for signed_in in (None, scene["author"], scene["signers"][0]):
        if signed_in:
            sign_in_page(client, signed_in)
        html = petition_page(client, pid)
        assert 'id="petition-rate"' not in html and "petition-rate.js" not in html
        assert "Ratings were accepted until" in html


def test_the_petition_page_shows_count_mean_dissatisfied_share_reasons_and_the_contested_notice(app, client, scene):
    pid = scene["petition"]["id"]
    petition = answered(scene)
    author, signers = scene["author"], scene["signers"]
    assert rate(client, author, petition, 2, ["formal", "incomplete"]).status_code == 201
    assert rate(client, signers[0], petition, 5).status_code == 201
    assert rate(client, signers[1], petition, 1, ["late", "formal"]).status_code == 201
    html = petition_page(client, pid, "en")
    assert "2.67 of 5 from 3 ratings" in html  # (2 + 5 + 1) / 3, as the API and the body record round it
    assert "Dissatisfied (a rating of 1 or 2): 66.67%" in html
    assert "It is a formality, with no substance: <strong>2</strong>" in html and "It came late: <strong>1</strong>" in html
    summary = re.search(r'<div class="ratings-summary" id="ratings-summary">(.*?)</div>', html, re.S).group(1)
    assert "It answers something else" not in summary  # no one gave it
    assert 'id="contested"' not in html
    for lang in ("kk", "ru"):
        assert words(lang, "Reasons given") in petition_page(client, pid, lang)
    app.config.update(PETITION_CONTEST_MIN_RATINGS=4, PETITION_CONTEST_PERCENT=50)
    assert rate(client, signers[2], petition, 1).get_json()["contested"] is True
    due = date.fromisoformat(client.get(f"/api/v1/petitions/{pid}").get_json()["follow_up_due_on"])
    for lang in LANGS:
        html = petition_page(client, pid, lang)
        notice = re.search(r'<div class="notice contested" id="contested" role="status">(.*?)</div>', html, re.S)
        assert notice and words(lang, "This answer is contested") in notice.group(1)
        from kernel.local_formats import day_phrase

        assert day_phrase(due, lang, "by") in notice.group(1)
    for citizen in (author, *signers):
        assert citizen.iin not in html


def test_odd_text_in_any_field_of_the_follow_up_and_report_forms_is_no_5xx_and_a_refusal_writes_nothing(app, client, scene):
    from flask import g

    from tests.test_wrong_types import rows_everywhere
    from tests.web.test_page_form_values import ODD

    pid = scene["petition"]["id"]
    petition = answered(scene)
    _contest(app, scene, client, petition)
    reviewer = scene["reviewer"]
    sign_in_page(client, reviewer.citizen)
    report = {"text": "Көше жарығы орнатылды, көпір бағдарламаға енді.",
              "measures": [{"id": 1, "done": True}, {"id": 2, "done": False, "note": "Келесі жылы"}]}
    forms = {
        "follow-up": {"jws": reviewer.act("petition.follow_up", pid, text=ANSWER_TEXT), "text": ANSWER_TEXT},
        "report": {"jws": reviewer.act("petition.report", pid, **report),
                   **form_data({"text": report["text"], "measures": [{"id": 1, "done": "yes"}, {"id": 2, "done": "no", "note": "Келесі жылы"}]})},
    }
    wrong = []
    for form, valid in forms.items():
        before = rows_everywhere()
        for name in valid:
            for value in ODD:
                g.pop("_login_user", None)  # each request loads its own user, as in production
                response = client.post(f"/review/{pid}/{form}?lang=en", data={**valid, name: value})
                after = rows_everywhere()
                if response.status_code >= 500:
                    wrong.append(f"{form} {name}={str(value)[:30]!r}: {response.status_code}")
                elif response.status_code != 302 and after != before:
                    wrong.append(f"{form} {name}={str(value)[:30]!r}: {response.status_code} and wrote")
                before = after
    assert wrong == []
