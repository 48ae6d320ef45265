"""Petition pages with the Flask test client: who may see and do what, and that each page does its one thing."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import ANSWER_TEXT, answer_fields
from tests.petitions.conftest import BODY, create_and_submit, sign

TITLE = "Ауыл көшесін жөндеу керек"


def sign_in_page(client, citizen) -> None:
    """A browser session for the citizen, as after an EDS login: a login session made with their
    AUTH certificate, its handle in the cookie (no welcome mail, unlike the login page)."""
    from datetime import timedelta

    from cryptography import x509

    from auth.services import account_for, open_login_session
    from extensions import db

    now = datetime.now(UTC)
    user = account_for(citizen.iin, now)
    serial = format(x509.load_pem_x509_certificate(citizen.auth_cert).serial_number, "x")
    handle = open_login_session(user, serial, now, timedelta(hours=1))
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = handle
        session["_fresh"] = True
    _forget_loaded_user()


def _forget_loaded_user() -> None:
    # Flask-Login keeps the loaded user on `g`, which the test's app context shares between requests.
    from flask import g

    g.pop("_login_user", None)


def sign_out_page(client) -> None:
    with client.session_transaction() as session:
        session.pop("_user_id", None)
    _forget_loaded_user()


def state_of(petition_id: int) -> str:
    from extensions import db
    from petitions.models import Petition

    db.session.expire_all()
    return db.session.get(Petition, petition_id).state


@pytest.fixture
def author(make_citizen, actor):
    return actor(make_citizen(kato="710000000", surname="Жұмабаев", given_name="Ерлан"))


def draft(author) -> dict:
    response = author.post(
        "/api/v1/petitions", {"title": TITLE, "body": BODY, "language": "kk", "addressee": "government"}
    )
    assert response.status_code == 201
    return response.get_json()


def test_official_pages_refuse_citizens_and_strangers(client, author, officials):
    petition = create_and_submit(author)
    for path in ("/moderation", f"/moderation/{petition['id']}", "/review"):  # anonymous: sign in, then back here
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == f"/login?next={path}", path
    sign_in_page(client, author.citizen)
    for path in ("/moderation", f"/moderation/{petition['id']}", "/review", "/statistics"):
        expected = 200 if path == "/statistics" else 403
        assert client.get(path).status_code == expected, path
    jws = officials["moderator"].act("petition.moderate", petition, role="moderator", decision="approve")
    assert client.post(f"/moderation/{petition['id']}", data={"jws": jws}).status_code == 403
    assert state_of(petition["id"]) == "moderation"


def test_moderator_sees_the_queue_with_working_days_left_and_approves(client, author, officials):
    petition = create_and_submit(author)
    sign_in_page(client, officials["moderator"].citizen)
    queue = client.get("/moderation?lang=en").get_data(as_text=True)
    assert TITLE in queue
    assert re.search(r"\d+ working days? left", queue)
    page = client.get(f"/moderation/{petition['id']}?lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "The matter is outside the addressee" in html  # the reason list
    assert 'data-act-purpose="petition.moderate"' in html and 'id="official-key-file"' in html  # signed in the browser
    unsigned = client.post(f"/moderation/{petition['id']}?lang=en")
    assert unsigned.status_code == 422 and state_of(petition["id"]) == "moderation"
    jws = officials["moderator"].act("petition.moderate", petition, role="moderator", decision="approve")
    response = client.post(f"/moderation/{petition['id']}", data={"jws": jws})
    assert response.status_code == 302 and response.headers["Location"].endswith("/moderation")
    assert state_of(petition["id"]) == "restricted"
    # A second decision is refused: the petition is no longer in moderation.
    again = officials["moderator"].act("petition.moderate", petition, role="moderator", decision="approve")
    assert client.post(f"/moderation/{petition['id']}", data={"jws": again}).status_code == 409
    page = client.get(f"/petitions/{petition['id']}?lang=en").get_data(as_text=True)
    assert "Signed decisions" in page and "Moderation decision" in page and jws in page


def test_rejection_needs_a_comment_and_shows_the_published_reason(client, author, officials):
    petition = create_and_submit(author)
    sign_in_page(client, officials["moderator"].citizen)
    moderator = officials["moderator"]

    def reject(**fields):
        return moderator.act("petition.moderate", petition, role="moderator", decision="reject", **fields)

    missing = client.post(f"/moderation/{petition['id']}?lang=en",
                          data={"jws": reject(reason="duplicate", comment=""), "reason": "duplicate", "comment": ""})
    assert missing.status_code == 422
    assert "Explain the decision to the author." in missing.get_data(as_text=True)
    assert state_of(petition["id"]) == "moderation"
    # the form's fields are what the browser signed: the server reads the decision from the act alone
    unsigned = client.post(f"/moderation/{petition['id']}?lang=en",
                           data={"jws": reject(reason="duplicate"), "reason": "duplicate", "comment": "Бар."})
    assert unsigned.status_code == 422 and state_of(petition["id"]) == "moderation"
    comment = "Бұл мәселе бойынша петиция бар."
    done = client.post(f"/moderation/{petition['id']}",
                       data={"jws": reject(reason="duplicate", comment=comment), "reason": "other", "comment": "x"})
    assert done.status_code == 302
    page = client.get(f"/petitions/{petition['id']}?lang=en").get_data(as_text=True)
    assert "A petition on the same matter is already collecting signatures" in page
    assert "Бұл мәселе бойынша петиция бар." in page


def test_a_draft_is_its_authors_alone(client, author, officials, make_citizen):
    petition = draft(author)
    pid = petition["id"]
    assert client.get(f"/petitions/{pid}").status_code == 404
    stranger = make_citizen(kato="710000000")
    sign_in_page(client, stranger)
    for path in (f"/petitions/{pid}", f"/petitions/{pid}/edit", f"/petitions/{pid}/submit"):
        assert client.get(path).status_code == 404, path
    sign_in_page(client, officials["moderator"].citizen)
    assert client.get(f"/moderation/{pid}").status_code == 404
    sign_in_page(client, author.citizen)
    page = client.get(f"/petitions/{pid}?lang=en")
    assert page.status_code == 200 and "only you can see it" in page.get_data(as_text=True)
    assert client.get(f"/petitions/{pid}/submit").status_code == 200


def test_author_pages_need_a_sign_in(client):
    for path in ("/petitions/new", "/my/petitions"):
        response = client.get(path)
        assert response.status_code == 302 and "/login?next=" in response.headers["Location"], path


def test_new_petition_form_shows_errors_per_field_and_saves_a_draft(client, author):
    sign_in_page(client, author.citizen)
    form = client.get("/petitions/new?lang=en").get_data(as_text=True)
    assert 'name="addressee"' in form and "Astana" in form
    bad = client.post("/petitions/new?lang=en", data={"title": "Short", "body": "Too short", "language": "kk", "addressee": "government"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "The title needs 10 to 200 characters." in html
    assert 'aria-invalid="true"' in html
    good = client.post(
        "/petitions/new", data={"title": TITLE, "body": BODY, "language": "kk", "addressee": "government", "territory": ""}
    )
    assert good.status_code == 302
    pid = int(re.search(r"/petitions/(\d+)/submit", good.headers["Location"]).group(1))
    assert state_of(pid) == "draft"
    assert TITLE in client.get("/my/petitions").get_data(as_text=True)


def test_local_petition_of_a_non_resident_is_refused_with_the_reason(client, make_citizen, actor):
    villager = make_citizen(kato="113243200")  # lives in Akmola region, not in Astana
    sign_in_page(client, villager)
    response = client.post(
        "/petitions/new?lang=en",
        data={"title": TITLE, "body": BODY, "language": "kk", "addressee": "city_akimat", "territory": "710000000"},
    )
    assert response.status_code == 403
    html = response.get_data(as_text=True)  # said on the territory's field (tests/web/test_form_defects.py)
    assert 'id="territory-error">By the population registry you do not live in this region or city' in html


def test_submit_needs_the_confirmation_and_the_authors_signature(client, author):
    petition = draft(author)
    sign_in_page(client, author.citizen)
    page = client.get(f"/petitions/{petition['id']}/submit?lang=en").get_data(as_text=True)
    assert "State secrets" in page  # the published forbidden-topics list
    refused = client.post(f"/petitions/{petition['id']}/submit?lang=en", data={"jws": "x"})
    assert refused.status_code == 422
    assert "Confirm that the petition raises none of the forbidden topics." in refused.get_data(as_text=True)
    doc = {"type": "petition", "id": petition["id"], "digest": petition["digest"]}
    jws = author.citizen.jws({"purpose": "petition.submit", "iat": int(time.time()), "doc": doc})
    done = client.post(f"/petitions/{petition['id']}/submit", data={"jws": jws, "confirm": "y"})
    assert done.status_code == 302
    assert state_of(petition["id"]) == "moderation"


def test_restricted_petition_is_reachable_by_link_but_not_listed(client, author, officials, small_thresholds, make_citizen):
    petition = create_and_submit(author)
    approved = officials["moderator"].moderate(petition['id'])
    assert approved.status_code == 200, approved.get_json()
    assert TITLE not in client.get("/petitions").get_data(as_text=True)
    page = client.get(f"/petitions/{petition['id']}?lang=en").get_data(as_text=True)
    assert "not listed yet" in page
    assert 'id="petition-sign"' in page
    for _ in range(2):
        assert sign(client, make_citizen(kato="710000000"), petition).status_code == 201
    assert state_of(petition["id"]) == "open"
    listed = client.get("/petitions?state=open&q=көшесін").get_data(as_text=True)
    assert TITLE in listed


def test_petition_page_shows_charts_signers_and_never_an_iin(client, author, officials, small_thresholds, make_citizen):
    small_thresholds.config["PETITION_MIN_CELL"] = 1  # three signers draw the charts; merging is test_small_cells'
    petition = create_and_submit(author)
    approved = officials["moderator"].moderate(petition['id'])
    assert approved.status_code == 200, approved.get_json()
    signers = [make_citizen(kato="710000000", given_name="Айгерім", surname="Сейтқалиева") for _ in range(3)]
    for citizen in signers:
        assert sign(client, citizen, petition).status_code == 201
    assert state_of(petition["id"]) == "under_review"
    html = client.get(f"/petitions/{petition['id']}?lang=en").get_data(as_text=True)
    assert "Айгерім С." in html
    assert "<svg" in html and 'role="img"' in html and "<table" in html
    assert 'role="progressbar"' in html or "<progress" in html
    assert "working day" in html  # the review deadline, counted in working days
    for citizen in (*signers, author.citizen):
        assert citizen.iin not in html
    assert ' style="' not in html  # the CSP forbids inline styles


def test_reviewer_of_another_body_is_refused_and_the_answer_is_published(client, author, officials, small_thresholds, make_citizen):
    from extensions import db
    from petitions.models import Petition
    from tests.petitions.conftest import form_data

    petition = create_and_submit(author)
    pid = petition["id"]
    officials["moderator"].moderate(pid)
    for _ in range(3):
        sign(client, make_citizen(kato="710000000"), petition)
    sign_in_page(client, officials["reviewer_astana"].citizen)
    assert client.get(f"/review/{pid}").status_code == 403
    assert TITLE not in client.get("/review").get_data(as_text=True)

    sign_in_page(client, officials["reviewer"].citizen)
    assert TITLE in client.get("/review").get_data(as_text=True)
    reviewer = officials["reviewer"]

    def signed_post(path, purpose, **fields):
        return client.post(path, data={"jws": reviewer.act(purpose, pid, **fields), **fields})

    soon = (datetime.now(UTC) + timedelta(days=30)).date()
    # the browser signs the Astana wall-clock time it was given, with the +05:00 it is in (act-sign.js)
    scheduled = signed_post(f"/review/{pid}/discussion", "petition.discussion", at=f"{soon}T10:00:00+05:00",
                            place="Астана, Үкімет үйі")
    assert scheduled.status_code == 302
    db.session.expire_all()
    # Typed as Astana time (UTC+5), stored as the instant.
    assert db.session.get(Petition, pid).discussion_at == datetime(soon.year, soon.month, soon.day, 5, 0, tzinfo=UTC)
    past = signed_post(f"/review/{pid}/discussion?lang=en", "petition.discussion", at="2001-01-15T10:00:00+05:00",
                       place="Астана")
    assert past.status_code == 422 and "Enter a date and time in the future, at most a year ahead." in past.get_data(as_text=True)

    short = signed_post(f"/review/{pid}/answer?lang=en", "petition.answer", decision="not_supported",
                        text=ANSWER_TEXT[:199])
    assert short.status_code == 422
    # a supporting answer names its measures, rows of the page's form (tests/petitions/test_after_answer_pages.py)
    fields = answer_fields("partly_supported")
    answered = client.post(f"/review/{pid}/answer",
                           data={"jws": reviewer.act("petition.answer", pid, **fields), **form_data(fields)})
    assert answered.status_code == 302
    sign_out_page(client)
    html = client.get(f"/petitions/{pid}?lang=en").get_data(as_text=True)
    assert "Partly supported" in html and ANSWER_TEXT in html and fields["measures"][0]["what"] in html
    assert "Public discussion" in html and "Answer published" in html
    assert "Signed decisions" in html and "Public discussion scheduled" in html and "Reviewer" in html
    stats = client.get("/statistics?lang=en").get_data(as_text=True)
    assert "Government of the Republic of Kazakhstan" in stats and "100%" in stats


def test_list_filters_ignore_unknown_values(client, territories):
    response = client.get("/petitions?state=draft&addressee=nobody&territory=999&page=x&q=%25")
    assert response.status_code == 200


def test_script_and_html_in_a_petition_are_rendered_inert(client, author, officials, small_thresholds):
    """Title and text with markup come back as text where they are shown here: the moderation
    queue, the petition page and the API (JSON strings) — never as elements a browser would run or
    render."""
    attack = '<script>alert("x")</script><img src=x onerror="alert(1)"><a href="javascript:alert(2)">x</a>'
    created = author.post(
        "/api/v1/petitions",
        {"title": "Ауыл көшесі " + attack[:60], "body": BODY + attack, "language": "kk", "addressee": "government"},
    )
    assert created.status_code == 201, created.get_json()
    petition = created.get_json()
    doc = {"type": "petition", "id": petition["id"], "digest": petition["digest"]}
    assert author.post(f"/api/v1/petitions/{petition['id']}/submit", {"jws": author.sign_doc("petition.submit", doc)}).status_code == 200
    sign_in_page(client, officials["moderator"].citizen)
    queue = client.get("/moderation").get_data(as_text=True)
    approved = officials["moderator"].moderate(petition['id'])
    assert approved.status_code == 200, approved.get_json()
    pages = [queue, client.get(f"/petitions/{petition['id']}").get_data(as_text=True)]
    for html in pages:
        assert "<script>alert" not in html and "<img src=x" not in html and 'href="javascript:' not in html
        assert "&lt;script&gt;alert(" in html
    assert author.get(f"/api/v1/petitions/{petition['id']}").get_json()["body"].endswith(attack)
