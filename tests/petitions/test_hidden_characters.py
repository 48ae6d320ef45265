"""What the outside red team slipped past the title and text rules, as a class (issue 11, second round).

A copy of a live petition's title with a character that draws nothing (U+FFFC, a tag, a Hangul
filler, a lone or stacked mark...) is refused; one with a visible but meaningless U+FFFD, or with
a Kazakh letter written as its hooked or tailed cousin of another alphabet (ӄ for қ), is let in and
told of the original. Every bidi control, direction marks too, is refused in every longer text a
person writes on the petition side (body, rejection comment, answer) and in the discussion place,
over the API and the page forms, with a field error and nothing written.
"""

from __future__ import annotations

import pytest

from tests.conftest import ANSWER_TEXT, answer_fields
from tests.petitions.conftest import BODY, create_and_submit, sign
from tests.petitions.test_pages import sign_in_page
from tests.petitions.test_spoofed_titles import count

TITLE = "Үйлер арасындағы көшені жөндеу"

# Inserted after "Үйлер ара": each draws nothing, or piles marks over the letters around it.
HIDDEN = {
    "object replacement character": "\ufffc",
    "two object replacement characters": "\ufffc\ufffc",
    "tag characters": "\U000e0067\U000e0062\U000e007f",
    "Hangul filler": "\u3164",
    "halfwidth Hangul filler": "\uffa0",
    "Hangul choseong filler": "\u115f",
    "combining grapheme joiner": "\u034f",
    "musical null notehead": "\U0001d159",
    "invisible separator": "\u2063",
    "variation selector": "\ufe0f",
    "Mongolian free variation selector": "\u180b",
    "three stacked marks": "\u0300\u0301\u0302",
    "a Zalgo pile": "\u0300\u0301\u0302\u0303\u0304\u0305\u0306\u0307" * 3,
    "a mark standing alone": " \u0301",
}

# Every Bidi_Control character.
BIDI_CONTROLS = {
    "ALM": "\u061c", "LRM": "\u200e", "RLM": "\u200f", "LRE": "\u202a", "RLE": "\u202b", "PDF": "\u202c",
    "LRO": "\u202d", "RLO": "\u202e", "LRI": "\u2066", "RLI": "\u2067", "FSI": "\u2068", "PDI": "\u2069",
}


def inserted(text: str, what: str, at: int = 9) -> str:
    return text[:at] + what + text[at:]


def with_controls(text: str, control: str) -> str:
    """The attack of the report: a sum between two controls, "\u200f5 000 000\u200f" reads "000 000 5"."""
    return f"{text} Бюджеттен {control}5 000 000{control} теңге бөлінсін."


@pytest.fixture
def author(make_citizen, actor):
    return actor(make_citizen(kato="710000000"))


@pytest.fixture
def copier(make_citizen, actor):
    return actor(make_citizen(kato="113243200"))


def _draft(who, title=TITLE, body=BODY):
    return who.post("/api/v1/petitions", {"title": title, "body": body, "language": "kk", "addressee": "government"})


def _live(author, officials, title=TITLE) -> dict:
    petition = create_and_submit(author, title=title)
    approved = officials["moderator"].moderate(petition['id'])
    assert approved.status_code == 200
    return petition


def test_a_copy_of_a_live_title_with_a_hidden_character_is_refused_and_nothing_is_written(author, copier, officials, subtests):
    from petitions.models import Petition

    _live(author, officials)
    for name, hidden in HIDDEN.items():
        with subtests.test(inserted=name):
            refused = _draft(copier, title=inserted(TITLE, hidden))
            assert refused.status_code == 422, refused.get_json()
            error = refused.get_json()["error"]
            assert error["code"] == "validation_error" and "title" in error["fields"], error
    assert count(Petition) == 1


def test_a_copy_with_a_replacement_character_is_let_in_and_told_of_the_original(author, copier, officials):
    """U+FFFD draws a visible box: allowed (an honest author may paste one), but it folds away."""
    live = _live(author, officials)
    draft = _draft(copier, title=inserted(TITLE, "\ufffd"))
    assert draft.status_code == 201, draft.get_json()
    assert draft.get_json()["similar"] == [{"id": live["id"], "title": TITLE, "state": "restricted"}]


DOGS = "Ауылдағы қаңғыған иттерден қорғау керек"
KAZAKH_VARIANTS = {"қ": "ӄҡҟҝ", "ң": "ӊӈҥ", "ғ": "ӻӷҕ"}


def test_kazakh_letters_written_as_their_look_alikes_meet_the_original(author, copier, officials, subtests):
    live = _live(author, officials, title=DOGS)
    for letter, variants in KAZAKH_VARIANTS.items():
        for variant in variants:
            with subtests.test(letter=letter, variant=variant):
                copy = DOGS.replace(letter, variant)
                assert copy != DOGS
                draft = _draft(copier, title=copy)
                assert draft.status_code == 201, draft.get_json()
                assert draft.get_json()["similar"] == [{"id": live["id"], "title": DOGS, "state": "restricted"}]
    with subtests.test(all_at_once=True):
        copy = DOGS.replace("қ", "ӄ").replace("ң", "ӊ").replace("ғ", "ӻ")
        assert _draft(copier, title=copy).get_json()["similar"][0]["id"] == live["id"]


