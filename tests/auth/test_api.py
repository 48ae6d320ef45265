"""The outside contract of identity: challenge, token, CA, territories, error bodies."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from cryptography import x509
from jose import jwt

from tests.conftest import sign_jws


def login(client, citizen, usage="auth") -> dict:
    challenge = client.post("/api/v1/auth/challenge")
    assert challenge.status_code == 201
    nonce = challenge.get_json()["nonce"]
    token = citizen.jws({"purpose": "auth", "nonce": nonce, "iat": int(time.time())}, usage=usage)
    return client.post("/api/v1/auth/token", json={"jws": token})


def test_ca_endpoint_gives_issuing_then_root(client, app):
    response = client.get("/api/v1/eds/ca")
    assert response.status_code == 200
    certs = x509.load_pem_x509_certificates(response.data)
    assert len(certs) == 2
    issuing, root = certs
    assert issuing.issuer == root.subject
    issuing.verify_directly_issued_by(root)
    root.verify_directly_issued_by(root)


def test_challenge_is_single_use_and_expires_in_five_minutes(client):
    body = client.post("/api/v1/auth/challenge").get_json()
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(minutes=4) < expires - datetime.now(UTC) <= timedelta(minutes=5)
    assert len(body["nonce"]) >= 32


def test_outside_client_gets_a_bearer_token(client, make_citizen):
    citizen = make_citizen()
    response = login(client, citizen)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.get_json()["display_name"] == "Айгерім С."
    assert citizen.iin not in me.get_data(as_text=True)


def test_replayed_login_is_refused(client, make_citizen):
    citizen = make_citizen()
    nonce = client.post("/api/v1/auth/challenge").get_json()["nonce"]
    token = citizen.jws({"purpose": "auth", "nonce": nonce, "iat": int(time.time())}, usage="auth")
    assert client.post("/api/v1/auth/token", json={"jws": token}).status_code == 200
    replay = client.post("/api/v1/auth/token", json={"jws": token})
    assert replay.status_code == 400
    assert replay.get_json()["error"]["code"] == "nonce_invalid"


def test_sign_key_login_is_refused_with_its_code_and_burns_no_nonce(client, make_citizen, app):
    from auth.models import AuthNonce
    from extensions import db

    citizen = make_citizen()
    response = login(client, citizen, usage="sign")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "wrong_key_usage"
    assert error["message"]
    assert db.session.query(AuthNonce).filter(AuthNonce.used_at.is_not(None)).count() == 0


def test_error_messages_follow_the_language(client, make_citizen):
    citizen = make_citizen()
    nonce = client.post("/api/v1/auth/challenge").get_json()["nonce"]
    token = citizen.jws({"purpose": "auth", "nonce": nonce, "iat": int(time.time())}, usage="sign")
    english = client.post("/api/v1/auth/token", json={"jws": token}, headers={"Accept-Language": "en"})
    russian = client.post("/api/v1/auth/token", json={"jws": token}, headers={"Accept-Language": "ru"})
    kazakh = client.post("/api/v1/auth/token", json={"jws": token})
    messages = {r.get_json()["error"]["message"] for r in (english, russian, kazakh)}
    assert len(messages) == 3
    assert {r.get_json()["error"]["code"] for r in (english, russian, kazakh)} == {"wrong_key_usage"}


def test_missing_or_malformed_body_is_a_validation_error(client):
    for kwargs in ({}, {"data": "not json", "content_type": "application/json"}, {"json": [1, 2]}):
        response = client.post("/api/v1/auth/token", **kwargs)
        assert response.status_code in (400, 422)
        assert response.get_json()["error"]["code"] in {"validation_error", "invalid_signature"}


def test_bearer_token_expired_tampered_or_absent_is_refused(client, make_citizen, app):
    citizen = make_citizen()
    token = login(client, citizen).get_json()["access_token"]
    head, body, sig = token.split(".")
    tampered = f"{head}.{body[:-2]}AA.{sig}"
    from auth.services import _token_key

    expired = jwt.encode(
        {"sub": "1", "iat": int(time.time()) - 2000, "exp": int(time.time()) - 1000, "typ": "dauys-api"},
        _token_key(),
        algorithm="HS256",
    )
    for header in ({}, {"Authorization": "Bearer"}, {"Authorization": f"Bearer {tampered}"},
                   {"Authorization": f"Bearer {expired}"}, {"Authorization": f"Basic {token}"}):
        response = client.get("/api/v1/me", headers=header)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"


def test_api_ignores_the_session_cookie(client, make_citizen):
    citizen = make_citizen()
    login(client, citizen)
    assert client.get("/api/v1/me").status_code == 401


def test_forged_jws_gets_its_code_over_http(client, make_citizen):
    citizen = make_citizen()
    nonce = client.post("/api/v1/auth/challenge").get_json()["nonce"]
    stale = citizen.jws({"purpose": "auth", "nonce": nonce, "iat": int(time.time()) - 600}, usage="auth")
    response = client.post("/api/v1/auth/token", json={"jws": stale})
    assert response.get_json()["error"]["code"] == "stale_signature"
    no_chain = sign_jws({"purpose": "auth", "nonce": nonce, "iat": int(time.time())}, citizen.auth_key, {}, "ES256")
    response = client.post("/api/v1/auth/token", json={"jws": no_chain})
    assert response.get_json()["error"]["code"] == "untrusted_certificate"


def test_territories_filter_by_level_and_parent(client, territories):
    regions = client.get("/api/v1/territories?level=region").get_json()["items"]
    assert [t["kato"] for t in regions] == ["110000000"]
    assert regions[0]["population"] == 786000
    villages = client.get("/api/v1/territories?parent=113243000").get_json()["items"]
    assert {t["kato"] for t in villages} == {"113243100", "113243200"}
    assert set(villages[0]) >= {"kato", "name_kk", "name_ru", "level", "parent", "population"}
    bad = client.get("/api/v1/territories?level=planet")
    assert bad.status_code == 422
    assert bad.get_json()["error"]["code"] == "validation_error"


def test_unknown_api_path_is_json_not_found(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_an_id_beyond_the_database_is_not_found_and_a_wrong_method_names_the_allowed_ones(client):
    for path in ("/api/v1/petitions/99999999999999999999", "/api/v1/petitions/99999999999999/count"):
        response = client.get(path)
        assert (response.status_code, response.get_json()["error"]["code"]) == (404, "not_found"), path
    wrong = client.open("/api/v1/auth/challenge", method="TRACE")
    assert wrong.status_code == 405 and "POST" in wrong.headers["Allow"]


def test_a_nul_character_anywhere_in_a_request_is_a_clear_validation_error(client):
    for response in (
        client.get("/api/v1/budget/cycles?territory=%00"),
        client.post("/api/v1/petitions/1/signatures", data=b'{"jws": "a\\u0000b"}', content_type="application/json"),
        client.post("/api/v1/auth/token", json={"jws": "x\x00y"}),
        client.post("/api/v1/auth/token", data=b"jws=x%00y", content_type="application/x-www-form-urlencoded"),
        client.post("/api/v1/auth/token", data={"jws": "x\x00y"}, content_type="multipart/form-data"),
    ):
        assert (response.status_code, response.get_json()["error"]["code"]) == (422, "validation_error")


def test_the_api_keeps_no_cookie_session_while_pages_do(client):
    api = client.get("/api/v1/petitions?lang=ru")
    page = client.get("/?lang=ru")
    assert api.status_code == 200 and "Set-Cookie" not in api.headers
    assert page.status_code == 200 and "session=" in page.headers.get("Set-Cookie", "")


def test_an_application_wide_rate_limit_is_refused_at_start(tmp_path):
    """Limits are checked by their route decorators only: a default one would silently do nothing."""
    import pytest

    from factory import create_app

    with pytest.raises(RuntimeError, match="RATELIMIT_DEFAULT"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3", "RATELIMIT_DEFAULT": "100/minute"})
