"""A JWS is read strictly: its compact form, its protected header (alg, x5c = [leaf, issuing CA] and
an optional typ, nothing else, each once), its payload (strict JSON, a finite iat), and every
certificate of the chain valid both at the server's time and at the signer's `iat`."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from auth import eds, pki
from kernel.errors import DomainError
from tests.auth.test_attacks_http import body as signing_payload
from tests.auth.test_attacks_http import scene, written  # noqa: F401  (the HTTP scene: a petition, a signer)
from tests.auth.test_eds import SKEW, VALID_IIN, b64url, der_b64


@pytest.fixture(scope="module")
def ca(tmp_path_factory) -> pki.CertificationAuthority:
    return pki.load_or_create(tmp_path_factory.mktemp("ca"), datetime.now(UTC))


@pytest.fixture(scope="module")
def trust(ca) -> eds.TrustStore:
    return eds.TrustStore.from_ca(ca)


@pytest.fixture(scope="module")
def key(ca) -> pki.IssuedKey:
    return issue(ca)


def issue(ca, key_type="ec", now=None, days=365, given_name="Айгерім") -> pki.IssuedKey:
    holder = pki.Holder(iin=VALID_IIN, surname="Сейтқалиева", given_name=given_name)
    return pki.issue(ca, holder, "sign", key_type, now or datetime.now(UTC), days)


def chain(ca, key) -> list[str]:
    return [der_b64(key.cert), der_b64(ca.issuing_cert)]


def payload(**extra) -> dict:
    return {"purpose": "petition.sign", "iat": int(time.time()), **extra}


def signed_raw(header: str | bytes, body: str | bytes, key: pki.IssuedKey) -> str:
    """A compact JWS over exactly these header and payload bytes, signed by `key` (no library in between,
    so a header can carry what no JWS library would write: duplicates, NaN, deep nesting)."""
    head = b64url(header.encode() if isinstance(header, str) else header)
    payload_segment = b64url(body.encode() if isinstance(body, str) else body)
    return f"{head}.{payload_segment}.{b64url(raw_signature(key, f'{head}.{payload_segment}'.encode()))}"


def raw_signature(key: pki.IssuedKey, signing_input: bytes) -> bytes:
    private = serialization.load_pem_private_key(key.key_pem, None)
    if isinstance(private, rsa.RSAPrivateKey):
        return private.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    r, s = decode_dss_signature(private.sign(signing_input, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def header_json(ca, key, extra: str = "", x5c: list | None = None) -> str:
    """`extra` is raw JSON text placed after alg and x5c (members of the writer's choosing, in order)."""
    return '{"alg":"ES256","x5c":' + json.dumps(x5c if x5c is not None else chain(ca, key)) + extra + "}"


def accepted(trust, token, now=None) -> eds.VerifiedJws:
    return eds.check_token(token, "petition.sign", now or datetime.now(UTC), trust, SKEW)


def refused(trust, token, now=None) -> str:
    with pytest.raises(DomainError) as caught:
        accepted(trust, token, now)
    return caught.value.code


# --- the protected header -----------------------------------------------------------------------


@pytest.mark.parametrize("typ", [None, '"JWT"', '"JOSE"'])
def test_a_header_of_alg_x5c_and_typ_is_accepted_and_readable(ca, trust, key, typ):
    token = signed_raw(header_json(ca, key, f',"typ":{typ}' if typ else ""), json.dumps(payload()), key)
    assert accepted(trust, token).payload["purpose"] == "petition.sign"
    header = eds.protected_header(token)
    assert set(header) == ({"alg", "x5c", "typ"} if typ else {"alg", "x5c"})
    assert header["x5c"] == chain(ca, key)


@pytest.mark.parametrize(
    "extra",
    [
        ',"crit":["exp"],"exp":1',  # RFC 7515 §4.1.11: a critical member we do not know means refuse
        ',"b64":false,"crit":["b64"]',  # RFC 7797: the payload would not be what we hash
        ',"crit":[]',
        ',"kid":"1"',
        ',"jku":"https://attacker.example/keys"',
        ',"jwk":{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}',
        ',"x5u":"https://attacker.example/chain.pem"',
        ',"x5t":"AAAA"',
        ',"x5t#S256":"AAAA"',
        ',"zip":"DEF"',
        ',"enc":"A128GCM"',
        ',"cty":"JWT"',
        ',"nonce":"abc"',
        ',"ALG":"none"',
        ',"x5c ":[]',
        ',"":1',
    ],
)
def test_any_header_member_besides_alg_x5c_and_typ_is_refused(ca, trust, key, extra):
    assert refused(trust, signed_raw(header_json(ca, key, extra), json.dumps(payload()), key)) == "invalid_signature"


@pytest.mark.parametrize(
    "header",
    [
        '{"alg":"HS256","alg":"ES256","x5c":%(x5c)s}',
        '{"alg":"ES256","x5c":%(x5c)s,"alg":"ES256"}',
        '{"alg":"ES256","x5c":%(other)s,"x5c":%(x5c)s}',
        '{"alg":"ES256","x5c":%(x5c)s,"typ":"JWT","typ":"JWT"}',
        '{"alg":"ES256","x5c":%(x5c)s,"\\u0061lg":"ES256"}',  # the same name, spelled with an escape
    ],
)
def test_a_header_member_given_twice_is_refused(ca, trust, key, header):
    other = json.dumps([der_b64(issue(ca).cert), der_b64(ca.issuing_cert)])
    text = header % {"x5c": json.dumps(chain(ca, key)), "other": other}
    assert refused(trust, signed_raw(text, json.dumps(payload()), key)) == "invalid_signature"


@pytest.mark.parametrize("typ", ["1", "null", "[]", "{}", "true"])
def test_typ_is_a_string_or_absent(ca, trust, key, typ):
    assert refused(trust, signed_raw(header_json(ca, key, f',"typ":{typ}'), json.dumps(payload()), key)) == "invalid_signature"


@pytest.mark.parametrize(
    "header",
    [
        '{"alg":"ES256","x5c":%(x5c)s,"typ":' + "[" * 5000 + "]" * 5000 + "}",  # deep, inside the length limit
        '{"alg":"ES256","x5c":%(x5c)s,"typ":NaN}',
        '{"alg":"ES256","x5c":%(x5c)s,"typ":1e999}',
        '["ES256",%(x5c)s]',
        '"ES256"',
        '{"alg":"ES256","x5c":%(x5c)s',
        '{"alg":"ES256","x5c":%(x5c)s} {}',
    ],
)
def test_a_header_that_is_not_one_strict_json_object_is_refused(ca, trust, key, header):
    text = header % {"x5c": json.dumps(chain(ca, key))}
    assert refused(trust, signed_raw(text, json.dumps(payload()), key)) == "invalid_signature"


def test_a_header_that_is_not_utf8_is_refused(ca, trust, key):
    text = header_json(ca, key, ',"typ":"J').encode() + b"\xff" + b'"}'
    assert refused(trust, signed_raw(text, json.dumps(payload()), key)) == "invalid_signature"


# --- x5c: exactly [leaf, issuing CA], each in its one canonical base64 spelling --------------


def _root_der(ca) -> str:
    return der_b64(ca.root_cert)


@pytest.mark.parametrize(
    "make_chain",
    [
        lambda ca, key: [der_b64(key.cert)],  # the leaf alone
        lambda ca, key: [der_b64(key.cert), der_b64(ca.issuing_cert), _root_der(ca)],  # the whole chain
        lambda ca, key: [der_b64(key.cert), der_b64(ca.issuing_cert), "garbage"],  # a third, unchecked
        lambda ca, key: [der_b64(key.cert), der_b64(ca.issuing_cert), der_b64(ca.issuing_cert)],
        lambda ca, key: [],
        lambda ca, key: [der_b64(key.cert), _root_der(ca)],  # the root instead of the issuing CA
        lambda ca, key: [der_b64(key.cert), der_b64(key.cert)],
        lambda ca, key: [der_b64(ca.issuing_cert), der_b64(key.cert)],  # the right two, the wrong order
        lambda ca, key: [der_b64(key.cert), None],
        lambda ca, key: [der_b64(key.cert), 1],
        lambda ca, key: [[der_b64(key.cert)], der_b64(ca.issuing_cert)],
        lambda ca, key: {"0": der_b64(key.cert), "1": der_b64(ca.issuing_cert)},
        lambda ca, key: der_b64(key.cert),
    ],
    ids=["leaf-only", "with-root", "third-garbage", "third-duplicate", "empty", "root-as-issuer", "leaf-twice",
         "reversed", "null-issuer", "number-issuer", "nested", "object", "string"],
)
def test_x5c_is_exactly_the_leaf_then_the_issuing_ca(ca, trust, key, make_chain):
    token = signed_raw(header_json(ca, key, x5c=make_chain(ca, key)), json.dumps(payload()), key)
    assert refused(trust, token) == "untrusted_certificate"


def _other_spelling_of_the_last_sextet(b64: str) -> str:
    """The same bytes, but with unused low bits set in the last character before the padding."""
    body = b64.rstrip("=")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = alphabet.index(body[-1])
    spare = {1: 0b11, 2: 0b1111}[len(b64) - len(body)]  # bits the decoder drops
    twin = body[:-1] + alphabet[last | spare if last & spare == 0 else last & ~spare] + "=" * (len(b64) - len(body))
    assert twin != b64 and base64.b64decode(twin) == base64.b64decode(b64)
    return twin


def _padded_leaf(ca) -> tuple[pki.IssuedKey, str]:
    """A leaf whose DER length is not a multiple of 3, so its base64 has padding and spare bits
    (a longer name changes the length: three lengths in a row cover every remainder)."""
    for extra in range(6):
        leaf = issue(ca, given_name="Айгерім" + "а" * extra)
        text = der_b64(leaf.cert)
        if text.endswith("=") and ("+" in text or "/" in text):
            return leaf, text
    raise AssertionError("no leaf with a padded base64 spelling")


@pytest.mark.parametrize(
    "respell",
    [
        lambda text: "\n".join(text[i:i + 64] for i in range(0, len(text), 64)),  # PEM line breaks
        lambda text: text + "\n",
        lambda text: " " + text,
        lambda text: text.rstrip("="),  # no padding
        lambda text: text + "==",  # too much
        lambda text: text.replace("+", "-").replace("/", "_"),  # the URL-safe alphabet
        _other_spelling_of_the_last_sextet,  # the same DER, another string
    ],
    ids=["line-breaks", "trailing-newline", "leading-space", "unpadded", "over-padded", "urlsafe", "spare-bits"],
)
def test_a_certificate_has_one_spelling_in_x5c(ca, trust, respell):
    leaf, text = _padded_leaf(ca)
    issuing = der_b64(ca.issuing_cert)
    good = signed_raw(header_json(ca, leaf, x5c=[text, issuing]), json.dumps(payload()), leaf)
    assert accepted(trust, good)
    assert refused(trust, signed_raw(header_json(ca, leaf, x5c=[respell(text), issuing]), json.dumps(payload()), leaf)) \
        == "untrusted_certificate"
    try:
        other_issuing = respell(issuing)
    except KeyError:  # the issuing CA's base64 has no padding, so no spare bits to set
        return
    if other_issuing != issuing:
        respelled_issuer = signed_raw(header_json(ca, leaf, x5c=[text, other_issuing]), json.dumps(payload()), leaf)
        assert refused(trust, respelled_issuer) == "untrusted_certificate"


# --- the compact form ---------------------------------------------------------------------------


def _spare_bits(segment: str) -> str:
    """The same bytes in a base64url segment, spelled with a different last character."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    spare = {2: 0b1111, 3: 0b11}[len(segment) % 4]
    last = alphabet.index(segment[-1])
    return segment[:-1] + alphabet[last | spare if last & spare == 0 else last & ~spare]


def _token_with_spare_bits(ca, key, part: int) -> str:
    """A token whose segment `part` ends in a character with unused bits (of three lengths in a row,
    two leave some)."""
    for extra in range(3):
        header = header_json(ca, key, ',"typ":"' + "J" * (extra + 1) + '"')
        token = signed_raw(header, json.dumps(payload(pad="x" * extra)), key)
        if len(token.split(".")[part]) % 4 in (2, 3):
            return token
    raise AssertionError("no segment with spare bits")


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t + ".AAAA",
        lambda t: t.rsplit(".", 1)[0],
        lambda t: t.replace(".", "..", 1),
        lambda t: " " + t,
        lambda t: t + "\n",
        lambda t: t[:10] + " " + t[10:],
        lambda t: t[:10] + "\n" + t[10:],
        lambda t: t.split(".")[0] + "==." + ".".join(t.split(".")[1:]),
        lambda t: t + "=",
        lambda t: t.split(".")[0] + ".." + t.split(".")[2],  # no payload
        lambda t: t.rsplit(".", 1)[0] + ".",  # no signature
        lambda t: t.replace("-", "+").replace("_", "/") if ("-" in t or "_" in t) else t + "+",
    ],
    ids=["four-segments", "two-segments", "empty-segment", "leading-space", "trailing-newline", "inner-space",
         "inner-newline", "padded-header", "padded-signature", "no-payload", "no-signature", "std-alphabet"],
)
def test_a_jws_that_is_not_three_clean_base64url_segments_is_refused(ca, trust, key, mangle):
    token = signed_raw(header_json(ca, key), json.dumps(payload()), key)
    assert accepted(trust, token)
    assert refused(trust, mangle(token)) == "invalid_signature"


@pytest.mark.parametrize("part", [0, 1, 2], ids=["header", "payload", "signature"])
def test_each_segment_has_one_base64url_spelling(ca, trust, key, part):
    segments = _token_with_spare_bits(ca, key, part).split(".")
    segments[part] = _spare_bits(segments[part])
    if part < 2:  # the bytes are unchanged, but a signature covers the segments as spelled: sign anew
        segments[2] = b64url(raw_signature(key, f"{segments[0]}.{segments[1]}".encode()))
    assert refused(trust, ".".join(segments)) == "invalid_signature"


# --- the payload ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "iat", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1e400", "1e300", "-1e300", "9223372036854775808",
            "-9223372036854775809", "1" + "0" * 400, '"now"', "null", "true", "[1]"],
)
def test_iat_must_be_a_finite_number_near_now(ca, trust, key, iat):
    body = '{"purpose":"petition.sign","iat":' + iat + "}"
    assert refused(trust, signed_raw(header_json(ca, key), body, key)) in ("invalid_signature", "stale_signature")


@pytest.mark.parametrize(
    "body",
    [
        '{"purpose":"petition.sign","iat":%(iat)s,"doc":{"id":NaN}}',
        '{"purpose":"petition.sign","iat":%(iat)s,"doc":[1,[Infinity]]}',
        '{"purpose":"petition.sign","iat":%(iat)s,"doc":' + "[" * 3000 + "]" * 3000 + "}",
        '{"purpose":"petition.sign","iat":%(iat)s,"doc":' + '{"a":' * 3000 + "1" + "}" * 3000 + "}",
        '{"purpose":"petition.sign","iat":%(iat)s,"doc":' + "[" * 33 + "]" * 33 + "}",
        '{"purpose":"ballot.cast","purpose":"petition.sign","iat":%(iat)s}',
        '{"purpose":"petition.sign","iat":%(iat)s,"iat":%(iat)s}',
        '{"purpose":"petition.sign","iat":%(iat)s,"doc":{"id":1,"id":2}}',
        '{"purpose":"petition.sign","iat":%(iat)s,"doc":"\\ud800"}',
        '[{"purpose":"petition.sign","iat":%(iat)s}]',
    ],
    ids=["nan", "infinity", "deep-array", "deep-object", "depth-33", "duplicate-purpose", "duplicate-iat",
         "duplicate-nested", "lone-surrogate", "array"],
)
def test_a_payload_that_is_not_strict_json_is_refused(ca, trust, key, body):
    token = signed_raw(header_json(ca, key), body % {"iat": int(time.time())}, key)
    assert refused(trust, token) == "invalid_signature"


def test_a_payload_32_levels_deep_is_accepted(ca, trust, key):
    body = f'{{"purpose":"petition.sign","iat":{int(time.time())},"doc":' + "[" * 31 + "]" * 31 + "}"
    assert accepted(trust, signed_raw(header_json(ca, key), body, key)).payload["doc"]


def test_the_payload_strings_are_nfc_normalised(ca, trust, key):
    decomposed = "Сейтқалиева Аи\u0306гүл"  # й written as и + combining breve
    token = signed_raw(header_json(ca, key), json.dumps(payload(note=decomposed), ensure_ascii=False), key)
    assert accepted(trust, token).payload["note"] == "Сейтқалиева Айгүл"


# --- every certificate valid now and at iat -----------------------------------------------------


def test_a_leaf_that_expired_seconds_ago_is_refused_though_iat_is_back_dated_into_its_life(ca, trust):
    now = datetime.now(UTC)
    leaf = issue(ca, now=now - timedelta(days=1, seconds=10), days=1)  # notAfter: 10 s ago
    assert leaf.cert.not_valid_after_utc < now
    token = signed_raw(header_json(ca, leaf), json.dumps(payload(iat=int(now.timestamp()) - 60)), leaf)
    assert refused(trust, token, now) == "certificate_expired"


def test_a_leaf_not_yet_valid_is_refused_though_iat_is_forward_dated_into_its_life(ca, trust):
    now = datetime.now(UTC)
    leaf = issue(ca, now=now + timedelta(minutes=10, seconds=10))  # notBefore: in 10 s
    assert leaf.cert.not_valid_before_utc > now
    token = signed_raw(header_json(ca, leaf), json.dumps(payload(iat=int(now.timestamp()) + 60)), leaf)
    assert refused(trust, token, now) == "certificate_expired"


def test_a_leaf_valid_now_but_not_at_iat_is_refused(ca, trust):
    now = datetime.now(UTC)
    leaf = issue(ca, now=now + timedelta(minutes=9))  # notBefore: a minute ago
    assert leaf.cert.not_valid_before_utc < now
    token = signed_raw(header_json(ca, leaf), json.dumps(payload(iat=int(now.timestamp()) - 120)), leaf)
    assert refused(trust, token, now) == "certificate_expired"


def _ca_valid(root_window: tuple[datetime, datetime], issuing_window: tuple[datetime, datetime]):
    """A root and an issuing CA with the validity windows given (the pki module's CA lives for years)."""
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    issuing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root_name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "Short-lived root")])
    issuing_name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "Short-lived issuing CA")])

    def ca_cert(subject, issuer, public_key, signing_key, window, path_length):
        return (
            x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
            .serial_number(x509.random_serial_number()).not_valid_before(window[0]).not_valid_after(window[1])
            .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
            .sign(signing_key, hashes.SHA256())
        )

    root = ca_cert(root_name, root_name, root_key.public_key(), root_key, root_window, 1)
    issuing = ca_cert(issuing_name, root_name, issuing_key.public_key(), root_key, issuing_window, 0)
    return pki.CertificationAuthority(root_cert=root, issuing_cert=issuing, issuing_key=issuing_key)


