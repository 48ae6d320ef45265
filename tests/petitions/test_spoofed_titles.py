"""Spoofing titles: invisible, control and direction characters are refused in titles (and direction controls in
text) on the API and the page forms, with nothing written; a draft whose title reads like a live petition's is told
so, on the API, on the submit page and on the moderator's page."""

from __future__ import annotations

import unicodedata

import pytest
from sqlalchemy import func, select

from tests.conftest import ANSWER_TEXT, answer_fields
from tests.petitions.conftest import BODY, create_and_submit
from tests.petitions.test_pages import sign_in_page

TITLE = "Үйлер арасындағы көшені жөндеу"

SPOOFED_TITLES = {
    "ten zero-width spaces": "\u200b" * 10,
    "zero-width non-joiners": "\u200c" * 10,
    "zero-width joiners": "\u200d" * 10,
    "word joiners": "\u2060" * 10,
    "byte-order marks": "\ufeff" * 10,
    "soft hyphens": "\u00ad" * 10,
    "Hangul fillers": "\u3164" * 10,
    "braille blanks": "\u2800" * 10,
    "right-to-left override inside": "Ауыл көшесін \u202eуеднөж керек",
    "left-to-right override inside": "Ауыл көшесін \u202dжөндеу\u202c керек",
    "right-to-left isolate and pop": "Ауыл \u2067көшесін\u2069 жөндеу керек",
    "a zero-width space inside": "Ауыл\u200b көшесін жөндеу керек",
    "all whitespace": " \u3000 \u00a0 \u2003 \t ",
}
SPOOFED_BODIES = {
    "right-to-left override": BODY + " \u202eкеререк",
    "left-to-right isolate": "\u2066" + BODY + "\u2069",
    "a control character": BODY + "\x1b[2J",
}


def count(model) -> int:
    from extensions import db

    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def author(make_citizen, actor):
    return actor(make_citizen(kato="710000000", surname="Жұмабаев", given_name="Ерлан"))


def _draft(author, title=TITLE, body=BODY):
    return author.post("/api/v1/petitions", {"title": title, "body": body, "language": "kk", "addressee": "government"})


def test_the_api_refuses_spoofed_titles_and_bodies_and_writes_nothing(author, subtests):
    from petitions.models import Petition

    for name, title in SPOOFED_TITLES.items():
        with subtests.test(title=name):
            refused = _draft(author, title=title)
            assert refused.status_code == 422, refused.get_json()
            error = refused.get_json()["error"]
            assert error["code"] == "validation_error" and "title" in error["fields"]
    for name, body in SPOOFED_BODIES.items():
        with subtests.test(body=name):
            refused = _draft(author, body=body)
            assert refused.status_code == 422 and "body" in refused.get_json()["error"]["fields"]
    assert count(Petition) == 0


def test_editing_a_draft_to_a_spoofed_title_is_refused_and_changes_nothing(author, subtests):
    draft = _draft(author).get_json()
    for name, title in SPOOFED_TITLES.items():
        with subtests.test(title=name):
            refused = author.client.patch(f"/api/v1/petitions/{draft['id']}", json={"title": title}, headers=author.auth)
            assert refused.status_code == 422 and "title" in refused.get_json()["error"]["fields"]
    after = author.get(f"/api/v1/petitions/{draft['id']}").get_json()
    assert (after["title"], after["digest"]) == (TITLE, draft["digest"])


def test_the_petition_form_refuses_spoofed_titles_with_a_field_error(client, author, subtests):
    from petitions.models import Petition

    sign_in_page(client, author.citizen)
    for name, title in SPOOFED_TITLES.items():
        with subtests.test(title=name):
            page = client.post(
                "/petitions/new?lang=en",
                data={"title": title, "body": BODY, "language": "kk", "addressee": "government"},
            )
            assert page.status_code == 422, name
            html = page.get_data(as_text=True)
            assert 'id="title-error"' in html
            error = html.split('id="title-error">', 1)[1].split("</p>", 1)[0]
            assert "invisible, control or text-direction" in error or "10 to 200 characters" in error, error
    for name, body in SPOOFED_BODIES.items():
        with subtests.test(body=name):
            page = client.post(
                "/petitions/new?lang=en", data={"title": TITLE, "body": body, "language": "kk", "addressee": "government"}
            )
            assert page.status_code == 422 and "text-direction or control characters" in page.get_data(as_text=True)
    assert count(Petition) == 0


def test_a_title_is_stored_in_nfc_whatever_form_it_came_in(author):
    decomposed = unicodedata.normalize("NFD", TITLE)
    assert decomposed != TITLE
    draft = _draft(author, title=decomposed)
    assert draft.status_code == 201
    assert draft.get_json()["title"] == TITLE


