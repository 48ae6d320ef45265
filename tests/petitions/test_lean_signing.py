"""The lean signing path (petitions/lean_signing.py) answers byte for byte as the full path does.

Each request is sent through the application (where `lean_signing.takes` sends it down the lean
path) and through Flask's own wsgi_app (the full path), from the same client address; the two
answers must have the same status, the same headers in the same order and the same body (a
receipt aside, which is random). A spy says whether the lean path answered itself or handed the
request to the full path: it answers the signatures it takes, their 429s and a refusal at the
write; it hands on, with nothing spent, everything refused before the limit.
"""

from __future__ import annotations

import base64
import itertools
import json
from datetime import UTC, date, datetime

import pytest
from werkzeug.test import Client

from petitions import lean_signing
from tests.conftest import make_app, serving
from tests.petitions.test_concurrency import THRESHOLD, citizen, restricted_petition, sign_payload  # noqa: F401

_addresses = itertools.count(1)


@pytest.fixture
def app(postgres_database, instance_dir):
    yield from serving(make_app(
        postgres_database, PETITION_RESTRICTED_SUPPORTERS=1, PETITION_THRESHOLD_GOVERNMENT=THRESHOLD,
        RATELIMIT_ENABLED=True, RATELIMIT_SIGNED="2/minute", RATELIMIT_STORAGE_URI="memory://",
    ))


@pytest.fixture
def spy(monkeypatch):
    """What the lean path did with each request it took: "answered", or "handed on" to the full path."""
    seen: list[str] = []
    real = lean_signing._lean

    def spying(app, environ, petition_id):
        answer = real(app, environ, petition_id)
        seen.append("handed on" if answer is None else "answered")
        return answer

    monkeypatch.setattr(lean_signing, "_lean", spying)
    return seen


def address() -> str:
    n = next(_addresses)
    return f"10.77.{n // 250}.{n % 250 + 1}"


def send(app, path: str, data: bytes, *, full: bool, remote: str, content_type: str = "application/json",
         query: str = "", headers: dict | None = None) -> tuple:
    from extensions import db

    db.session.commit()  # as in a server: no transaction of the test's open around the request
    client = Client(app.extensions["dauys.lean_signing"].full if full else app)
    response = client.post(path, data=data, content_type=content_type, environ_base={"REMOTE_ADDR": remote},
                           query_string=query, headers=headers or {})
    return response.status, list(response.headers.items()), response.get_data()


def both(app, path: str, data: bytes, **kwargs) -> tuple:
    """(lean answer, full answer) to the same request from one client address."""
    remote = address()
    return (send(app, path, data, full=False, remote=remote, **kwargs),
            send(app, path, data, full=True, remote=remote, **kwargs))


def url(petition_id: int) -> str:
    return f"/api/v1/petitions/{petition_id}/signatures"


def body_of(payload: dict) -> bytes:
    return json.dumps(payload).encode()


@pytest.fixture
def opened(app, make_citizen, restricted_petition):  # noqa: F811
    """A petition past its first supporter, so a signature moves nothing."""
    petition, _ = restricted_petition
    status, _, data = send(app, url(petition.id), body_of(sign_payload(citizen(make_citizen), petition)),
                           full=False, remote=address())
    assert status == "201 CREATED" and json.loads(data)["moves"] == ["open"]
    return petition


def without_receipt(answer: tuple) -> tuple:
    status, headers, data = answer
    return status, headers, data.replace(json.loads(data)["receipt"].encode(), b"R")


def test_a_signature_is_answered_alike_and_each_is_counted_once(app, make_citizen, opened, spy):
    from petitions import counter

    remote = address()
    lean = send(app, url(opened.id), body_of(sign_payload(citizen(make_citizen), opened)), full=False, remote=remote)
    full = send(app, url(opened.id), body_of(sign_payload(citizen(make_citizen), opened)), full=True, remote=remote)

    assert spy[-1] == "answered"
    assert lean[0] == "201 CREATED"
    assert without_receipt(lean) == without_receipt(full)
    assert json.loads(lean[2])["moves"] == [] and json.loads(lean[2])["petition"] == opened.id
    assert counter.exact_count(opened.id) == 3


def test_the_first_supporter_s_move_is_answered_by_the_lean_path(app, make_citizen, restricted_petition, spy):  # noqa: F811
    petition, _ = restricted_petition
    status, _, data = send(app, url(petition.id), body_of(sign_payload(citizen(make_citizen), petition)),
                           full=False, remote=address())
    assert (status, json.loads(data)["moves"], spy) == ("201 CREATED", ["open"], ["answered"])


def _header_swapped(jws: str, header: dict) -> str:
    segment = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    return ".".join([segment, *jws.split(".")[1:]])