def test_the_petition_form_refuses_hidden_characters_in_a_title(client, author):
    from petitions.models import Petition

    sign_in_page(client, author.citizen)
    for name, hidden in HIDDEN.items():
        page = client.post(
            "/petitions/new?lang=en",
            data={"title": inserted(TITLE, hidden), "body": BODY, "language": "kk", "addressee": "government"},
        )
        assert page.status_code == 422, name
        error = page.get_data(as_text=True).split('id="title-error">', 1)[1].split("</p>", 1)[0]
        assert "invisible, control or text-direction" in error or "at most two accent marks" in error, (name, error)
    assert count(Petition) == 0


def test_every_bidi_control_in_a_body_is_refused_on_the_api_and_the_form(client, author, subtests):
    from petitions.models import Petition

    draft = _draft(author).get_json()
    sign_in_page(client, author.citizen)
    for name, control in BIDI_CONTROLS.items():
        body = with_controls(BODY, control)
        with subtests.test(api=name):
            refused = _draft(author, body=body)
            assert refused.status_code == 422 and "body" in refused.get_json()["error"]["fields"], refused.get_json()
            edit = author.client.patch(f"/api/v1/petitions/{draft['id']}", json={"body": body}, headers=author.auth)
            assert edit.status_code == 422 and "body" in edit.get_json()["error"]["fields"]
        with subtests.test(form=name):
            page = client.post(
                "/petitions/new?lang=en", data={"title": TITLE, "body": body, "language": "kk", "addressee": "government"}
            )
            assert page.status_code == 422 and 'id="body-error"' in page.get_data(as_text=True)
            assert "text-direction or control characters" in page.get_data(as_text=True)
            edit = client.post(
                f"/petitions/{draft['id']}/edit?lang=en", data={"title": TITLE, "body": body, "language": "kk"}
            )
            assert edit.status_code == 422 and 'id="body-error"' in edit.get_data(as_text=True)
    assert count(Petition) == 1
    after = author.get(f"/api/v1/petitions/{draft['id']}").get_json()
    assert (after["body"], after["digest"]) == (BODY, draft["digest"])


def test_every_bidi_control_in_a_rejection_comment_is_refused_on_the_api_and_the_form(client, author, officials, subtests):
    petition = create_and_submit(author)
    moderator = officials["moderator"]
    sign_in_page(client, moderator.citizen)
    for name, control in BIDI_CONTROLS.items():
        comment = with_controls("Ұсыныс жоқ.", control)
        with subtests.test(api=name):
            refused = moderator.moderate(petition['id'], "reject", reason="no_proposal", comment=comment)
            assert refused.status_code == 422 and "comment" in refused.get_json()["error"]["fields"], refused.get_json()
        with subtests.test(form=name):
            fields = {"reason": "no_proposal", "comment": comment}
            jws = moderator.act("petition.moderate", petition, role="moderator", decision="reject", **fields)
            page = client.post(f"/moderation/{petition['id']}?lang=en", data={"jws": jws, **fields})
            assert page.status_code == 422 and 'id="comment-error"' in page.get_data(as_text=True)
    state = author.get(f"/api/v1/petitions/{petition['id']}").get_json()
    assert state["state"] == "moderation"


def test_every_bidi_control_in_an_answer_or_a_place_is_refused_on_the_api_and_the_form(
    small_thresholds, client, officials, make_citizen, subtests
):
    from datetime import UTC, datetime, timedelta

    petition = create_and_submit(officials["admin"])
    officials["moderator"].moderate(petition['id'])
    for _ in range(3):
        assert sign(client, make_citizen(), petition).status_code == 201
    reviewer = officials["reviewer"]
    at = (datetime.now(UTC) + timedelta(days=5)).isoformat()
    sign_in_page(client, reviewer.citizen)
    for name, control in BIDI_CONTROLS.items():
        text = with_controls(ANSWER_TEXT, control)  # long enough: the controls alone are refused
        place = f"Астана, Үкімет үйі, {control}5{control}-қабат"
        with subtests.test(api=name):
            answer = reviewer.review(petition['id'], "petition.answer", **answer_fields("supported", text=text))
            assert answer.status_code == 422 and set(answer.get_json()["error"]["fields"]) == {"text"}, answer.get_json()
            where = reviewer.review(petition['id'], "petition.discussion", at=at, place=place)
            assert where.status_code == 422 and "place" in where.get_json()["error"]["fields"], where.get_json()
        with subtests.test(form=name):
            fields = answer_fields("not_supported", text=text)  # what the page's form can sign
            jws = reviewer.act("petition.answer", petition, **fields)
            page = client.post(f"/review/{petition['id']}/answer?lang=en", data={"jws": jws, **fields})
            assert page.status_code == 422 and 'id="text-error"' in page.get_data(as_text=True)
            jws = reviewer.act("petition.discussion", petition, at=at, place=place)
            page = client.post(f"/review/{petition['id']}/discussion?lang=en", data={"jws": jws, "place": place})
            assert page.status_code == 422 and 'id="place-error"' in page.get_data(as_text=True)
    state = reviewer.get(f"/api/v1/petitions/{petition['id']}").get_json()
    assert state["state"] == "under_review" and state["discussion"] is None and state["answer"] is None


def test_marks_piled_in_a_body_are_refused_and_a_stress_mark_is_kept(author):
    piled = _draft(author, body=BODY + " Ж" + "\u0300\u0301\u0302" * 10)
    assert piled.status_code == 422 and "body" in piled.get_json()["error"]["fields"]
    stressed = _draft(author, body=BODY + " За\u0301мок емес, замо\u0301к.")
    assert stressed.status_code == 201, stressed.get_json()
