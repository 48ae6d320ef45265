"""The signing limit follows the certificate, and only a request that proves its key and would be
taken counts against it; a flood of anything else is limited by address — without throttling the
citizens behind it.

Keyed on the raw text of x5c[0], one certificate re-spelled (the unused bits of its last base64
character, line breaks, padding, the URL-safe alphabet) bought a fresh limit per spelling, and every
junk certificate was a key of its own, never limited. A re-spelled certificate is refused by eds
(one certificate has one spelling), so it now counts against its sender's address: no spelling buys
a limit of its own. (tests/petitions/test_limit_needs_the_key.py: why a certificate alone is not
enough.)
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from jose import jwk
from redis import Redis
from sqlalchemy import func, select

from tests.conftest import make_app, sign_jws, wipe
from tests.petitions.test_concurrency import citizen, restricted_petition, sign_payload  # noqa: F401

B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
URL64 = B64[:-2] + "-_"


@pytest.fixture
def app(postgres_database, redis_url, instance_dir):
    prefix = f"dauys-test-{uuid.uuid4().hex[:8]}"  # this test's keys only: the Redis is shared
    app = make_app(
        postgres_database, RATELIMIT_ENABLED=True, RATELIMIT_SIGNED="2/minute",
        RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_KEY_PREFIX=prefix, PETITION_RESTRICTED_SUPPORTERS=1,
        PETITION_THRESHOLD_GOVERNMENT=30,
    )
    with app.app_context():
        yield app
        from extensions import db
        from workers.queues import wait_for_inprocess

        db.session.rollback()
        wait_for_inprocess()  # its jobs run in this process: done before the wipe
    wipe(app)
    redis = Redis.from_url(redis_url)
    for key in redis.scan_iter(f"*{prefix}*"):
        redis.delete(key)


@pytest.fixture
def net(redis_url) -> str:
    """A /64 of this test's own, its neighbours within the /48 for other clients; their keys are
    deleted after (the limiter keeps the key prefix of the process's first app: prefixes do not
    keep tests apart)."""
    prefix = f"2001:db8:{secrets.randbelow(0xFFFF):x}:{secrets.randbelow(0xFFFF):x}"
    yield prefix
    redis = Redis.from_url(redis_url)
    for key in redis.scan_iter(f"*addr:{prefix.rsplit(':', 1)[0]}:*"):
        redis.delete(key)


# --- spellings ---------------------------------------------------------------------------


def respellings(b64: str) -> list[str]:
    """Other spellings of the same DER, each a different string."""
    der = base64.b64decode(b64)
    bare = b64.rstrip("=")
    spellings = [
        "\n".join(b64[i:i + 64] for i in range(0, len(b64), 64)),  # PEM's line breaks
        " " + "\r\n".join(b64[i:i + 76] for i in range(0, len(b64), 76)) + "\t",  # MIME's, and blanks
        b64.replace("+", "-").replace("/", "_"),  # the URL-safe alphabet
        bare,  # no padding
    ]
    unused = {1: 4, 2: 2}.get(len(der) % 3)  # bits of the last character that encode nothing
    if unused:
        last = B64.index(bare[-1])
        spellings.append(bare[:-1] + B64[last ^ ((1 << unused) - 1)] + b64[len(bare):])
        spellings.append(bare[:-1] + B64[last ^ 1] + b64[len(bare):])
    assert all(base64.b64decode(s.translate(str.maketrans("-_", "+/")) + "==", validate=False) == der
               for s in spellings)
    return [s for s in dict.fromkeys(spellings) if s != b64]


def with_leaf(person, leaf: str, petition) -> dict:
    payload = {"purpose": "petition.sign", "iat": int(datetime.now(UTC).timestamp()), "doc": petition.signed_doc()}
    return {"jws": person.jws(payload, headers={"x5c": [leaf, person.chain[0]]})}


def compact(header: bytes, payload: dict, key_pem: bytes, head_segment: str | None = None) -> str:
    """A compact JWS over a header written byte for byte (duplicate members, escapes, blanks)."""
    def b64url(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    head = head_segment or b64url(header)
    signing_input = f"{head}.{b64url(json.dumps(payload).encode())}"
    signature = jwk.construct(key_pem.decode(), "ES256").sign(signing_input.encode())
    return f"{signing_input}.{b64url(signature)}"


# --- certificates that are not ours -------------------------------------------------------


def _pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def foreign_leaf(kind: str, issuing: x509.Certificate) -> tuple[str, bytes]:
    """(base64 DER, key PEM) of a fresh certificate of `kind`, each with a serial of its own:
    self-signed, issued by another CA, or forged in our issuing CA's name with another key."""
    now = datetime.now(UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "СЕЙТҚАЛИЕВА АЙГЕРІМ"),
                         x509.NameAttribute(NameOID.SERIAL_NUMBER, "IIN900517400018")])
    if kind == "self-signed":
        issuer, signer = subject, key
    elif kind == "another CA":
        issuer, signer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Some other CA")]), ec.generate_private_key(ec.SECP256R1())
    else:  # our issuing CA's name, but not its signature
        issuer, signer = issuing.subject, ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .sign(signer, hashes.SHA256())
    )
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode(), _pem(key)


