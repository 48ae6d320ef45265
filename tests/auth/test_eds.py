"""EDS verification: every refusal code of API.md, each from a real forged or misused signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from auth import eds, pki
from auth.instance_ca import certification_authority
from kernel.errors import DomainError
from tests.conftest import sign_jws

NOW = datetime.now(UTC)
SKEW = 300
VALID_IIN = "850302400123"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def der_b64(cert: x509.Certificate) -> str:
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


@pytest.fixture(scope="module")
def ca(tmp_path_factory) -> pki.CertificationAuthority:
    return pki.load_or_create(tmp_path_factory.mktemp("ca"), NOW)


@pytest.fixture(scope="module")
def trust(ca) -> eds.TrustStore:
    return eds.TrustStore.from_ca(ca)


def issue(ca, usage="sign", key_type="ec", iin=VALID_IIN, now=NOW, days=365):
    return pki.issue(ca, pki.Holder(iin=iin, surname="Сейтқалиева", given_name="Айгерім"), usage, key_type, now, days)


def token_for(ca, key: pki.IssuedKey, payload: dict, alg: str | None = None, x5c=None) -> str:
    chain = x5c if x5c is not None else [der_b64(key.cert), der_b64(ca.issuing_cert)]
    alg = alg or ("ES256" if key.key_type == "ec" else "RS256")
    return sign_jws(payload, key.key_pem, {"x5c": chain}, alg)


def payload(purpose="petition.sign", **extra):
    return {"purpose": purpose, "iat": int(time.time()), **extra}


def refused(trust, token, purpose="petition.sign", now=None) -> str:
    with pytest.raises(DomainError) as caught:
        eds.check_token(token, purpose, now or datetime.now(UTC), trust, SKEW)
    return caught.value.code


@pytest.mark.parametrize("key_type", ["rsa", "ec"])
def test_valid_signature_is_accepted(ca, trust, key_type):
    key = issue(ca, "sign", key_type)
    verified = eds.check_token(token_for(ca, key, payload()), "petition.sign", datetime.now(UTC), trust, SKEW)
    assert verified.leaf.iin == VALID_IIN
    assert verified.payload["purpose"] == "petition.sign"


def test_leaf_without_issuing_ca_in_x5c_is_refused(ca, trust):
    """API.md: x5c is exactly [leaf, issuing CA] (tests/auth/test_eds_strict.py tries the other shapes)."""
    key = issue(ca, "auth")
    token = token_for(ca, key, payload("auth"), x5c=[der_b64(key.cert)])
    assert refused(trust, token, "auth") == "untrusted_certificate"


def test_alg_none_is_refused(ca, trust):
    key = issue(ca)
    header = {"alg": "none", "x5c": [der_b64(key.cert), der_b64(ca.issuing_cert)]}
    token = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload()).encode())}."
    assert refused(trust, token) == "invalid_signature"


def test_hs256_keyed_with_the_ca_public_key_is_refused(ca, trust):
    key = issue(ca)
    public_pem = ca.issuing_cert.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "x5c": [der_b64(key.cert), der_b64(ca.issuing_cert)]}
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload()).encode())}"
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    assert refused(trust, f"{signing_input}.{b64url(mac)}") == "invalid_signature"


@pytest.mark.parametrize(("key_type", "swapped_alg"), [("ec", "RS256"), ("rsa", "ES256")])
def test_algorithm_swapped_between_rs256_and_es256_is_refused(ca, trust, key_type, swapped_alg):
    key = issue(ca, key_type=key_type)
    good = token_for(ca, key, payload())
    header = {"alg": swapped_alg, "x5c": [der_b64(key.cert), der_b64(ca.issuing_cert)]}
    _, body, sig = good.split(".")
    assert refused(trust, f"{b64url(json.dumps(header).encode())}.{body}.{sig}") == "invalid_signature"


def test_missing_x5c_is_refused(ca, trust):
    key = issue(ca)
    assert refused(trust, sign_jws(payload(), key.key_pem, {}, "ES256")) == "untrusted_certificate"


def test_garbage_x5c_is_refused(ca, trust):
    key = issue(ca)
    assert refused(trust, sign_jws(payload(), key.key_pem, {"x5c": ["%%%"]}, "ES256")) == "untrusted_certificate"
    assert refused(trust, sign_jws(payload(), key.key_pem, {"x5c": "abc"}, "ES256")) == "untrusted_certificate"
    junk = base64.b64encode(b"not a certificate").decode()
    assert refused(trust, sign_jws(payload(), key.key_pem, {"x5c": [junk]}, "ES256")) == "untrusted_certificate"


def _self_signed(subject: x509.Name, key) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )


def test_self_signed_leaf_is_refused(ca, trust):
    key = ec.generate_private_key(ec.SECP256R1())
    holder = pki.Holder(iin=VALID_IIN, surname="X", given_name="Y")
    cert = _self_signed(pki.subject_for(holder), key)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    token = sign_jws(payload(), key_pem, {"x5c": [der_b64(cert), der_b64(ca.issuing_cert)]}, "ES256")
    assert refused(trust, token) == "untrusted_certificate"


def test_leaf_from_another_ca_with_the_same_names_is_refused(ca, trust, tmp_path):
    impostor = pki.load_or_create(tmp_path / "impostor", NOW)
    # Give the impostor's issuing CA exactly our issuing CA's subject.
    imp_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    fake_issuing = (
        x509.CertificateBuilder()
        .subject_name(ca.issuing_cert.subject)
        .issuer_name(ca.root_cert.subject)
        .public_key(imp_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(imp_key, hashes.SHA256())
    )
    fake = pki.CertificationAuthority(root_cert=impostor.root_cert, issuing_cert=fake_issuing, issuing_key=imp_key)
    key = issue(fake)
    assert refused(trust, token_for(fake, key, payload(), x5c=[der_b64(key.cert)])) == "untrusted_certificate"
    assert refused(trust, token_for(fake, key, payload())) == "untrusted_certificate"
    assert refused(trust, token_for(ca, key, payload())) == "untrusted_certificate"


def test_expired_certificate_is_refused(ca, trust):
    key = issue(ca, now=NOW - timedelta(days=400), days=365)
    assert refused(trust, token_for(ca, key, payload())) == "certificate_expired"


def test_not_yet_valid_certificate_is_refused(ca, trust):
    key = issue(ca, now=NOW + timedelta(days=2), days=365)
    assert refused(trust, token_for(ca, key, payload())) == "certificate_expired"


def test_auth_key_cannot_sign_documents(ca, trust):
    key = issue(ca, "auth")
    assert refused(trust, token_for(ca, key, payload("petition.sign"))) == "wrong_key_usage"


def test_sign_key_cannot_log_in(ca, trust):
    key = issue(ca, "sign")
    assert refused(trust, token_for(ca, key, payload("auth", nonce="n")), "auth") == "wrong_key_usage"


@pytest.mark.parametrize("offset", [-301, 301])
def test_stale_or_future_iat_is_refused(ca, trust, offset):
    key = issue(ca)
    body = {"purpose": "petition.sign", "iat": int(time.time()) + offset}
    assert refused(trust, token_for(ca, key, body)) == "stale_signature"


def test_missing_iat_is_refused(ca, trust):
    key = issue(ca)
    assert refused(trust, token_for(ca, key, {"purpose": "petition.sign"})) == "stale_signature"


def test_tampered_payload_is_refused(ca, trust):
    key = issue(ca)
    head, _, sig = token_for(ca, key, payload(doc={"id": 1})).split(".")
    forged = b64url(json.dumps(payload(doc={"id": 2})).encode())
    assert refused(trust, f"{head}.{forged}.{sig}") == "invalid_signature"


def test_signature_for_another_purpose_is_refused(ca, trust):
    key = issue(ca)
    assert refused(trust, token_for(ca, key, payload("ballot.cast")), "petition.sign") == "digest_mismatch"


def test_certificate_with_a_bad_iin_check_digit_is_refused(ca, trust):
    key = issue(ca, iin="850302400124")
    assert refused(trust, token_for(ca, key, payload())) == "untrusted_certificate"


@pytest.mark.parametrize("token", ["", "a.b", "a.b.c", "x" * 40000, None, 17])
def test_not_a_jws_is_refused(trust, token):
    assert refused(trust, token) == "invalid_signature"


def test_certificate_subject_follows_the_nca_layout(ca):
    cert = issue(ca, "auth").cert
    subject = {attr.oid: attr.value for attr in cert.subject}
    assert subject[NameOID.COMMON_NAME] == "СЕЙТҚАЛИЕВА АЙГЕРІМ"
    assert subject[NameOID.SURNAME] == "СЕЙТҚАЛИЕВА"
    assert subject[NameOID.GIVEN_NAME] == "АЙГЕРІМ"
    assert subject[NameOID.SERIAL_NUMBER] == f"IIN{VALID_IIN}"
    assert subject[NameOID.COUNTRY_NAME] == "KZ"
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and not usage.content_commitment
    sign_usage = issue(ca, "sign").cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert sign_usage.digital_signature and sign_usage.content_commitment


# --- the full entry point, with the database: revocation, nonce, registry, document ---------------


def test_verify_returns_the_registry_facts(app, make_citizen):
    citizen = make_citizen(kato="113243100")
    signer = eds.verify(citizen.jws(payload()), "petition.sign", datetime.now(UTC))
    assert signer.iin == citizen.iin
    assert signer.kato == "113243100"
    assert signer.birth_date.year == 1990


def test_revoked_certificate_is_refused(app, make_citizen):
    from auth import services
    from extensions import db

    citizen = make_citizen()
    services.revoke_certificates(citizen.iin, datetime.now(UTC))
    db.session.commit()
    with pytest.raises(DomainError) as caught:
        eds.verify(citizen.jws(payload()), "petition.sign", datetime.now(UTC))
    assert caught.value.code == "certificate_revoked"


def test_revocation_appears_on_the_published_crl(app, make_citizen):
    from auth import services
    from extensions import db

    citizen = make_citizen()
    services.revoke_certificates(citizen.iin, datetime.now(UTC))
    db.session.commit()
    crl = x509.load_pem_x509_crl(services.current_crl(datetime.now(UTC)))
    serial = x509.load_pem_x509_certificate(citizen.sign_cert).serial_number
    assert crl.get_revoked_certificate_by_serial_number(serial) is not None
    assert crl.is_signature_valid(certification_authority().issuing_cert.public_key())


def test_auth_nonce_is_single_use(app, make_citizen):
    from auth import services
    from extensions import db

    citizen = make_citizen()
    now = datetime.now(UTC)
    nonce = services.new_challenge(now).nonce
    db.session.commit()
    token = citizen.jws(payload("auth", nonce=nonce), usage="auth")
    assert eds.verify(token, "auth", now).iin == citizen.iin
    db.session.commit()
    with pytest.raises(DomainError) as caught:
        eds.verify(token, "auth", now)
    assert caught.value.code == "nonce_invalid"


def test_unknown_and_expired_nonces_are_refused(app, make_citizen):
    from auth import services
    from extensions import db

    citizen = make_citizen()
    now = datetime.now(UTC)
    old = services.new_challenge(now - timedelta(minutes=6)).nonce
    db.session.commit()
    for nonce in ("never-issued", old, None):
        with pytest.raises(DomainError) as caught:
            eds.verify(citizen.jws(payload("auth", nonce=nonce), usage="auth"), "auth", now)
        assert caught.value.code == "nonce_invalid"


def test_person_missing_from_the_registry_is_refused(app, territories):

    ca = certification_authority()
    key = issue(ca, iin="850302400123")
    with pytest.raises(DomainError) as caught:
        eds.verify(token_for(ca, key, payload()), "petition.sign", datetime.now(UTC))
    assert caught.value.code == "not_eligible"


def test_signature_for_another_document_is_refused(app, make_citizen):
    citizen = make_citizen()
    doc = {"type": "petition", "id": 7, "digest": "sha256:" + "0" * 64}
    token = citizen.jws(payload(doc={**doc, "id": 8}))
    with pytest.raises(DomainError) as caught:
        eds.verify(token, "petition.sign", datetime.now(UTC), expected_doc=doc)
    assert caught.value.code == "digest_mismatch"
    assert eds.verify(citizen.jws(payload(doc=doc)), "petition.sign", datetime.now(UTC), expected_doc=doc)


def test_trust_anchors_are_parsed_once_per_process(app):

    assert eds.trust_store() is eds.trust_store()
