"""Signed heads: a JWS by the log's own certificate that anyone verifies with GET /eds/ca and an
ordinary JOSE library; the log's key signs nothing as a citizen, and no citizen's key signs a head."""

from __future__ import annotations

import base64
import json
import os
import stat
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from jose import jws as jose_jws

from publiclog import merkle
from tests.publiclog.test_integrate import add, stored_leaves

NOW = datetime.now(UTC)


def _segment(token: str, i: int) -> dict:
    part = token.split(".")[i]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _pem_certs(pem: bytes) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(pem)


def test_a_head_verifies_with_the_published_ca_chain_and_python_jose(client):
    from publiclog import integrate

    add(11)
    integrate.integrate_all()
    head = integrate.sign_head(NOW)
    token = head["jws"]
    header = _segment(token, 0)
    assert set(header) == {"alg", "x5c"} and header["alg"] in ("RS256", "ES256") and len(header["x5c"]) == 2

    issuing, root = _pem_certs(client.get("/api/v1/eds/ca").data)  # what anyone can fetch
    leaf = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
    assert base64.b64decode(header["x5c"][1]) == issuing.public_bytes(serialization.Encoding.DER)
    leaf.verify_directly_issued_by(issuing)
    issuing.verify_directly_issued_by(root)
    assert leaf.not_valid_before_utc <= NOW <= leaf.not_valid_after_utc
    key_pem = leaf.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    claims = json.loads(jose_jws.verify(token, key_pem.decode(), algorithms=["RS256", "ES256"]))
    assert claims == {"purpose": "log.head", "tree_size": 11, "root_hash": merkle.mth(stored_leaves()).hex(),
                      "timestamp": NOW.strftime("%Y-%m-%dT%H:%M:%SZ")}
    assert claims == {"purpose": "log.head", **{k: head[k] for k in ("tree_size", "root_hash", "timestamp")}}
    with pytest.raises(Exception):  # noqa: B017 - any refusal: HS256 is never accepted for it
        jose_jws.verify(token, key_pem.decode(), algorithms=["HS256"])


def test_the_log_certificate_is_its_own_usage_and_names_no_person(app):
    from auth.instance_ca import certification_authority
    from auth.pki import LOG_SIGNING
    from publiclog import heads

    cert = heads.log_key(NOW).cert
    subject = {a.oid: a.value for a in cert.subject}
    assert subject == {NameOID.COMMON_NAME: "Dauys public log", NameOID.ORGANIZATION_NAME: "Dauys",
                       NameOID.COUNTRY_NAME: "KZ"}
    assert list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [LOG_SIGNING]
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and not usage.content_commitment
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert cert.issuer == certification_authority().issuing_cert.subject
    folder = heads.log_key(NOW)  # loaded once per process: the same object
    assert folder is heads.log_key(NOW)
    path = os.path.join(app.instance_path, "log")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.join(path, "log.key.pem")).st_mode) == 0o600


def test_the_log_key_cannot_sign_as_a_citizen(app, client):
    from auth.eds import check_token, trust_store
    from kernel.errors import DomainError
    from publiclog import heads

    key = heads.log_key(NOW)
    petition_sign = {"purpose": "petition.sign", "iat": int(time.time()),
                     "doc": {"type": "petition", "id": 1, "digest": "sha256:" + "0" * 64}}
    with pytest.raises(DomainError) as refused:
        check_token(heads.sign(key, petition_sign), "petition.sign", datetime.now(UTC), trust_store(), 300)
    assert refused.value.code == "untrusted_certificate"  # no IIN: no citizen
    nonce = client.post("/api/v1/auth/challenge").get_json()["nonce"]
    answer = client.post("/api/v1/auth/token", json={
        "jws": heads.sign(key, {"purpose": "auth", "iat": int(time.time()), "nonce": nonce})})
    assert answer.status_code == 400 and answer.get_json()["error"]["code"] == "untrusted_certificate"


def test_a_citizens_key_cannot_sign_a_head(app, make_citizen):
    from auth.instance_ca import certification_authority
    from publiclog import heads, integrate

    ca = certification_authority()
    head = integrate.sign_head(NOW)
    assert heads.verify(head["jws"], ca)["tree_size"] == head["tree_size"]
    citizen = make_citizen()
    claims = heads.payload(5, b"\x00" * 32, "2026-05-01T10:00:00Z")
    for key_pem, cert_pem in ((citizen.sign_key, citizen.sign_cert), (citizen.auth_key, citizen.auth_cert)):
        # exactly the log's header and payload, signed by a citizen's key of the same CA
        cert = x509.load_pem_x509_certificate(cert_pem)
        as_log = heads.LogKey(key=serialization.load_pem_private_key(key_pem, None), cert=cert,
                              x5c=(citizen.x5c(cert_pem)[0], citizen.chain[0]))
        forged = heads.sign(as_log, claims)
        assert set(_segment(forged, 0)) == {"alg", "x5c"}
        with pytest.raises(heads.HeadRefused, match="not the log's certificate"):
            heads.verify(forged, ca)
    tampered = head["jws"].split(".")
    tampered[1] = base64.urlsafe_b64encode(json.dumps({**claims, "purpose": "log.head"}).encode()).rstrip(b"=").decode()
    with pytest.raises(heads.HeadRefused, match="does not verify"):
        heads.verify(".".join(tampered), ca)


def test_the_key_is_made_once_under_the_lock_and_renewed_before_it_ends(app, tmp_path):
    from auth.instance_ca import certification_authority
    from auth.pki import load_or_create as make_ca
    from publiclog import heads

    ca = certification_authority()
    made: list = []

    def load():
        made.append(heads.load_or_create(tmp_path / "log", ca, NOW))

    threads = [threading.Thread(target=load) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({k.cert.serial_number for k in made}) == 1  # six at once: one key
    first = made[0].cert
    assert heads.load_or_create(tmp_path / "log", ca, NOW).cert.serial_number == first.serial_number
    late = first.not_valid_after_utc - timedelta(days=10)
    renewed = heads.load_or_create(tmp_path / "log", ca, late).cert
    assert renewed.serial_number != first.serial_number and renewed.not_valid_after_utc > first.not_valid_after_utc
    other_ca = make_ca(tmp_path / "other-ca", NOW)  # the instance's CA made anew: a new certificate
    assert heads.load_or_create(tmp_path / "log", other_ca, NOW).cert.issuer == other_ca.issuing_cert.subject