def junk_body(kind: str, petition, issuing_b64: str, issuing: x509.Certificate) -> dict:
    payload = {"purpose": "petition.sign", "iat": int(datetime.now(UTC).timestamp()), "doc": petition.signed_doc()}
    if kind == "junk base64":
        leaf, key = base64.b64encode(secrets.token_bytes(600)).decode(), _pem(ec.generate_private_key(ec.SECP256R1()))
    elif kind == "not base64":
        leaf, key = f"not a certificate {secrets.token_hex(8)}!", _pem(ec.generate_private_key(ec.SECP256R1()))
    else:
        leaf, key = foreign_leaf(kind, issuing)
    return {"jws": sign_jws(payload, key, {"x5c": [leaf, issuing_b64]}, "ES256")}


JUNK = ["junk base64", "not base64", "self-signed", "another CA", "our CA's name forged"]


def _issuing():
    from auth.eds import trust_store

    trust = trust_store()
    return base64.b64encode(trust.issuing_der).decode(), trust.issuing


def _key(app, body, address: str = "203.0.113.7", petition_id: int = 1) -> str:
    from petitions.api import _signer_key

    with app.test_request_context(f"/api/v1/petitions/{petition_id}/signatures", method="POST", json=body,
                                  environ_base={"REMOTE_ADDR": address}):
        return _signer_key()


# --- through the API, on the limiter in Redis ----------------------------------------------


def test_a_respelled_certificate_buys_no_limit_of_its_own(app, make_citizen, restricted_petition, net):  # noqa: F811
    from petitions.models import Signature

    petition, _ = restricted_petition
    petition_id = petition.id
    client = app.test_client()
    url = f"/api/v1/petitions/{petition.id}/signatures"
    eager = citizen(make_citizen)
    leaf = eager.x5c(eager.sign_cert)[0]
    spellings = respellings(leaf)
    assert len(spellings) >= 4

    first = client.post(url, json=with_leaf(eager, leaf, petition), environ_base={"REMOTE_ADDR": f"{net}::1"})
    assert first.status_code == 201
    # each spelling is refused, and counted against its sender's address like any junk
    answers = [client.post(url, json=with_leaf(eager, spelling, petition), environ_base={"REMOTE_ADDR": f"{net}::2"})
               for spelling in spellings]

    assert [a.get_json()["error"]["code"] for a in answers[:2]] == ["untrusted_certificate"] * 2
    for answer in answers[2:]:
        assert answer.status_code == 429, answer.get_json()
        assert answer.get_json()["error"]["code"] == "rate_limited"
        assert 0 < int(answer.headers["Retry-After"]) <= 60
    # from addresses of their own, they are refused all the same: a spelling buys nothing
    elsewhere = [client.post(url, json=with_leaf(eager, spelling, petition),
                             environ_base={"REMOTE_ADDR": f"{net.rsplit(':', 1)[0]}:{i:x}::1"})
                 for i, spelling in enumerate(spellings, start=2)]
    assert {a.get_json()["error"]["code"] for a in elsewhere} == {"untrusted_certificate"}
    from extensions import db

    db.session.remove()
    assert db.session.scalar(select(func.count(Signature.id)).where(Signature.petition_id == petition_id)) == 1