LOOK_ALIKES = {
    "Latin letters for Cyrillic ones": "Үйлeр aрaсындaғы көшeнi жөндeу",
    "upper case": "ҮЙЛЕР АРАСЫНДАҒЫ КӨШЕНІ ЖӨНДЕУ",
    "Latin capitals in an upper-case copy": "ҮЙЛEP APACЫНДAҒЫ KӨШEНI ЖӨНДEУ",
    "decomposed (NFD)": unicodedata.normalize("NFD", TITLE),
}


@pytest.fixture
def live(author, officials):
    """A petition approved by the moderator (restricted: one can join it by its link)."""
    petition = create_and_submit(author, title=TITLE)
    assert officials["moderator"].moderate(petition['id']).status_code == 200
    return petition


def test_a_draft_that_reads_like_a_live_petition_is_told_so_on_the_api(live, make_citizen, actor, subtests):
    copier = actor(make_citizen(kato="113243200"))
    for name, title in LOOK_ALIKES.items():
        with subtests.test(copy=name):
            draft = _draft(copier, title=title)
            assert draft.status_code == 201, draft.get_json()
            assert draft.get_json()["similar"] == [{"id": live["id"], "title": TITLE, "state": "restricted"}]
            assert copier.get(f"/api/v1/petitions/{draft.get_json()['id']}").get_json()["similar"][0]["id"] == live["id"]
    unrelated = _draft(copier, title="Ауылға жаңа мектеп салу керек").get_json()
    assert unrelated["similar"] == []


def test_the_submit_page_and_the_moderator_show_the_look_alike_with_a_link(client, live, officials, make_citizen, actor):
    copier = actor(make_citizen(kato="113243200"))
    draft = _draft(copier, title=LOOK_ALIKES["Latin letters for Cyrillic ones"]).get_json()
    sign_in_page(client, copier.citizen)
    page = client.get(f"/petitions/{draft['id']}/submit?lang=en").get_data(as_text=True)
    assert 'id="similar-petitions"' in page and f'href="/petitions/{live["id"]}"' in page
    assert "sign the one that already gathers signatures" in page
    doc = {"type": "petition", "id": draft["id"], "digest": draft["digest"]}
    assert copier.post(f"/api/v1/petitions/{draft['id']}/submit", {"jws": copier.sign_doc("petition.submit", doc)}).status_code == 200
    queue = officials["moderator"].get("/api/v1/moderation/queue").get_json()["items"]
    assert [item["similar"] for item in queue if item["id"] == draft["id"]] == [
        [{"id": live["id"], "title": TITLE, "state": "restricted"}]
    ]
    sign_in_page(client, officials["moderator"].citizen)
    moderation = client.get(f"/moderation/{draft['id']}?lang=en").get_data(as_text=True)
    assert 'id="similar-petitions"' in moderation and f'href="/petitions/{live["id"]}"' in moderation


def test_a_rejected_look_alike_is_not_offered(author, officials, make_citizen, actor):
    petition = create_and_submit(author, title=TITLE)
    rejected = officials["moderator"].moderate(petition['id'], "reject", reason="no_proposal", comment="Ұсыныс жоқ.")
    assert rejected.status_code == 200
    draft = _draft(actor(make_citizen(kato="113243200")), title=TITLE.upper()).get_json()
    assert draft["similar"] == []


def test_an_answer_or_a_place_with_direction_controls_is_refused(small_thresholds, client, officials, make_citizen):
    from datetime import UTC, datetime, timedelta

    from tests.petitions.conftest import sign

    petition = create_and_submit(officials["admin"])
    officials["moderator"].moderate(petition['id'])
    for _ in range(3):
        assert sign(client, make_citizen(), petition).status_code == 201
    at = (datetime.now(UTC) + timedelta(days=5)).isoformat()
    reviewer = officials["reviewer"]
    place = reviewer.review(petition['id'], "petition.discussion", at=at, place="Астана\u200b\u202e")
    assert place.status_code == 422 and "place" in place.get_json()["error"]["fields"]
    spoofed = "Қолдаймыз: \u202eжоқ емес, бар\u202c деп оқыңыз. " + ANSWER_TEXT  # long enough: the override alone is refused
    answer = reviewer.review(petition['id'], "petition.answer", **answer_fields("supported", text=spoofed))
    assert answer.status_code == 422 and set(answer.get_json()["error"]["fields"]) == {"text"}, answer.get_json()
    state = reviewer.get(f"/api/v1/petitions/{petition['id']}").get_json()
    assert state["state"] == "under_review" and state["discussion"] is None and state["answer"] is None
