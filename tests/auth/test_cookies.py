"""Cookies are the client's text: a malformed one, of any name, is treated as absent, never a 5xx.

Dauys reads one cookie, Flask's signed session (pages only; the API reads none). It never issues
Flask-Login's "remember me" cookie (a page sign-in lasts its login session), so it never reads one:
Flask-Login 0.6 compared such a cookie's digest with hmac.compare_digest, a TypeError (a 500 on
every page and API error answer, the locale selector reading current_user) for non-ASCII text.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.petitions.test_pages import sign_in_page

COOKIE_VALUES = {
    "non-ascii-after-bar": "a|é",
    "non-ascii-both": "é|é",
    "cyrillic": "сессия|подпись",
    "bar-only": "|",
    "many-bars": "|||a|b||c|",
    "huge": "a" * 3000 + "|" + "b" * 3000,
    "binary-ish": "\x01\x02\x7f|\x1b[0m\x08",
    "latin-1-high": "\xff\xfe|\xe9\x80",
    "invalid-base64": "!!!.@@@.###",
    "dotted-junk": "eyJfdXNlcl9pZCI6IngifQ.Z3oN.invalid",
    "compressed-junk": ".eJzLSM3JyQcABiwCFQ.Z3oN.sig",
    "hex-digest-wrong": "1|" + "0" * 128,
    "quoted": '"a|\\351"',
    "percent": "%E9%7C%FF",
}

COOKIE_NAMES = ("remember_token", "session", "lang", "csrf_token", "dauys")

# (method, path, body): pages anyone may open, a page that needs sign-in, API answers and API errors
REQUESTS = (
    ("GET", "/", None),
    ("GET", "/login", None),
    ("GET", "/account", None),
    ("GET", "/petitions", None),
    ("GET", "/api/v1/petitions", None),
    ("GET", "/api/v1/petitions/2147483000", None),  # a 404 error answer
    ("POST", "/api/v1/petitions", {}),  # a 401 error answer
    ("GET", "/api/v1/nowhere", None),
)


def with_raw_cookie(app, name: str, value: str):
    """A client that sends exactly `Cookie: name=value` (UTF-8 on the wire, as a browser may), no jar."""
    client = app.test_client(use_cookies=False)
    header = f"{name}={value}".encode().decode("latin-1")  # WSGI carries header bytes as latin-1 text

    def send(method: str, path: str, body: dict | None):
        return client.open(path, method=method, json=body, headers={"Cookie": header})

    return send


@pytest.mark.parametrize("name", COOKIE_NAMES)
@pytest.mark.parametrize("value", list(COOKIE_VALUES.values()), ids=list(COOKIE_VALUES))
def test_a_malformed_cookie_of_any_name_is_treated_as_absent(app, name, value):
    send = with_raw_cookie(app, name, value)
    answers = {path: send(method, path, body) for method, path, body in REQUESTS}

    assert {path: r.status_code for path, r in answers.items() if r.status_code >= 500} == {}
    assert answers["/"].status_code == 200 and answers["/login"].status_code == 200
    assert answers["/account"].status_code == 302 and "/login" in answers["/account"].headers["Location"]
    assert answers["/api/v1/petitions/2147483000"].get_json()["error"]["code"] == "not_found"
    assert answers["/api/v1/petitions"].get_json()["error"]["code"] == "unauthorized"
    assert answers["/api/v1/nowhere"].get_json()["error"]["code"] == "not_found"


def _session_of(app, cookie: str) -> dict:
    return app.session_interface.get_signing_serializer(app).loads(cookie)


def _signed_in_client(app, make_citizen):
    client = app.test_client()
    sign_in_page(client, make_citizen())
    cookie = client.get_cookie("session").value
    assert client.get("/account").status_code == 200
    return cookie, _session_of(app, cookie)["_user_id"]


def test_a_remember_cookie_signed_with_the_secret_signs_no_one_in(app, make_citizen):
    """Dauys issues none, so it reads none: even one made with Flask-Login's own encoder, naming a
    live login session, is not a way in (no second, unrevocable credential beside the session)."""
    from flask_login.utils import encode_cookie

    _cookie, handle = _signed_in_client(app, make_citizen)
    remember = encode_cookie(handle)
    stranger = app.test_client()
    stranger.set_cookie("remember_token", remember)

    assert stranger.get("/account").status_code == 302
    assert stranger.get_cookie("session") is None or "_user_id" not in _session_of(
        app, stranger.get_cookie("session").value
    )


def test_signing_in_issues_no_remember_cookie(app, make_citizen):
    import re
    import time

    citizen = make_citizen()
    client = app.test_client()
    client.get("/login")
    nonce = client.post("/api/v1/auth/challenge").get_json()["nonce"]
    jws = citizen.jws({"purpose": "auth", "nonce": nonce, "iat": int(time.time())}, usage="auth")
    response = client.post("/login", data={"jws": jws})

    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert [c for c in cookies if re.match(r"\s*remember", c)] == []
    assert client.get_cookie("remember_token") is None


def test_a_session_cookie_signed_with_another_secret_is_ignored(app, make_citizen):
    from itsdangerous import URLSafeTimedSerializer

    _cookie, handle = _signed_in_client(app, make_citizen)
    forged = URLSafeTimedSerializer("not-the-secret-" * 4, salt="cookie-session").dumps({"_user_id": handle})
    tampered = _cookie[:-3] + ("AAA" if not _cookie.endswith("AAA") else "BBB")
    for value in (forged, tampered, base64.urlsafe_b64encode(json.dumps({"_user_id": handle}).encode()).decode()):
        send = with_raw_cookie(app, "session", value)
        assert send("GET", "/account", None).status_code == 302


def test_an_ended_login_session_in_a_valid_cookie_is_absent(app, make_citizen):
    from auth.services import end_login_session
    from extensions import db

    cookie, handle = _signed_in_client(app, make_citizen)
    end_login_session(handle, datetime.now(UTC) + timedelta(seconds=1))
    db.session.commit()
    send = with_raw_cookie(app, "session", cookie)

    assert send("GET", "/account", None).status_code == 302
    assert send("GET", "/", None).status_code == 200