@pytest.mark.parametrize("which", ["issuing", "root"])
def test_an_issuing_ca_or_root_that_expired_seconds_ago_is_refused_though_iat_is_back_dated(which):
    now = datetime.now(UTC)
    lived, ended = (now - timedelta(days=30), now + timedelta(days=30)), (now - timedelta(days=30), now - timedelta(seconds=10))
    short = _ca_valid(ended if which == "root" else lived, ended if which == "issuing" else lived)
    leaf = issue(short, now=now - timedelta(days=1))
    token = signed_raw(header_json(short, leaf), json.dumps(payload(iat=int(now.timestamp()) - 60)), leaf)
    store = eds.TrustStore.from_ca(short)
    assert refused(store, token, now) == "certificate_expired"
    # the same token, verified while the CA still lived, was good: only the time refuses it
    assert accepted(store, token, now - timedelta(seconds=30))


@pytest.mark.parametrize("which", ["issuing", "root"])
def test_an_issuing_ca_or_root_not_yet_valid_is_refused_though_iat_is_forward_dated(which):
    now = datetime.now(UTC)
    lived, later = (now - timedelta(days=30), now + timedelta(days=30)), (now + timedelta(seconds=10), now + timedelta(days=30))
    short = _ca_valid(later if which == "root" else lived, later if which == "issuing" else lived)
    leaf = issue(short, now=now - timedelta(days=1))
    token = signed_raw(header_json(short, leaf), json.dumps(payload(iat=int(now.timestamp()) + 60)), leaf)
    assert refused(eds.TrustStore.from_ca(short), token, now) == "certificate_expired"


