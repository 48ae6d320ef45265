"""Signing out and revoking end access at once: every page session and API token names a login
session on the server, checked on each request; roles are read afresh on each request."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, inspect, select

from tests.auth.test_api import login

PETITION = {"title": "Ауыл көшесін жөндеу", "body": "Жол жөндеу керек, балалар мектепке бара алмайды. " * 3,
            "language": "kk", "addressee": "government"}


def page_login(client, citizen) -> str:
    """Sign in through the login page with the AUTH key; returns the session cookie's value."""
    nonce = client.post("/api/v1/auth/challenge").get_json()["nonce"]
    jws = citizen.jws({"purpose": "auth", "nonce": nonce, "iat": int(time.time())}, usage="auth")
    response = client.post("/login", data={"jws": jws})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client.get_cookie("session").value


def api_token(client, citizen) -> str:
    response = login(client, citizen)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def signed_in(app, cookie: str, path: str = "/account") -> int:
    """The status a browser holding only this session cookie gets for `path` (a fresh client)."""
    from flask import g

    g.pop("_login_user", None)  # the test's app context would hand the last request's user over
    browser = app.test_client()
    browser.set_cookie("session", cookie)
    response = browser.get(path)
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
    return response.status_code


def petitions_written() -> int:
    from extensions import db
    from petitions.models import Petition

    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Petition))


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_a_cookie_copied_before_logout_is_refused_after_it_everywhere(app, client, make_citizen):
    citizen = make_citizen()
    cookie = page_login(client, citizen)
    assert signed_in(app, cookie) == 200  # the copy works, as the original does

    assert client.post("/logout").status_code == 302

    assert client.get("/account").status_code == 302
    assert signed_in(app, cookie) == 302  # every copy, in any browser
    assert signed_in(app, cookie, "/inbox") == 302


def test_a_second_login_session_of_the_same_person_survives_the_first_signing_out(app, make_citizen):
    citizen = make_citizen()
    laptop, phone = app.test_client(), app.test_client()
    laptop_cookie, phone_cookie = page_login(laptop, citizen), page_login(phone, citizen)
    token = api_token(app.test_client(), citizen)

    assert laptop.post("/logout").status_code == 302

    assert signed_in(app, laptop_cookie) == 302
    assert signed_in(app, phone_cookie) == 200
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 200


def test_signing_in_again_in_the_same_browser_ends_the_session_it_replaces(app, client, make_citizen):
    citizen = make_citizen()
    first = page_login(client, citizen)
    second = page_login(client, citizen)
    assert signed_in(app, first) == 302 and signed_in(app, second) == 200


@pytest.mark.parametrize("how", ["cli", "service"])
def test_tokens_and_cookies_issued_before_a_revocation_are_refused_right_after(app, client, make_citizen, how):
    from auth import services
    from extensions import db

    citizen, bystander = make_citizen(), make_citizen()
    token, cookie = api_token(client, citizen), page_login(app.test_client(), citizen)
    other_token = api_token(client, bystander)
    assert client.post("/api/v1/petitions", json=PETITION, headers=bearer(token)).status_code == 201
    before = petitions_written()

    if how == "cli":
        result = cli(app, "eds", "revoke", "--iin", citizen.iin)
        assert result.exit_code == 0, result.output
        assert "every login session made with them has ended" in result.output
    else:
        services.revoke_certificates(citizen.iin, datetime.now(UTC))
        db.session.commit()

    created = client.post("/api/v1/petitions", json=PETITION, headers=bearer(token))
    assert created.status_code == 401 and created.get_json()["error"]["code"] == "unauthorized"
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert petitions_written() == before
    assert signed_in(app, cookie) == 302
    assert client.get("/api/v1/me", headers=bearer(other_token)).status_code == 200  # no one else's