@pytest.mark.parametrize("kind", JUNK)
def test_certificates_not_of_our_ca_are_limited_by_address(app, restricted_petition, net, kind):  # noqa: F811
    petition, _ = restricted_petition
    client = app.test_client()
    url = f"/api/v1/petitions/{petition.id}/signatures"
    issuing_b64, issuing = _issuing()
    flood = f"{net}::10"

    answers = [client.post(url, json=junk_body(kind, petition, issuing_b64, issuing), environ_base={"REMOTE_ADDR": flood})
               for _ in range(4)]

    assert [a.status_code for a in answers[2:]] == [429, 429], [a.get_json() for a in answers]
    assert all(a.status_code in (400, 401, 403, 422) for a in answers[:2]), [a.get_json() for a in answers[:2]]
    assert "Retry-After" in answers[-1].headers
    # another address is not affected by that flood
    other = client.post(url, json=junk_body(kind, petition, issuing_b64, issuing), environ_base={"REMOTE_ADDR": f"{net.rsplit(':', 1)[0]}:ffff::10"})
    assert other.status_code != 429


def test_a_flood_from_an_address_does_not_throttle_the_citizens_behind_it(app, make_citizen, restricted_petition, net):  # noqa: F811
    petition, _ = restricted_petition
    client = app.test_client()
    url = f"/api/v1/petitions/{petition.id}/signatures"
    issuing_b64, issuing = _issuing()
    nat = {"REMOTE_ADDR": f"{net}::1"}  # a carrier's NAT: the attacker and two citizens behind it

    flood = [client.post(url, json=junk_body(kind, petition, issuing_b64, issuing), environ_base=nat) for kind in JUNK]
    assert [a.status_code for a in flood[2:]] == [429] * (len(JUNK) - 2)

    aigerim, dana = citizen(make_citizen), citizen(make_citizen)
    assert client.post(url, json=sign_payload(aigerim, petition), environ_base=nat).status_code == 201
    assert client.post(url, json=sign_payload(dana, petition), environ_base=nat).status_code == 201
    # a repeat of a signature already taken would be refused: it counts against the address, which the
    # flood has used up (a replay of her signature must not spend her certificate's limit)
    assert client.post(url, json=sign_payload(aigerim, petition), environ_base=nat).status_code == 429


# --- the key itself ------------------------------------------------------------------------