# --- over HTTP: refused with the code, nothing written ------------------------------------------


def crit_header(petition, signer, ca):
    return signer.jws(signing_payload(petition), headers={"crit": ["exp"], "exp": 1})


def leaf_only(petition, signer, ca):
    return signer.jws(signing_payload(petition), headers={"x5c": [signer.x5c(signer.sign_cert)[0]]})


def whole_chain(petition, signer, ca):
    return signer.jws(signing_payload(petition), headers={"x5c": [*signer.x5c(signer.sign_cert), der_b64(ca.root_cert)]})


def expired_seconds_ago_back_dated(petition, signer, ca):
    now = datetime.now(UTC)
    holder = pki.Holder(iin=signer.iin, surname="Сейтқалиева", given_name="Айгерім")
    leaf = pki.issue(ca, holder, "sign", "ec", now - timedelta(days=1, seconds=10), 1)
    return signed_raw(header_json(ca, leaf), json.dumps({**signing_payload(petition), "iat": int(now.timestamp()) - 60}), leaf)


def nan_iat(petition, signer, ca):
    key = pki.IssuedKey("sign", "ec", signer.sign_key, x509.load_pem_x509_certificate(signer.sign_cert))
    text = json.dumps({**signing_payload(petition), "iat": 0}).replace('"iat": 0', '"iat": NaN')
    return signed_raw(header_json(ca, key), text, key)


HTTP_CASES = {
    crit_header: "invalid_signature",
    leaf_only: "untrusted_certificate",
    whole_chain: "untrusted_certificate",
    expired_seconds_ago_back_dated: "certificate_expired",
    nan_iat: "invalid_signature",
}


@pytest.mark.parametrize("case", list(HTTP_CASES), ids=lambda case: case.__name__)
def test_a_loose_jws_is_refused_over_http_and_writes_nothing(app, client, scene, case):  # noqa: F811
    petition, signer, ca, _ = scene
    before = written()
    response = client.post(f"/api/v1/petitions/{petition.id}/signatures", json={"jws": case(petition, signer, ca)})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == HTTP_CASES[case]
    assert written() == before
    assert client.post(f"/api/v1/petitions/{petition.id}/signatures",
                       json={"jws": signer.jws(signing_payload(petition))}).status_code == 201