def _refusals(make_citizen, petition) -> dict:
    """Each class of refusal: (the body, its content type, the query string)."""
    good = sign_payload(citizen(make_citizen), petition)
    head = json.loads(base64.urlsafe_b64decode(good["jws"].split(".")[0] + "=="))
    return {
        "bad JSON": (b'{"jws": ', "application/json", ""),
        "not an object": (b'["jws"]', "application/json", ""),
        "a NUL": (body_of({"jws": good["jws"], "x": "\u0000"}), "application/json", ""),
        "wrong types": (body_of({"jws": good["jws"], "notify": "yes"}), "application/json", ""),
        "not JSON": (b"jws=x", "application/x-www-form-urlencoded", ""),
        "bad JWS": (body_of({"jws": "abc.def.ghi"}), "application/json", ""),
        "no JWS": (body_of({}), "application/json", ""),
        "alg none": (body_of({"jws": _header_swapped(good["jws"], {**head, "alg": "none"})}), "application/json", ""),
        "alg HS256": (body_of({"jws": _header_swapped(good["jws"], {**head, "alg": "HS256"})}), "application/json", ""),
        "alg RS256 on an EC key": (body_of({"jws": _header_swapped(good["jws"], {**head, "alg": "RS256"})}),
                                   "application/json", ""),
        "in Russian": (body_of({"jws": "abc.def.ghi"}), "application/json", "lang=ru"),
        "too large for JSON": (body_of({"jws": "x" * 70_000}), "application/json", ""),
        "too large": (b" " * (2 * 1024 * 1024 + 10), "application/json", ""),
    }


REFUSALS = ["bad JSON", "not an object", "a NUL", "wrong types", "not JSON", "bad JWS", "no JWS", "alg none",
            "alg HS256", "alg RS256 on an EC key", "in Russian", "too large for JSON", "too large"]


@pytest.mark.parametrize("kind", REFUSALS)
def test_a_refused_body_is_answered_alike(app, make_citizen, opened, spy, kind):
    data, content_type, query = _refusals(make_citizen, opened)[kind]
    lean, full = both(app, url(opened.id), data, content_type=content_type, query=query)
    assert lean == full
    assert lean[0][0] == "4"
    assert set(spy) <= {"handed on"}


def test_a_revoked_certificate_a_minor_and_one_outside_the_registry_are_answered_alike(app, make_citizen, opened, spy):
    from auth.models import Person
    from auth.services import revoke_certificates
    from extensions import db

    revoked = citizen(make_citizen)
    revoke_certificates(revoked.iin, datetime.now(UTC))
    minor = make_citizen(born=date(datetime.now(UTC).year - 15, 1, 1))
    gone = citizen(make_citizen)
    db.session.delete(db.session.get(Person, gone.iin))
    db.session.commit()
    for who, code in ((revoked, "certificate_revoked"), (minor, "not_eligible"), (gone, "not_eligible")):
        lean, full = both(app, url(opened.id), body_of(sign_payload(who, opened)))
        assert lean == full
        assert json.loads(lean[2])["error"]["code"] == code
    assert set(spy) == {"handed on"}


def test_a_petition_not_found_or_a_draft_is_answered_alike(app, make_citizen, opened, spy):
    payload = body_of(sign_payload(citizen(make_citizen), opened))
    for petition_id in (opened.id + 1000, 2**31 - 1):
        lean, full = both(app, url(petition_id), payload)
        assert lean == full and lean[0] == "404 NOT FOUND"
    lean, full = both(app, url(2**31), payload)  # beyond the database's integers: the full path's 404
    assert lean == full and lean[0] == "404 NOT FOUND"


def test_already_signed_is_answered_alike(app, make_citizen, opened, spy):
    payload = body_of(sign_payload(citizen(make_citizen), opened))
    remote = address()
    assert send(app, url(opened.id), payload, full=False, remote=remote)[0] == "201 CREATED"
    lean, full = both(app, url(opened.id), payload)
    assert lean == full
    assert json.loads(lean[2])["error"]["code"] == "already_signed"
    assert spy == ["answered", "handed on"]


def test_the_limit_is_one_bucket_for_both_paths_and_its_429_is_alike(app, make_citizen, restricted_petition, spy):  # noqa: F811
    petition, _ = restricted_petition
    others = [_another_petition(make_citizen) for _ in range(3)]
    signer = citizen(make_citizen)
    remote = address()
    # one certificate: a signature through each path spends the one bucket (2/minute) ...
    assert send(app, url(petition.id), body_of(sign_payload(signer, petition)), full=False, remote=remote)[0] == "201 CREATED"
    assert send(app, url(others[0].id), body_of(sign_payload(signer, others[0])), full=True, remote=remote)[0] == "201 CREATED"
    # ... and the third is refused alike, whichever path takes it
    lean = send(app, url(others[1].id), body_of(sign_payload(signer, others[1])), full=False, remote=remote)
    full = send(app, url(others[2].id), body_of(sign_payload(signer, others[2])), full=True, remote=remote)
    assert lean[0] == full[0] == "429 TOO MANY REQUESTS"
    assert _without(lean, "Retry-After") == _without(full, "Retry-After")
    assert 1 <= int(dict(lean[1])["Retry-After"]) <= 60 and abs(int(dict(lean[1])["Retry-After"]) - int(dict(full[1])["Retry-After"])) <= 1
    assert spy == ["answered", "answered"]


