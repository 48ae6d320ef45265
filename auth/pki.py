"""The simulated national certification authority: root and issuing CA, key sets, the CRL."""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ROOT_DAYS = 20 * 365
ISSUING_DAYS = 10 * 365
CA_BACKDATE_DAYS = 2 * 365


@dataclass(frozen=True)
class CertificationAuthority:
    root_cert: x509.Certificate
    issuing_cert: x509.Certificate
    issuing_key: rsa.RSAPrivateKey

    def chain_pem(self) -> bytes:
        """The issuing CA certificate, then the root (what GET /eds/ca publishes)."""
        return self.issuing_cert.public_bytes(serialization.Encoding.PEM) + self.root_cert.public_bytes(
            serialization.Encoding.PEM
        )


@dataclass(frozen=True)
class Holder:
    """Whose certificate it is: the NCA subject fields."""

    iin: str
    surname: str
    given_name: str


@dataclass(frozen=True)
class IssuedKey:
    usage: str  # "auth" or "sign"; "service" for issue_service_certificate
    key_type: str  # "rsa" or "ec"
    key_pem: bytes  # PKCS#8, what WebCrypto imports
    cert: x509.Certificate

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def _ca_name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Dauys simulated NCA"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _ca_certificate(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: rsa.RSAPublicKey,
    signing_key: rsa.RSAPrivateKey,
    now: datetime,
    days: int,
    path_length: int,
) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        # Valid from two years back, like a national CA that has been running for years:
        # signatures dated in the past (demo history, imported paper records) still chain.
        .not_valid_before(now - timedelta(days=CA_BACKDATE_DAYS))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(signing_key, hashes.SHA256())
    )


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600)


def load_or_create(folder: Path, now: datetime) -> CertificationAuthority:
    """Load the CA from `folder`, making it on first use (under a lock: many processes start at once)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(folder / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "issuing.cert.pem").exists():
            _create(folder, now)
        return CertificationAuthority(
            root_cert=x509.load_pem_x509_certificate((folder / "root.cert.pem").read_bytes()),
            issuing_cert=x509.load_pem_x509_certificate((folder / "issuing.cert.pem").read_bytes()),
            issuing_key=serialization.load_pem_private_key(
                (folder / "issuing.key.pem").read_bytes(), password=None
            ),
        )


def _create(folder: Path, now: datetime) -> None:
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    root_name = _ca_name("Dauys Root CA (simulated NCA RK)")
    root = _ca_certificate(root_name, root_name, root_key.public_key(), root_key, now, ROOT_DAYS, 1)
    issuing_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    issuing = _ca_certificate(
        _ca_name("Dauys Issuing CA (simulated NCA RK)"),
        root_name,
        issuing_key.public_key(),
        root_key,
        now,
        ISSUING_DAYS,
        0,
    )
    pem = serialization.Encoding.PEM
    pkcs8 = serialization.PrivateFormat.PKCS8
    plain = serialization.NoEncryption()
    _write_private(folder / "root.key.pem", root_key.private_bytes(pem, pkcs8, plain))
    _write_private(folder / "issuing.key.pem", issuing_key.private_bytes(pem, pkcs8, plain))
    (folder / "root.cert.pem").write_bytes(root.public_bytes(pem))
    # Written last: its presence means the CA is complete.
    (folder / "issuing.cert.pem").write_bytes(issuing.public_bytes(pem))


def subject_for(holder: Holder) -> x509.Name:
    """The NCA layout: CN=SURNAME GIVENNAME, SURNAME, GIVENNAME, SERIALNUMBER=IIN…, C=KZ."""
    surname = holder.surname.upper()
    given = holder.given_name.upper()
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{surname} {given}"),
            x509.NameAttribute(NameOID.SURNAME, surname),
            x509.NameAttribute(NameOID.GIVEN_NAME, given),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{holder.iin}"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        ]
    )


def _key_usage(**granted: bool) -> x509.KeyUsage:
    """A KeyUsage with only the named bits set."""
    bits = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
            "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{bit: granted.get(bit, False) for bit in bits})


def new_private_key(key_type: str) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError("key type is rsa or ec")


def issue(
    ca: CertificationAuthority,
    holder: Holder,
    usage: str,
    key_type: str,
    now: datetime,
    days: int,
) -> IssuedKey:
    """A new key pair and its certificate for one usage."""
    key = new_private_key(key_type)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject_for(holder))
        .issuer_name(ca.issuing_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=10))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        # nonRepudiation (content_commitment) only on the SIGN key.
        .add_extension(_key_usage(digital_signature=True, content_commitment=usage == "sign"), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.issuing_cert.public_key()),
            critical=False,
        )
    )
    if usage == "auth":
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
    cert = builder.sign(ca.issuing_key, hashes.SHA256())
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return IssuedKey(usage=usage, key_type=key_type, key_pem=key_pem, cert=cert)


def crl(ca: CertificationAuthority, revoked: list[tuple[int, datetime]], now: datetime) -> x509.CertificateRevocationList:
    """The revocation list signed by the issuing CA; valid for a day."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.issuing_cert.subject)
        .last_update(now)
        .next_update(now + timedelta(days=1))
    )
    for serial, when in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
        )
    return builder.sign(ca.issuing_key, hashes.SHA256())


# The public log's signing key (publiclog/heads.py): an extended key usage of its own. A tree head is
# valid only under a certificate that has it, and none of a person's does; the log's certificate has
# no IIN and no nonRepudiation, so it can sign nothing as a citizen (auth/eds.py:_leaf refuses it).
LOG_SIGNING = x509.ObjectIdentifier("1.3.6.1.4.1.61234.1.2")
SERVICE_DAYS = 2 * 365


def issue_service_certificate(
    ca: CertificationAuthority, common_name: str, usage: x509.ObjectIdentifier, now: datetime,
    days: int = SERVICE_DAYS, key_type: str = "ec",
) -> IssuedKey:
    """A key pair and certificate for one of this instance's own services, issued by the issuing CA:
    subject CN=`common_name`, O=Dauys, C=KZ (no SERIALNUMBER, so no IIN), digitalSignature only, and
    the one extended key usage `usage`. Valid no longer than the issuing CA."""
    key = new_private_key(key_type)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Dauys"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.issuing_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=10))
        .not_valid_after(min(now + timedelta(days=days), ca.issuing_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.issuing_cert.public_key()),
            critical=False,
        )
        .sign(ca.issuing_key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return IssuedKey(usage="service", key_type=key_type, key_pem=key_pem, cert=cert)
