"""Redirect targets the client names (`next`, the Referer CSRF reads over HTTPS) are read so they
cannot fail the request or leave the site: anything else falls back to a page of our own, and a
sign-in never half-succeeds (committed, then a 500)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from redirect_targets import same_site_path
from tests.web.test_pages import csrf_app  # noqa: F401 - the fixture

OFF_SITE = {
    "unparseable-ipv6": "//[",
    "unparseable-ipv6-path": "//[/account",
    "unparseable-absolute": "http://[::1",
    "scheme-relative": "//evil.example",
    "three-slashes": "///evil.example",
    "backslash": "/\\evil.example",
    "backslashes": "\\\\evil.example",
    "absolute": "https://evil.example/",
    "javascript": "javascript:alert(1)",
    "data": "data:text/html,<script>alert(1)</script>",
    "tab-inside": "/\t/evil.example",
    "newline-inside": "/\n/evil.example",
    "cr-lf-header": "/account\r\nSet-Cookie: x=1",
    "leading-space": " //evil.example",
    "control": "/\x01account",
    "bidi-override": "/\u202eaccount",
    "encoded-slashes": "/%2F%2Fevil.example",
    "encoded-backslash": "/%5Cevil.example",
    "double-encoded": "/%252F%252Fevil.example",
    "encoded-tab": "/%09/evil.example",
    "no-leading-slash": "evil.example",
    "encoded-leading": "%2F%2Fevil.example",
    "too-long": "/" + "a" * 5000,
}

SAME_SITE = ["/", "/petitions?state=open&page=2", "/petitions/7", "/budget/3#results", "/petitions?q=%D0%B6%D0%BE%D0%BB%20a",
             "/petitions/жол", "/x?next=//evil.example"]


@pytest.mark.parametrize("target", list(OFF_SITE.values()), ids=list(OFF_SITE))
def test_a_target_that_leaves_the_site_or_cannot_be_parsed_falls_back(target):
    assert same_site_path(target) == "/"
    assert same_site_path(target, default="/account") == "/account"


@pytest.mark.parametrize("target", [None, 7, True, ["/"], {"/": 1}, b"/", ""])
def test_what_is_not_text_falls_back(target):
    assert same_site_path(target) == "/"


@pytest.mark.parametrize("target", SAME_SITE)
def test_a_path_of_this_site_is_kept(target):
    assert same_site_path(target) == target


def _csrf(client, path: str = "/login", **kwargs) -> str:
    page = client.get(path, **kwargs).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def _location(response) -> str:
    return re.sub(r"^https?://localhost", "", response.headers["Location"])


@pytest.mark.parametrize("target", list(OFF_SITE.values()), ids=list(OFF_SITE))
def test_the_language_switch_goes_home_for_a_target_off_the_site(csrf_app, target):  # noqa: F811
    client = csrf_app.test_client()
    response = client.post("/lang", data={"lang": "ru", "next": target, "csrf_token": _csrf(client)})

    assert response.status_code == 302
    assert _location(response) == "/"
    assert '<html lang="ru">' in client.get("/").get_data(as_text=True)  # the switch itself was done


def test_the_language_switch_returns_to_the_page_it_was_on(csrf_app):  # noqa: F811
    client = csrf_app.test_client()
    response = client.post("/lang", data={"lang": "en", "next": "/petitions?state=open", "csrf_token": _csrf(client)})
    assert _location(response) == "/petitions?state=open"


def _login_sessions() -> int:
    from auth.models import LoginSession
    from extensions import db

    db.session.rollback()
    count = db.session.scalar(select(func.count()).select_from(LoginSession))
    db.session.rollback()  # SQLite: hold no lock while the sign-in's welcome job writes
    return count


def _auth_jws(client, citizen) -> str:
    nonce = client.post("/api/v1/auth/challenge").get_json()["nonce"]
    return citizen.jws({"purpose": "auth", "nonce": nonce, "iat": int(time.time())}, usage="auth")


@pytest.mark.parametrize(
    "target", [OFF_SITE[k] for k in ("unparseable-ipv6", "unparseable-absolute", "scheme-relative", "backslash",
                                     "javascript", "tab-inside", "encoded-slashes", "bidi-override")],
    ids=["unparseable-ipv6", "unparseable-absolute", "scheme-relative", "backslash", "javascript", "tab-inside",
         "encoded-slashes", "bidi-override"],
)
def test_a_sign_in_with_a_bad_next_lands_on_the_account_page_signed_in(csrf_app, make_citizen, target):  # noqa: F811
    from flask import g

    citizen = make_citizen()
    client = csrf_app.test_client()
    csrf = _csrf(client)
    before = _login_sessions()

    response = client.post("/login", data={"csrf_token": csrf, "jws": _auth_jws(client, citizen), "next": target})

    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert _location(response) == "/account"
    assert _login_sessions() == before + 1  # one sign-in, whole: its session and the cookie naming it
    g.pop("_login_user", None)
    assert client.get("/account").status_code == 200


def test_a_sign_in_returns_to_a_page_of_this_site(csrf_app, make_citizen):  # noqa: F811
    citizen = make_citizen()
    client = csrf_app.test_client()
    response = client.post(
        "/login", data={"csrf_token": _csrf(client), "jws": _auth_jws(client, citizen), "next": "/petitions?state=open"}
    )
    assert _location(response) == "/petitions?state=open"


@pytest.mark.parametrize("target", ["//[", "//evil.example", "javascript:alert(1)", "/\\evil.example"])
def test_the_login_page_does_not_carry_an_off_site_next(client, target):
    page = client.get("/login", query_string={"next": target}).get_data(as_text=True)
    assert re.search(r'name="next" type="hidden" value=""', page)


@pytest.mark.parametrize("referer", ["https://[", "https://[/lang", "https://[::1/", "http://[", "//[", "https://localhost:99999/"])
def test_an_unparseable_referer_over_https_is_a_csrf_refusal_that_changes_nothing(csrf_app, make_citizen, referer):  # noqa: F811
    from auth.services import account_for
    from extensions import db
    from tests.petitions.test_pages import sign_in_page

    citizen = make_citizen()
    client = csrf_app.test_client()
    sign_in_page(client, citizen)
    csrf = _csrf(client, "/account", base_url="https://localhost")

    response = client.post("/lang", data={"lang": "ru", "csrf_token": csrf}, base_url="https://localhost",
                           headers={"Referer": referer})

    assert response.status_code == 400
    db.session.rollback()
    assert account_for(citizen.iin, datetime.now(UTC)).locale != "ru"


def test_a_same_site_referer_over_https_is_accepted(csrf_app):  # noqa: F811
    client = csrf_app.test_client()
    csrf = _csrf(client, base_url="https://localhost")
    response = client.post("/lang", data={"lang": "ru", "csrf_token": csrf}, base_url="https://localhost",
                           headers={"Referer": "https://localhost/petitions"})
    assert response.status_code == 302