def _without(answer: tuple, header: str) -> tuple:
    status, headers, data = answer
    return status, [(k, v) for k, v in headers if k != header], data


def _another_petition(make_citizen):
    """Another approved Government petition (restricted_petition's steps, with a new author)."""
    from auth.services import account_for, grant_role
    from extensions import db
    from petitions import services
    from tests.petitions.test_concurrency import BODY

    now = datetime.now(UTC)
    author, moderator = citizen(make_citizen), citizen(make_citizen, kato="710000000")
    grant_role(moderator.iin, "moderator", None, now)
    author_user = account_for(author.iin, now)
    petition = services.create_draft(author_user, title="Саябақ салу керек", body=BODY, language="kk",
                                     addressee="government", territory=None, now=now)
    jws = author.jws({"purpose": "petition.submit", "iat": int(now.timestamp()), "doc": petition.signed_doc()})
    services.submit(petition, author_user, jws, now)
    act = moderator.act("petition.moderate", petition.signed_doc(), iat=int(now.timestamp()), decision="approve")
    services.moderate(petition, account_for(moderator.iin, now), act, now)
    db.session.commit()
    return petition


def test_a_refusal_at_the_write_is_answered_alike(app, make_citizen, opened, spy, monkeypatch):
    """A race the facts could not see (another process took the signature, or moved the petition
    on): the write finds nothing to do, after the limit was spent; both answer it alike."""
    from petitions import signature_sql

    monkeypatch.setattr(signature_sql, "record", lambda *args: (None, None))
    monkeypatch.setattr(signature_sql, "record_with", lambda *args: (None, None))
    monkeypatch.setattr(signature_sql, "already_signed", lambda values, read=None: True)
    remote = address()
    lean = send(app, url(opened.id), body_of(sign_payload(citizen(make_citizen), opened)), full=False, remote=remote)
    full = send(app, url(opened.id), body_of(sign_payload(citizen(make_citizen), opened)), full=True, remote=remote)
    assert lean == full
    assert json.loads(lean[2])["error"]["code"] == "already_signed"
    assert spy == ["answered"]


def test_notify_is_handed_to_the_full_path(app, make_citizen, opened, spy):
    remote = address()
    lean = send(app, url(opened.id), body_of(sign_payload(citizen(make_citizen), opened, notify=True)), full=False, remote=remote)
    full = send(app, url(opened.id), body_of(sign_payload(citizen(make_citizen), opened, notify=True)), full=True, remote=remote)
    assert without_receipt(lean) == without_receipt(full) and lean[0] == "201 CREATED"
    assert spy == ["handed on"]


@pytest.mark.parametrize(("method", "path", "query", "content_type"), [
    ("GET", "/api/v1/petitions/7/signatures", "", "application/json"),
    ("POST", "/api/v1/petitions/7/signatures/", "", "application/json"),
    ("POST", "/api/v1/petitions/07/signatures", "", "application/json"),
    ("POST", "/api/v1/petitions/7/signatures", "lang=ru", "application/json"),
    ("POST", "/api/v1/petitions/7/signatures", "", "application/json; charset=utf-8"),
    ("POST", "/api/v1/petitions/7/ratings", "", "application/json"),
    ("POST", "/api/v1/petitions/99999999999/signatures", "", "application/json"),
])
def test_the_rule_takes_only_the_plain_signing_post(method, path, query, content_type):
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "CONTENT_TYPE": content_type,
               "CONTENT_LENGTH": "100"}
    assert lean_signing.takes(environ) is None
    assert lean_signing.takes({**environ, "REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/petitions/7/signatures",
                               "QUERY_STRING": "", "CONTENT_TYPE": "application/json"}) == 7


def test_behind_a_trusted_proxy_both_paths_see_its_scheme(app, make_citizen, opened, spy, monkeypatch):
    """The lean path sits inside web/proxies.py's middleware: over TLS at nginx, its 201 has HSTS as
    Flask's has."""
    from factory import create_app  # noqa: F401
    from tests.conftest import make_app as made

    proxied = made(app.config["DATABASE_URL"], PROXY_HOPS=1, PETITION_RESTRICTED_SUPPORTERS=1,
                   PETITION_THRESHOLD_GOVERNMENT=THRESHOLD)
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    answers = []
    for lean in (True, False):
        if not lean:
            monkeypatch.setattr(lean_signing, "takes", lambda environ: None)
        with proxied.app_context():
            answers.append(send(proxied, url(opened.id), body_of(sign_payload(citizen(make_citizen), opened)),
                                full=False, remote="127.0.0.1", headers=headers))
    assert answers[0][0] == "201 CREATED"
    assert ("Strict-Transport-Security", "max-age=31536000; includeSubDomains") in answers[0][1]
    assert without_receipt(answers[0]) == without_receipt(answers[1])
    assert spy == ["answered"]
