"""Pages that need a signed-in user: sign in first and come back; without the role, a 403 that says
which role is needed and where to go instead; after signing in without a `next`, each role's work
queue. The API answers 401 and 403 in JSON, never with a redirect."""

from __future__ import annotations

import html
import time
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.budgeting.conftest import DISTRICT, add_other_district, schedule

# The pages anyone may open without signing in; every other page of the URL map needs a signed-in
# user, and a new page must be put on one side or the other here.
PUBLIC = {
    "home.index",
    "auth.login",
    "petitions.index",
    "petitions.show",
    "petitions.statistics",
    "budgeting.index",
    "budgeting.show",
    "budgeting.results",
    "budgeting.vote",
    "verification.verify",
    "verification.auditor_tool",
    "verification.open_data",
    "petitions.short_link",  # the poster's short link: a redirect to the public petition page
    "petitions.receipt",
    "petitions.poster",
}
# Posts anyone may make: the language switcher, signing in and out.
PUBLIC_POSTS = {"i18n.switch_language", "auth.login", "auth.logout"}
# Posts a page's script makes for JSON: they answer as the API does (401 JSON); a script follows no page.
SCRIPT_POSTS = {"budget_officials.paper_voter"}
# The pages of a role, each gated by it before anything else is read.
ROLE_PAGES = {
    "/moderation": "moderator",
    "/moderation/1": "moderator",
    "/review": "reviewer",
    "/review/1": "reviewer",
    "/review/1/follow-up": "reviewer",
    "/review/1/report": "reviewer",
    "/admin/audit": "admin",
    "/admin/calendar": "admin",
    "/budget/new": "budget_officer",
}


