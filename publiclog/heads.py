"""The log's certificate and its signed tree heads.

The log signs with a key of its own, certified by this instance's issuing CA for the one extended
key usage `auth/pki.py:LOG_SIGNING`: a head verifies with GET /api/v1/eds/ca alone, like every other
signature, and no citizen's or official's certificate has that usage. The key lives in instance/log
(the folder owner-only, the key 0600), made once under a file lock as the CA is, and renewed a month
before its certificate ends (a head stays verifiable by the certificate in its own `x5c`).

A head is a compact JWS, header exactly `{"alg": "ES256", "x5c": [leaf, issuing CA]}`, payload
`{"purpose": "log.head", "tree_size", "root_hash" (hex), "timestamp" (ISO 8601 UTC, "Z")}`.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from flask import current_app

from auth import pki
from auth.instance_ca import certification_authority
from kernel.digests import canonical_json

PURPOSE = "log.head"
SUBJECT = "Dauys public log"
FOLDER = "log"
KEY_FILE, CERT_FILE = "log.key.pem", "log.cert.pem"
RENEW_BEFORE = timedelta(days=30)
ALGORITHMS = ("RS256", "ES256")


@dataclass(frozen=True)
class LogKey:
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    cert: x509.Certificate
    x5c: tuple[str, str]  # the leaf and the issuing CA, standard base64 of their DER

    @property
    def alg(self) -> str:
        return "ES256" if isinstance(self.key, ec.EllipticCurvePrivateKey) else "RS256"


def _b64(cert: x509.Certificate) -> str:
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode("ascii")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _usable(cert: x509.Certificate, key: object, ca: pki.CertificationAuthority, now: datetime) -> bool:
    """Issued by this CA (the instance's CA may have been made anew) for this key, and not about to end."""
    try:
        cert.verify_directly_issued_by(ca.issuing_cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if cert.public_key().public_bytes(*spki) != key.public_key().public_bytes(*spki):
        return False  # a renewal was interrupted between its two files
    return cert.not_valid_before_utc <= now < cert.not_valid_after_utc - RENEW_BEFORE


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write `data` to `path` whole or not at all (a new file, fsynced, renamed into place)."""
    partial = path.with_name(path.name + ".new")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(partial, mode)
    os.replace(partial, path)


def _read(folder: Path) -> tuple[x509.Certificate, object] | None:
    try:
        cert = x509.load_pem_x509_certificate((folder / CERT_FILE).read_bytes())
        key = serialization.load_pem_private_key((folder / KEY_FILE).read_bytes(), password=None)
    except (FileNotFoundError, ValueError):
        return None
    return cert, key


def load_or_create(folder: Path, ca: pki.CertificationAuthority, now: datetime) -> LogKey:
    """The log's key and certificate from `folder`, made (or renewed) under a lock: many processes
    start at once, and all must sign with the same key."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)
    with open(folder / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = _read(folder)
        if found is None or not _usable(*found, ca, now):
            issued = pki.issue_service_certificate(ca, SUBJECT, pki.LOG_SIGNING, now)
            _write(folder / KEY_FILE, issued.key_pem, 0o600)
            _write(folder / CERT_FILE, issued.cert_pem, 0o644)
            found = _read(folder)
        cert, key = found
    return LogKey(key=key, cert=cert, x5c=(_b64(cert), _b64(ca.issuing_cert)))


def log_key(now: datetime) -> LogKey:
    """This instance's log key, loaded once per process (and again when its certificate nears its end)."""
    app = current_app
    kept: LogKey | None = app.extensions.get("dauys_log_key")
    if kept is None or now >= kept.cert.not_valid_after_utc - RENEW_BEFORE:
        kept = load_or_create(Path(app.instance_path) / FOLDER, certification_authority(), now)
        app.extensions["dauys_log_key"] = kept
    return kept


def payload(tree_size: int, root_hash: bytes, timestamp: str) -> dict:
    return {"purpose": PURPOSE, "tree_size": tree_size, "root_hash": root_hash.hex(), "timestamp": timestamp}


def sign(key: LogKey, claims: dict) -> str:
    """A compact JWS of `claims` (canonical JSON) by the log key, header `{"alg", "x5c"}` and nothing else."""
    header = _b64url(json.dumps({"alg": key.alg, "x5c": list(key.x5c)}, separators=(",", ":")).encode("ascii"))
    body = _b64url(canonical_json(claims))
    signing_input = f"{header}.{body}".encode("ascii")
    if isinstance(key.key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(key.key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    else:
        signature = key.key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return f"{header}.{body}.{_b64url(signature)}"


class HeadRefused(ValueError):
    """The JWS is not a tree head of this log."""


def verify(token: str, ca: pki.CertificationAuthority) -> dict:
    """The payload of a tree head signed by this log's certificate under `ca`, or HeadRefused.

    What an auditor does with GET /eds/ca: the header is exactly alg (RS256 or ES256) and x5c,
    x5c[1] is the issuing CA, the leaf is issued by it, is no CA and has the LOG_SIGNING usage, the
    signature verifies, and the payload is a `log.head`. (Validity dates are the auditor's policy: a
    head stays a head after its certificate was renewed.)"""
    try:
        head, body, signature = token.split(".")
        header = json.loads(_unb64url(head))
        claims = json.loads(_unb64url(body))
        raw_signature = _unb64url(signature)
    except ValueError as error:
        raise HeadRefused(f"not a compact JWS: {error}") from None
    if not isinstance(header, dict) or set(header) != {"alg", "x5c"} or header["alg"] not in ALGORITHMS:
        raise HeadRefused("the header is not {alg: RS256|ES256, x5c}")
    chain = header["x5c"]
    if not isinstance(chain, list) or len(chain) != 2 or chain[1] != _b64(ca.issuing_cert):
        raise HeadRefused("x5c is not [leaf, our issuing CA]")
    try:
        leaf = x509.load_der_x509_certificate(base64.b64decode(chain[0], validate=True))
        leaf.verify_directly_issued_by(ca.issuing_cert)
    except (ValueError, TypeError, InvalidSignature):
        raise HeadRefused("the leaf is not issued by our issuing CA") from None
    try:
        usages = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        constraints = leaf.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        raise HeadRefused("the leaf is not the log's certificate") from None
    if pki.LOG_SIGNING not in usages or constraints.ca:
        raise HeadRefused("the leaf is not the log's certificate")
    signing_input = f"{head}.{body}".encode("ascii")
    public = leaf.public_key()
    try:
        if header["alg"] == "ES256" and isinstance(public, ec.EllipticCurvePublicKey) and len(raw_signature) == 64:
            der = encode_dss_signature(int.from_bytes(raw_signature[:32], "big"), int.from_bytes(raw_signature[32:], "big"))
            public.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
        elif header["alg"] == "RS256" and isinstance(public, rsa.RSAPublicKey):
            public.verify(raw_signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
        else:
            raise HeadRefused(f"{header['alg']} does not fit the leaf's key")
    except InvalidSignature:
        raise HeadRefused("the signature does not verify") from None
    if not isinstance(claims, dict) or claims.get("purpose") != PURPOSE:
        raise HeadRefused("the payload is not a log.head")
    return claims