def test_a_certificate_has_one_key_and_no_other_spelling_buys_one(app, make_citizen, restricted_petition):  # noqa: F811
    petition, _ = restricted_petition
    person = citizen(make_citizen)
    leaf, issuing_b64 = person.x5c(person.sign_cert)
    payload = {"purpose": "petition.sign", "iat": int(datetime.now(UTC).timestamp()), "doc": petition.signed_doc()}
    key = _key(app, sign_payload(person, petition), petition_id=petition.id)
    assert key.startswith("cert:")

    header = json.dumps({"alg": "ES256", "x5c": [leaf, issuing_b64]}).encode()
    head = base64.urlsafe_b64encode(header).rstrip(b"=").decode()
    # a header's JSON may be written in more than one way, each signed by her key: one certificate, one key
    written = [
        compact(b'{ "x5c" : [ "%s" , "%s" ] ,\n "alg":"ES256" }' % (leaf.encode(), issuing_b64.encode()), payload, person.sign_key),
        compact(b'{"alg":"ES256","\\u0078\\u0035\\u0063":["%s","%s"]}' % (leaf.encode(), issuing_b64.encode()), payload, person.sign_key),
    ]
    tokens = [with_leaf(person, spelling, petition)["jws"] for spelling in respellings(leaf)]
    tokens += [
        # duplicate members: python-jose would read the last one
        compact(b'{"alg":"ES256","x5c":["QUJD"],"x5c":["%s","%s"]}' % (leaf.encode(), issuing_b64.encode()), payload, person.sign_key),
        compact(header, payload, person.sign_key, head_segment=head + "=="),
        compact(header, payload, person.sign_key, head_segment=head[:-1] + URL64[URL64.index(head[-1]) ^ 1]
                if len(header) % 3 else head + "="),  # the header's own unused bits
    ]
    other_address = "2001:db8::1"
    assert {_key(app, {"jws": t}, other_address, petition.id) for t in written} == {key}
    # eds refuses every other spelling (of the certificate, of a segment, a member twice): each is
    # keyed by its sender's address, so no spelling buys a limit of its own
    assert {_key(app, {"jws": t}, other_address, petition.id) for t in tokens} == {"addr:2001:db8::/64"}
    assert _key(app, sign_payload(person, petition), other_address, petition.id) == key

    neighbour = citizen(make_citizen)
    assert _key(app, sign_payload(neighbour, petition), petition_id=petition.id) not in (key, None, "addr:203.0.113.7")
    # the person's AUTH certificate cannot sign a petition: refused, so keyed by the address
    auth = person.jws(payload, usage="auth")
    assert _key(app, {"jws": auth}, petition_id=petition.id) == "addr:203.0.113.7"
    assert person.iin not in key


@pytest.mark.parametrize("kind", JUNK)
def test_a_certificate_not_of_our_ca_is_keyed_by_address(app, restricted_petition, kind):  # noqa: F811
    petition, _ = restricted_petition
    issuing_b64, issuing = _issuing()
    assert _key(app, junk_body(kind, petition, issuing_b64, issuing), petition_id=petition.id) == "addr:203.0.113.7"


DEEP = "[" * 50_000 + "]" * 50_000


MALFORMED = [
    None, [], "jws", {"jws": None}, {"jws": 7}, {"jws": ["a.b.c"]}, {"jws": ""}, {"jws": "..."}, {"jws": "nodots"},
    {"jws": "a" * 40_000 + ".b.c"}, {"jws": "%%%.b.c"}, {"jws": "\ud800.b.c"}, {"other": "x"},
    {"jws": base64.urlsafe_b64encode(b"\xff\xfe{").decode() + ".e30.c"},
    *({"jws": base64.urlsafe_b64encode(json.dumps(header).encode()).decode() + ".e30.sig"} for header in (
        [], "x5c", 5, {}, {"x5c": None}, {"x5c": "QUJD"}, {"x5c": {}}, {"x5c": []}, {"x5c": [None]}, {"x5c": [5]},
        {"x5c": [["QUJD"]]}, {"x5c": [{"x": 1}]}, {"x5c": [""]}, {"x5c": ["===="]}, {"x5c": ["\u0430\u0431"]},
    )),
]


def test_anything_else_is_keyed_by_address_and_never_raises(app):
    keys = {repr(body)[:80]: _key(app, body) for body in MALFORMED}
    assert {body: key for body, key in keys.items() if key != "addr:203.0.113.7"} == {}


def test_a_deeply_nested_header_is_keyed_by_address(app):
    head = base64.urlsafe_b64encode(DEEP[:20_000].encode()).decode()
    assert _key(app, {"jws": head + ".e30.sig"}) == "addr:203.0.113.7"


def test_addresses_are_keyed_as_one_client_holds_them(app):
    assert _key(app, {}, "2001:db8:1:2:aaaa::1") == _key(app, {}, "2001:db8:1:2:ffff:1:2:3") == "addr:2001:db8:1:2::/64"
    assert _key(app, {}, "2001:db8:1:3::1") != _key(app, {}, "2001:db8:1:2::1")
    assert _key(app, {}, "::ffff:203.0.113.7") == _key(app, {}, "203.0.113.7") == "addr:203.0.113.7"