def page_rules(app, method: str):
    """(endpoint, path) of every page rule taking `method`, its ids filled with 1."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.endpoint == "static" or method not in rule.methods:
            continue
        yield rule.endpoint, rule.build({name: 1 for name in rule.arguments})[1]


def sign_in(client, citizen, next_path: str | None = None):
    nonce = client.post("/api/v1/auth/challenge").get_json()["nonce"]
    jws = citizen.jws({"purpose": "auth", "nonce": nonce, "iat": int(time.time())}, usage="auth")
    return client.post("/login", data={"jws": jws, **({"next": next_path} if next_path else {})})


def grant(citizen, role: str, scope: str | None = None, body: str | None = None) -> None:
    from auth import services
    from extensions import db

    services.grant_role(citizen.iin, role, scope, datetime.now(UTC), body=body)
    db.session.commit()


def translated(app, lang: str, what) -> str:
    """`what()` in a request of the language `lang`."""
    with app.test_request_context(f"/?lang={lang}"):
        return what()


def cycle_in(phase: str):
    from auth.access import CONSOLE
    from budgeting import services
    from extensions import db

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
        **schedule(phase, now),
    )
    db.session.commit()
    return cycle


def test_every_page_that_needs_sign_in_sends_an_anonymous_get_to_the_sign_in_page_and_back(app, client):
    needing = []
    for endpoint, path in page_rules(app, "GET"):
        for asked in (path, path + "?lang=ru"):
            response = client.get(asked)
            assert response.status_code != 401, f"{asked}: a dead end ('sign in first' with only a home link)"
            if endpoint in PUBLIC:
                assert not response.headers.get("Location", "").startswith("/login"), asked
                continue
            assert response.status_code == 302, f"{asked} ({endpoint}): {response.status_code}"
            location = urlsplit(response.headers["Location"])
            assert location.path == "/login" and not location.netloc, asked
            assert parse_qs(location.query)["next"] == [asked]
        needing.append(endpoint)
    # the ones issue 15 found answering "sign in first", and the rest of the class
    assert {
        "officials.moderation_queue",
        "audit_admin.index",
        "budget_officials.screening",
        "budget_officials.paper",
        "officials.review",
        "calendar_admin.index",
        "notifications.index",
        "auth.account",
    } <= set(needing)


def test_an_anonymous_post_to_a_page_goes_to_the_sign_in_page_and_back_to_its_form(app, client):
    for endpoint, path in page_rules(app, "POST"):
        if endpoint in PUBLIC_POSTS:
            continue
        if endpoint in SCRIPT_POSTS:
            response = client.post(path, json={})
            assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized", path
            continue
        response = client.post(path, data={})
        assert response.status_code == 303, f"{path} ({endpoint}): {response.status_code}"
        location = urlsplit(response.headers["Location"])
        assert location.path == "/login"
        has_page = app.url_map.bind("localhost").test(path, "GET")
        assert parse_qs(location.query).get("next") == ([path] if has_page else None), path


def test_signing_in_leads_back_to_the_page_asked_for_and_never_off_the_site(app, client, make_citizen):
    citizen = make_citizen()
    grant(citizen, "moderator")
    asked = client.get("/moderation?lang=en").headers["Location"]
    login_page = client.get(asked).get_data(as_text=True)
    assert 'value="/moderation?lang=en"' in login_page  # the form carries `next` through the signing
    response = sign_in(client, citizen, "/moderation?lang=en")
    assert response.status_code == 302 and response.headers["Location"] == "/moderation?lang=en"
    assert client.get("/moderation").status_code == 200
    for elsewhere in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "/%2F%2Fevil.example"):
        client.post("/logout", data={})
        response = sign_in(client, citizen, elsewhere)
        assert response.headers["Location"] == "/moderation", elsewhere  # the moderator's own queue instead


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_a_page_of_a_role_the_user_lacks_is_a_403_that_names_the_role_and_a_way_on(app, client, make_citizen, lang):
    from auth.landing import ROLE_NEEDED

    citizen = make_citizen()
    grant(citizen, "reviewer", "government")
    assert sign_in(client, citizen).status_code == 302
    cycle = cycle_in("voting")
    pages = {**ROLE_PAGES, f"/budget/{cycle.id}/screening": "budget_officer", f"/budget/{cycle.id}/paper": "secretary"}
    for path, role in pages.items():
        if role == "reviewer":
            continue  # held: /review/1 is a 404 (no such petition), the queue a 200
        response = client.get(f"{path}?lang={lang}")
        assert response.status_code == 403, path
        page = response.get_data(as_text=True)
        assert translated(app, lang, lambda role=role: str(ROLE_NEEDED[role])) in html.unescape(page), path
        assert 'href="/review"' in page and 'href="/account"' in page  # on to the reviewer's own queue, the account
        assert f'href="/login?next={path}?lang%3D{lang}"' in page  # or sign in as someone else
        assert 'href="/"' in page


def test_a_role_held_for_another_body_says_so(app, client, make_citizen):
    citizen = make_citizen()
    grant(citizen, "budget_officer", add_other_district())  # another rural district
    cycle = cycle_in("screening")
    sign_in(client, citizen)
    response = client.get(f"/budget/{cycle.id}/screening?lang=en")
    assert response.status_code == 403
    assert "You hold this role, but for another body or territory." in response.get_data(as_text=True)


def test_the_api_answers_401_and_403_in_json_and_never_redirects(app, client, make_citizen):
    from tests.petitions.conftest import Actor

    for path in ("/api/v1/me/notifications", "/api/v1/moderation/queue", "/api/v1/review/queue"):
        response = client.get(path)
        assert response.status_code == 401 and response.is_json and "Location" not in response.headers, path
        assert response.get_json()["error"]["code"] == "unauthorized"
    actor = Actor(client, make_citizen())
    for path in ("/api/v1/moderation/queue", "/api/v1/review/queue"):
        response = actor.get(path)
        assert response.status_code == 403 and response.is_json and "Location" not in response.headers, path
        assert set(response.get_json()["error"]) == {"code", "message"}  # names no role: as API.md says
        assert response.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    ("roles", "landing"),
    [
        ((), "/account"),
        ((("moderator", None),), "/moderation"),
        ((("reviewer", "government"),), "/review"),
        ((("admin", None),), "/admin/audit"),
        ((("admin", None), ("moderator", None)), "/moderation"),  # the queue before the log
        ((("budget_officer", DISTRICT),), "/budget/new"),  # no cycle yet: make one
        ((("secretary", DISTRICT),), "/account"),  # no cycle yet: nothing to record
    ],
)
def test_signing_in_without_next_lands_each_role_on_its_work_queue(app, client, make_citizen, roles, landing):
    citizen = make_citizen()
    for role, scope in roles:
        grant(citizen, role, scope)
    response = sign_in(client, citizen)
    assert response.status_code == 302 and response.headers["Location"] == landing


def test_officers_and_secretaries_land_on_their_cycle(app, client, make_citizen):
    officer, secretary = make_citizen(), make_citizen()
    grant(officer, "budget_officer", DISTRICT)
    grant(secretary, "secretary", DISTRICT)
    cycle = cycle_in("proposals")
    assert sign_in(client, officer).headers["Location"] == f"/budget/{cycle.id}/screening"
    client.post("/logout", data={})
    assert sign_in(client, secretary).headers["Location"] == f"/budget/{cycle.id}"
    from tests.budgeting.conftest import move_to

    move_to(cycle, "voting")
    client.post("/logout", data={})
    assert sign_in(client, secretary).headers["Location"] == f"/budget/{cycle.id}/paper"