def test_a_certificate_revoked_by_any_path_ends_the_sessions_made_with_it(app, client, make_citizen):
    """Even a revocation written without revoke_certificates (another tool, a DBA) ends access."""
    from auth.models import Certificate
    from extensions import db

    citizen = make_citizen()
    token, cookie = api_token(client, citizen), page_login(app.test_client(), citizen)
    db.session.execute(
        Certificate.__table__.update()
        .where(Certificate.iin == citizen.iin, Certificate.usage == "auth")
        .values(revoked_at=datetime.now(UTC))
    )
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert signed_in(app, cookie) == 302


def test_api_logout_ends_the_tokens_login_session_only(app, client, make_citizen):
    citizen = make_citizen()
    token, other = api_token(client, citizen), api_token(client, citizen)

    assert client.post("/api/v1/auth/logout").status_code == 401
    response = client.post("/api/v1/auth/logout", headers=bearer(token))
    assert response.status_code == 204 and response.data == b""

    for call in (lambda: client.get("/api/v1/me", headers=bearer(token)),
                 lambda: client.post("/api/v1/petitions", json=PETITION, headers=bearer(token)),
                 lambda: client.post("/api/v1/auth/logout", headers=bearer(token))):
        refused = call()
        assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "unauthorized"
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 200


def test_a_token_or_cookie_that_names_no_live_login_session_is_refused(app, client, make_citizen):
    """Made with the real key (as an insider or a leaked key would): the old shape without `sid`,
    a live `sid` under another account's `sub`, a made-up `sid`, a cookie naming a bare user id."""
    from jose import jwt

    from auth.services import _token_key

    victim, attacker = make_citizen(), make_citizen()
    victim_token, attacker_token = api_token(client, victim), api_token(client, attacker)
    victim_id = client.get("/api/v1/me", headers=bearer(victim_token)).get_json()["id"]
    attacker_sid = jwt.get_unverified_claims(attacker_token)["sid"]
    now = int(time.time())
    base = {"iat": now, "exp": now + 900, "typ": "dauys-api"}
    for claims in ({**base, "sub": str(victim_id)},
                   {**base, "sub": str(victim_id), "sid": attacker_sid},
                   {**base, "sub": str(victim_id), "sid": "A" * 43},
                   {**base, "sub": str(victim_id), "sid": ""},
                   {**base, "sub": str(victim_id), "sid": 7},
                   {**base, "sub": "not-a-number", "sid": attacker_sid},
                   {**base, "sid": attacker_sid}):
        forged = jwt.encode(claims, _token_key(), algorithm="HS256")
        response = client.get("/api/v1/me", headers=bearer(forged))
        assert response.status_code == 401, claims
        assert response.get_json()["error"]["code"] == "unauthorized"

    serializer = app.session_interface.get_signing_serializer(app)
    for user_id in (str(victim_id), victim_id, "A" * 43, ""):
        assert signed_in(app, serializer.dumps({"_user_id": user_id, "_fresh": True})) == 302, user_id


