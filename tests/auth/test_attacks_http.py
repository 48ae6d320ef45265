"""Attacks on identity over HTTP: each forged or misused signature posted to the signing endpoint is
refused with its API.md code, and nothing is written (no signature, no count, no account)."""

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
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import func, select

from auth import pki
from auth.instance_ca import certification_authority
from tests.conftest import sign_jws
from tests.petitions.test_transitions import make_petition


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def der_b64(cert: x509.Certificate) -> str:
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


@pytest.fixture
def scene(app, make_citizen, tmp_path):
    """An open Government petition, a citizen who may sign it, and the platform's CA."""

    now = datetime.now(UTC)
    author, signer = make_citizen(kato="710000000"), make_citizen(kato="113243200")
    petition = make_petition("open", author.iin, now, threshold=1000)
    return petition, signer, certification_authority(), tmp_path


def body(petition, purpose="petition.sign", **extra) -> dict:
    return {"purpose": purpose, "iat": int(time.time()), "doc": petition.signed_doc(), **extra}


def holder(iin: str) -> pki.Holder:
    return pki.Holder(iin=iin, surname="Сейтқалиева", given_name="Айгерім")


def with_key(ca, key: pki.IssuedKey, payload: dict) -> str:
    return sign_jws(payload, key.key_pem, {"x5c": [der_b64(key.cert), der_b64(ca.issuing_cert)]}, "ES256")


def alg_none(petition, signer, ca, tmp):
    head = b64url(json.dumps({"alg": "none", "x5c": signer.x5c(signer.sign_cert)}).encode())
    return f"{head}.{b64url(json.dumps(body(petition)).encode())}."


def hs256_with_the_ca_public_key(petition, signer, ca, tmp):
    secret = ca.issuing_cert.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    head = b64url(json.dumps({"alg": "HS256", "x5c": signer.x5c(signer.sign_cert)}).encode())
    signing_input = f"{head}.{b64url(json.dumps(body(petition)).encode())}"
    return f"{signing_input}.{b64url(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())}"


def es256_relabelled_rs256(petition, signer, ca, tmp):
    head, payload, sig = signer.jws(body(petition)).split(".")
    header = json.loads(base64.urlsafe_b64decode(head + "=="))
    return f"{b64url(json.dumps({**header, 'alg': 'RS256'}).encode())}.{payload}.{sig}"


def no_x5c(petition, signer, ca, tmp):
    return sign_jws(body(petition), signer.sign_key, {}, "ES256")


def self_signed_leaf(petition, signer, ca, tmp):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{signer.iin}")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30)).sign(key, hashes.SHA256())
    )
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return sign_jws(body(petition), pem, {"x5c": [der_b64(cert)]}, "ES256")


def leaf_of_another_ca_same_subject(petition, signer, ca, tmp):
    fake = pki.load_or_create(tmp / "fake-ca", datetime.now(UTC))
    key = pki.issue(fake, holder(signer.iin), "sign", "ec", datetime.now(UTC), 365)
    return with_key(fake, key, body(petition))


def expired_certificate(petition, signer, ca, tmp):
    key = pki.issue(ca, holder(signer.iin), "sign", "ec", datetime.now(UTC) - timedelta(days=400), 30)
    return with_key(ca, key, body(petition))


def not_yet_valid_certificate(petition, signer, ca, tmp):
    key = pki.issue(ca, holder(signer.iin), "sign", "ec", datetime.now(UTC) + timedelta(days=10), 365)
    return with_key(ca, key, body(petition))


def auth_key_used_to_sign(petition, signer, ca, tmp):
    return signer.jws(body(petition), usage="auth")


def stale_iat(petition, signer, ca, tmp):
    return signer.jws({**body(petition), "iat": int(time.time()) - 3600})


def tampered_payload(petition, signer, ca, tmp):
    head, _, sig = signer.jws(body(petition)).split(".")
    forged = b64url(json.dumps({**body(petition), "doc": {**petition.signed_doc(), "id": petition.id + 1}}).encode())
    return f"{head}.{forged}.{sig}"


def another_document(petition, signer, ca, tmp):
    return signer.jws({**body(petition), "doc": {**petition.signed_doc(), "digest": "sha256:" + "0" * 64}})


def bad_iin_check_digit(petition, signer, ca, tmp):
    iin = signer.iin[:-1] + str((int(signer.iin[-1]) + 1) % 10)
    return with_key(ca, pki.issue(ca, holder(iin), "sign", "ec", datetime.now(UTC), 365), body(petition))


ATTACKS = {
    alg_none: "invalid_signature",
    hs256_with_the_ca_public_key: "invalid_signature",
    es256_relabelled_rs256: "invalid_signature",
    no_x5c: "untrusted_certificate",
    self_signed_leaf: "untrusted_certificate",
    leaf_of_another_ca_same_subject: "untrusted_certificate",
    expired_certificate: "certificate_expired",
    not_yet_valid_certificate: "certificate_expired",
    auth_key_used_to_sign: "wrong_key_usage",
    stale_iat: "stale_signature",
    tampered_payload: "invalid_signature",
    another_document: "digest_mismatch",
    bad_iin_check_digit: "untrusted_certificate",
}


def written() -> tuple[int, int, int]:
    from auth.models import User
    from extensions import db
    from petitions.models import PetitionCounter, Signature

    db.session.rollback()
    return (
        db.session.scalar(select(func.count(Signature.id))),
        db.session.scalar(select(func.coalesce(func.sum(PetitionCounter.count), 0))),
        db.session.scalar(select(func.count(User.id))),
    )


@pytest.mark.parametrize("attack", list(ATTACKS), ids=lambda a: a.__name__)
def test_a_forged_or_misused_signature_is_refused_and_writes_nothing(app, client, scene, attack):
    petition, signer, ca, tmp = scene
    before = written()

    response = client.post(f"/api/v1/petitions/{petition.id}/signatures", json={"jws": attack(*scene), "notify": True})

    assert 400 <= response.status_code < 500
    assert response.get_json()["error"]["code"] == ATTACKS[attack]
    assert written() == before
    # the genuine signature still goes through afterwards
    genuine = client.post(f"/api/v1/petitions/{petition.id}/signatures", json={"jws": signer.jws(body(petition))})
    assert genuine.status_code == 201


def test_a_revoked_certificate_minor_and_non_resident_are_refused_and_write_nothing(app, client, scene, make_citizen):
    from datetime import date

    from auth import services
    from extensions import db

    petition, signer, ca, tmp = scene
    local = make_petition("open", signer.iin, datetime.now(UTC), threshold=1000, addressee="city_akimat", territory="710000000")
    minor = make_citizen(kato="710000000", born=date.today().replace(year=date.today().year - 17))
    services.revoke_certificates(signer.iin, datetime.now(UTC))
    db.session.commit()
    before = written()

    cases = [
        (petition, signer, "certificate_revoked"),
        (petition, minor, "not_eligible"),
        (local, make_citizen(kato="113243200"), "not_resident"),
    ]
    for target, citizen, code in cases:
        response = client.post(f"/api/v1/petitions/{target.id}/signatures", json={"jws": citizen.jws(body(target))})
        assert response.get_json()["error"]["code"] == code
    assert written() == before
