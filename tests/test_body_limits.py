"""Limits every request meets (API.md): a body is JSON nested at most 32 deep, numbers finite,
integers within 64 bits, members once, strings NFC and no bigger than 64 KiB; anything else is 422
validation_error (never a 5xx), on every endpoint, with or without authentication, and writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from tests.conftest import make_app, wipe
from tests.petitions.conftest import BODY
from tests.petitions.test_transitions import make_petition

DEEP = 100_000


def deep_array(levels: int) -> str:
    return "[" * levels + "]" * levels


def deep_object(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


def deep_mixed(levels: int) -> str:
    return '[{"a":' * (levels // 2) + "1" + "}]" * (levels // 2)


def member(inner: str) -> str:
    """A body whose `jws` member carries `inner`: one level more than `inner` itself."""
    return '{"jws":' + inner + "}"


TOO_DEEP = {
    "array": deep_array(DEEP),
    "object": deep_object(DEEP),
    "mixed": deep_mixed(DEEP),
    "array-in-member": member(deep_array(DEEP)),
    "object-in-member": member(deep_object(DEEP)),
    "unclosed": "[" * DEEP,
    "33-arrays": deep_array(33),
    "33-objects": deep_object(33),
    "32-arrays-in-member": member(deep_array(32)),
}

NOT_FINITE = {
    "nan-top": "NaN",
    "infinity-top": "Infinity",
    "minus-infinity-top": "-Infinity",
    "overflow-top": "1e999",
    "nan-member": '{"jws": NaN}',
    "infinity-member": '{"jws": "x", "notify": Infinity}',
    "minus-infinity-member": '{"jws": "x", "notify": -Infinity}',
    "overflow-member": '{"jws": "x", "notify": 1e400}',
    "minus-overflow-member": '{"jws": "x", "notify": -1e999}',
    "nan-nested": '{"jws": "x", "notify": [1, {"a": [NaN]}]}',
    "overflow-nested": '{"jws": "x", "extra": {"a": [2.5, 1E+999]}}',
}

TOO_BIG_INTEGER = {
    "2**63": f'{{"jws": "x", "notify": {2**63}}}',
    "-2**63-1": f'{{"jws": "x", "notify": {-2**63 - 1}}}',
    "10**400": f'{{"jws": "x", "notify": {10**400}}}',
    "10**5000": '{"jws": "x", "notify": 1' + "0" * 5000 + "}",  # more digits than int() will read
    "nested-2**64": f'{{"jws": "x", "extra": [[{2**64}]]}}',
}

NOT_STRICT = {
    "duplicate-jws": '{"jws": "a", "jws": "b"}',
    "duplicate-by-escape": '{"jws": "a", "\\u006aws": "b"}',
    "duplicate-nested": '{"jws": "a", "extra": {"k": 1, "k": 2}}',
    "lone-surrogate": '{"jws": "\\ud800"}',
    "lone-low-surrogate": '{"jws": "a\\udfff"}',
    "not-utf8": b'{"jws": "\xff\xfe"}',
    "trailing-garbage": '{"jws": "a"} x',
    "empty": "",
}

MALFORMED = {**TOO_DEEP, **NOT_FINITE, **TOO_BIG_INTEGER, **NOT_STRICT}


def rows() -> dict[str, int]:
    """How many rows every table holds: what a refused request must leave as it found."""
    from extensions import db
    from workers.queues import wait_for_inprocess

    db.session.rollback()
    wait_for_inprocess()  # what the set-up's own events write (a notification) is written first
    return {table.name: db.session.scalar(select(func.count()).select_from(table)) for table in db.metadata.sorted_tables}


@pytest.fixture
def targets(app, make_citizen):
    """The endpoints that read a body: unauthenticated (login, signing, voting) and with a Bearer token."""
    from tests.auth.test_api import login

    author = make_citizen(kato="710000000")
    petition = make_petition("open", author.iin, datetime.now(UTC), threshold=1000)
    bearer = {"Authorization": "Bearer " + login(app.test_client(), author).get_json()["access_token"]}
    return {
        "token": ("/api/v1/auth/token", {}),
        "signature": (f"/api/v1/petitions/{petition.id}/signatures", {}),
        "draft": ("/api/v1/petitions", bearer),
        "submit": (f"/api/v1/petitions/{petition.id}/submit", bearer),
    }


def post_raw(client, path: str, data: str | bytes, headers: dict | None = None):
    return client.post(path, data=data, content_type="application/json", headers=headers or {})


def assert_refused(response) -> None:
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert response.get_json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize("spelling", list(MALFORMED))
def test_a_malformed_body_is_validation_error_on_every_endpoint_and_writes_nothing(app, client, targets, spelling):
    before = rows()
    for path, headers in targets.values():
        assert_refused(post_raw(client, path, MALFORMED[spelling], headers))
    assert rows() == before


@pytest.mark.parametrize("spelling", ["array", "object", "mixed", "array-in-member", "nan-member", "2**63",
                                      "duplicate-jws", "lone-surrogate"])
def test_the_rate_limit_key_reads_a_malformed_body_safely(database_url, instance_dir, spelling):
    """With limits on, the signer's key is read from the body before the view: that read is safe too."""
    app = make_app(database_url, RATELIMIT_ENABLED=True)
    with app.app_context():
        client = app.test_client()
        before = rows()
        for path in ("/api/v1/petitions/1/signatures", "/api/v1/budget/cycles/1/ballots"):
            response = post_raw(client, path, MALFORMED[spelling])
            # there is no petition or cycle 1: the key reads the body before the view says so
            assert response.status_code in (404, 422), response.get_data(as_text=True)[:300]
            assert response.get_json()["error"]["code"] in ("not_found", "validation_error")
        assert rows() == before
    wipe(app)