def test_a_login_session_past_its_expiry_is_refused(app, client, make_citizen):
    from auth.models import LoginSession
    from extensions import db

    citizen = make_citizen()
    cookie = page_login(client, citizen)
    db.session.execute(LoginSession.__table__.update().values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    db.session.commit()
    assert signed_in(app, cookie) == 302


def test_the_login_session_row_keeps_neither_the_iin_nor_the_handle_it_gives_out(app, client, make_citizen):
    from auth.models import Certificate, LoginSession
    from extensions import db

    citizen = make_citizen()
    token = api_token(client, citizen)
    cookie = page_login(client, citizen)
    from jose import jwt

    sid = jwt.get_unverified_claims(token)["sid"]
    rows = db.session.scalars(select(LoginSession)).all()
    assert len(rows) == 2
    auth_serial = db.session.scalar(select(Certificate.serial).where(Certificate.iin == citizen.iin,
                                                                     Certificate.usage == "auth"))
    for row in rows:
        assert row.certificate_serial == auth_serial and row.ended_at is None
        values = " ".join(str(getattr(row, c.key)) for c in LoginSession.__table__.columns)
        assert citizen.iin not in values and sid not in values
    token_row = min(rows, key=lambda r: r.expires_at)
    assert token_row.expires_at - token_row.created_at == timedelta(seconds=app.config["API_TOKEN_SECONDS"])
    assert cookie and sid not in cookie


@pytest.mark.parametrize("how", ["cli", "deleted"])
def test_a_withdrawn_role_is_refused_on_the_next_request_on_page_and_api(app, client, make_citizen, how):
    """Roles are read with the user on every request, never kept in the cookie or the token."""
    from audit.models import AuditEntry
    from auth.models import RoleGrant
    from extensions import db

    moderator = make_citizen(kato="710000000")
    assert cli(app, "roles", "grant", "--iin", moderator.iin, "--role", "moderator").exit_code == 0
    token = api_token(client, moderator)
    browser = app.test_client()
    page_login(browser, moderator)
    assert browser.get("/moderation").status_code == 200
    assert client.get("/api/v1/moderation/queue", headers=bearer(token)).status_code == 200

    if how == "cli":
        result = cli(app, "roles", "revoke", "--iin", moderator.iin, "--role", "moderator")
        assert result.exit_code == 0, result.output
    else:  # withdrawn by another path: the grant is simply gone
        db.session.execute(RoleGrant.__table__.delete().where(RoleGrant.iin == moderator.iin))
        db.session.commit()

    assert browser.get("/moderation").status_code == 403
    refused = client.get("/api/v1/moderation/queue", headers=bearer(token))
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    assert client.get("/api/v1/me", headers=bearer(token)).get_json()["roles"] == []
    if how != "cli":
        return
    db.session.rollback()
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "role.withdraw")).one()
    assert entry.details == {"name": entry.details["name"], "role": "moderator", "scope": None}
    assert entry.origin == "cli" and moderator.iin not in f"{entry.subject_id} {entry.details} {result.output}"


def test_roles_revoke_withdraws_one_scope_or_every_scope_and_refuses_what_was_never_granted(app, make_citizen):
    from auth.models import RoleGrant
    from extensions import db

    reviewer = make_citizen(kato="710000000")
    for where in (("--scope", "government"), ("--scope", "710000000", "--body", "city_akimat"),
                  ("--scope", "710000000", "--body", "city_maslikhat")):
        assert cli(app, "roles", "grant", "--iin", reviewer.iin, "--role", "reviewer", *where).exit_code == 0

    def scopes() -> set:
        db.session.rollback()
        grants = db.session.scalars(select(RoleGrant).where(RoleGrant.iin == reviewer.iin))
        return {(g.scope, g.body) for g in grants}

    everything = {("government", None), ("710000000", "city_akimat"), ("710000000", "city_maslikhat")}
    for args in (("--role", "moderator"), ("--role", "reviewer", "--scope", "110000000"), ("--role", "nobody"),
                 ("--role", "reviewer", "--scope", "government", "--body", "city_akimat")):
        refused = cli(app, "roles", "revoke", "--iin", reviewer.iin, *args)
        assert refused.exit_code != 0, args
        assert scopes() == everything
    assert cli(app, "roles", "revoke", "--iin", "000000000000", "--role", "reviewer").exit_code != 0

    one_body = ("--scope", "710000000", "--body", "city_maslikhat")
    assert cli(app, "roles", "revoke", "--iin", reviewer.iin, "--role", "reviewer", *one_body).exit_code == 0
    assert scopes() == {("government", None), ("710000000", "city_akimat")}
    assert cli(app, "roles", "revoke", "--iin", reviewer.iin, "--role", "reviewer", "--scope", "710000000").exit_code == 0
    assert scopes() == {("government", None)}
    assert cli(app, "roles", "revoke", "--iin", reviewer.iin, "--role", "reviewer").exit_code == 0
    assert scopes() == set()


def test_the_login_session_table_is_what_the_migration_makes(app):
    """The model and the Alembic migration agree (both databases are migrated, not create_all'd)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from extensions import db

    with db.engine.connect() as connection:
        assert "login_session" in inspect(connection).get_table_names()
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    mine = [d for d in diff if "login_session" in repr(d)]
    assert mine == []