def test_the_deepest_body_allowed_is_32_levels(app, client, targets):
    path, _ = targets["token"]
    # 32 levels parse: the answer is about the `jws` member (an array, not a string), not about the body
    allowed = post_raw(client, path, member(deep_array(31)))
    assert allowed.status_code == 422 and list(allowed.get_json()["error"]["fields"]) == ["jws"]
    assert_refused(post_raw(client, path, member(deep_array(32))))


def test_the_largest_integer_allowed_is_signed_64_bit(app, client, targets):
    path, _ = targets["token"]
    for number in (2**63 - 1, -2**63):
        response = post_raw(client, path, f'{{"jws": "x", "notify": {number}}}')
        assert response.get_json()["error"]["code"] == "invalid_signature"


def test_a_json_body_over_64_kib_is_validation_error_and_over_2_mib_too(app, client, targets):
    path, _ = targets["token"]
    before = rows()
    just_under = '{"jws": "%s"}' % ("a" * (64 * 1024 - 11))
    assert len(just_under.encode()) == 64 * 1024
    assert post_raw(client, path, just_under).get_json()["error"]["code"] == "invalid_signature"
    assert_refused(post_raw(client, path, '{"jws": "%s"}' % ("a" * (64 * 1024))))
    huge = post_raw(client, path, '{"jws": "%s"}' % ("a" * (3 * 1024 * 1024)))
    assert huge.status_code == 413 and huge.get_json()["error"]["code"] == "validation_error"
    assert rows() == before


def test_every_string_of_a_body_is_nfc_normalised(app, client, make_citizen):
    from tests.auth.test_api import login

    author = make_citizen(kato="710000000")
    bearer = {"Authorization": "Bearer " + login(client, author).get_json()["access_token"]}
    decomposed = "Аи\u0306гүл ауылына жол керек"  # й as и + combining breve, as some keyboards send it
    response = client.post("/api/v1/petitions", headers=bearer, json={
        "title": decomposed, "body": BODY, "language": "kk", "addressee": "government",
    })
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["title"] == "Айгүл ауылына жол керек"

    from extensions import db
    from petitions.models import Petition

    db.session.rollback()
    assert db.session.get(Petition, response.get_json()["id"]).title == "Айгүл ауылына жол керек"


def test_a_form_field_is_nfc_normalised_too(app):
    with app.test_request_context("/", method="POST", data={"title": "Аи\u0306гүл"}):
        from flask import request

        assert request.form["title"] == "Айгүл"


@pytest.mark.parametrize("spelling", ["array", "mixed", "nan-top", "10**400", "duplicate-jws", "lone-surrogate"])
def test_no_reader_of_a_request_can_get_round_the_strict_parser(app, spelling):
    """Any code calling Flask's own request.get_json (or .json) gets the strict parser."""
    from flask import request

    from kernel.errors import DomainError

    with app.test_request_context("/", method="POST", data=MALFORMED[spelling], content_type="application/json"):
        assert request.get_json(silent=True) is None
        with pytest.raises(DomainError) as caught:
            request.get_json()
        assert caught.value.code == "validation_error"
        with pytest.raises(DomainError):
            request.json  # noqa: B018 - the property is the read


@pytest.mark.parametrize("page", [str(2**31), str(2**63), str(10**30), "9" * 5000, "-" + str(2**63)])
def test_a_page_number_of_any_size_is_answered_never_a_5xx(app, client, make_citizen, page):
    from auth import services
    from extensions import db
    from tests.petitions.test_pages import sign_in_page

    admin = make_citizen(kato="710000000")
    services.grant_role(admin.iin, "admin", None, datetime.now(UTC))
    db.session.commit()
    api = client.get(f"/api/v1/petitions?page={page}")
    assert api.status_code in (200, 422)
    assert client.get(f"/petitions?page={page}").status_code == 200
    sign_in_page(client, admin)
    assert client.get(f"/admin/audit?page={page}").status_code == 200


@pytest.mark.parametrize("header", [deep_array(3000), deep_object(3000), '{"alg": NaN}', '{"alg": "HS256", "alg": "HS256"}'])
def test_a_bearer_token_whose_header_is_not_strict_json_is_unauthorized(app, client, header):
    """The Bearer token is JSON too (a JWT, parsed before its signature is checked)."""
    import base64

    segment = base64.urlsafe_b64encode(header.encode()).rstrip(b"=").decode()
    for token in (f"{segment}.e30.c2ln", f"{segment}.{segment}.c2ln"):
        response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"
