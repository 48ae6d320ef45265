"""EDS verification: the one entry point that turns a compact JWS into a verified signer."""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from jose import jwk
from jose.exceptions import JOSEError
from sqlalchemy import bindparam, select, update

from auth.iin import InvalidIIN, decode
from auth.instance_ca import certification_authority
from auth.pki import OFFICIAL_ACTS, STAFF_SERIAL_PREFIX, CertificationAuthority
from extensions import db
from kernel import strict_json
from kernel.errors import DomainError

# Only these, ever: `none`, HS* and anything else are refused before a key is touched.
ALGORITHMS = ("RS256", "ES256")
MAX_TOKEN_LENGTH = 32_000
# API.md: the protected header holds alg and x5c, optionally typ, and nothing else. Any other member
# (crit, kid, jku, jwk, x5u, x5t, b64, zip, …) would ask the verifier for something it does not do.
HEADER_MEMBERS = frozenset({"alg", "x5c", "typ"})
# Three base64url segments, unpadded, and nothing else: no whitespace, no "=", no fourth part.
_COMPACT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")

PURPOSE_KEY = {
    "auth": "auth",
    "petition.submit": "sign",
    "petition.sign": "sign",
    "proposal.submit": "sign",
    "ballot.cast": "sign",
    "petition.rate": "sign",
    # official acts (API.md "Official acts"): signed with an official certificate, never a citizen's
    "petition.moderate": "act",
    "petition.discussion": "act",
    "petition.answer": "act",
    "petition.follow_up": "act",
    "petition.report": "act",
    "proposal.screen": "act",
    "proposal.implementation": "act",
    "ballot.paper": "act",
}
ACT_PURPOSES = frozenset(purpose for purpose, key in PURPOSE_KEY.items() if key == "act")
# What each purpose is, as the pages say it (the public log's receipt check): the code stays beside it.
PURPOSE_WORDS = {
    "auth": _l("Signing in"),
    "petition.submit": _l("Submitting a petition"),
    "petition.sign": _l("Signing a petition"),
    "proposal.submit": _l("Submitting a budget proposal"),
    "ballot.cast": _l("Voting in a village budget"),
    "petition.rate": _l("Rating an answer to a petition"),
    "petition.moderate": _l("A moderation decision on a petition"),
    "petition.discussion": _l("Scheduling a petition's public discussion"),
    "petition.answer": _l("The answer to a petition"),
    "petition.follow_up": _l("The follow-up answer to a contested petition"),
    "petition.report": _l("The report on a petition's promised measures"),
    "proposal.screen": _l("The screening decision on a budget proposal"),
    "proposal.implementation": _l("A funded project's implementation status"),
    "ballot.paper": _l("Recording a paper ballot"),
}
# A key of the wrong usage is refused (`wrong_key_usage`) with what to pick instead, by the key the
# purpose needs: the signer has the right files beside the wrong ones.
WRONG_KEY_MESSAGES = {
    "auth": _l("Signing in needs your AUTH key: choose the auth.key.pem and auth.cert.pem files of your key set."),
    "sign": _l("Signing needs your SIGN key: choose the sign.key.pem and sign.cert.pem files of your key set."),
    "act": _l("An official act is signed with your official key: choose the official.key.pem and official.cert.pem files of your official key set."),
}
NOT_MATCHING = _l("The signature does not match its certificate: sign with the key file of the same key set as the certificate file.")
NOT_IN_REGISTRY = _l("Only citizens recorded in the population registry can take part, and the person this certificate names is not recorded there.")


@dataclass(frozen=True, eq=False)  # hashed by identity: a cache key that costs nothing
class TrustStore:
    """Our root and issuing CA, parsed once per process."""

    root: x509.Certificate
    issuing: x509.Certificate
    issuing_der: bytes
    not_before: datetime  # when both CA certificates are valid
    not_after: datetime

    @classmethod
    def from_ca(cls, ca: CertificationAuthority) -> TrustStore:
        der = ca.issuing_cert.public_bytes(serialization.Encoding.DER)
        root, issuing = ca.root_cert, ca.issuing_cert
        return cls(
            root=root, issuing=issuing, issuing_der=der,
            not_before=max(root.not_valid_before_utc, issuing.not_valid_before_utc),
            not_after=min(root.not_valid_after_utc, issuing.not_valid_after_utc),
        )


def trust_store() -> TrustStore:
    """This instance's trust store, parsed once per process."""
    app = current_app
    trust = app.extensions.get("dauys_trust")
    if trust is None:
        trust = TrustStore.from_ca(certification_authority())
        app.extensions["dauys_trust"] = trust
    return trust


@dataclass(frozen=True)
class LeafCertificate:
    """What verification needs from a user certificate, parsed and chain-checked once."""

    serial: int
    iin: str  # "" on an official certificate, which names a staff serial instead
    surname: str
    given_name: str
    can_auth: bool
    can_sign: bool
    can_act: bool  # an official certificate: it signs acts and nothing else
    not_before: datetime
    not_after: datetime
    key_alg: str  # the one JWS algorithm this key can make
    jose_key: object


@dataclass(frozen=True)
class VerifiedJws:
    leaf: LeafCertificate
    payload: dict
    signed_at: datetime


@dataclass(frozen=True)
class Signer:
    """A person proven by a valid signature, with what the registry says about them."""

    iin: str
    surname: str
    given_name: str
    patronymic: str | None
    birth_date: date
    sex: str
    kato: str
    cert_serial: str
    payload: dict
    signed_at: datetime
    user_id: int | None = None  # their platform account, if they have signed in before
    done_before: bool = False  # what `verify` was asked with DoneBefore, if anything


@dataclass(frozen=True)
class DoneBefore:
    """Whether the signer has already done what a JWS asks (signed this petition), read in the signer
    look-up's own statement. The signing limit's key asks it of every signature before the view
    runs; a statement of its own would add a round trip to the hot path.
    """

    exists: object  # an EXISTS over a unique index with bind parameters of its own, built once
    scope: tuple  # what it asks about, e.g. ("petition", 7): with the signer, names the answer
    params: Callable[[str], dict]  # the bind values, given the signer's IIN


def same_json(signed: object, expected: object) -> bool:
    """Whether a signed payload's value is exactly the one the server expects, JSON type and all.

    Python's `True == 1 == 1.0` would let `{"id": true}` or `{"id": 1.0}` pass for petition 1,
    though an outside verifier comparing the signed JSON with the document's finds them different.
    So the two must be the same JSON: objects with the same members, arrays of the same length, and
    every value of the same JSON type and equal — `true`, `1.0`, `"1"` and `[1]` are each not `1`,
    as their canonical JSON (sorted keys, no spaces) differs. Every comparison of signed content
    with what the server expects (the purpose, a doc, a ballot's cycle) goes through here.
    """
    if type(signed) is not type(expected):  # bool is not int, float is not int
        return False
    if isinstance(expected, dict):
        return signed.keys() == expected.keys() and all(same_json(signed[k], v) for k, v in expected.items())
    if isinstance(expected, list):
        return len(signed) == len(expected) and all(map(same_json, signed, expected))
    if isinstance(expected, float):
        return repr(signed) == repr(expected)  # -0.0 is not 0.0 in JSON text
    return signed == expected


def _refuse(code: str, why: str, message: object | None = None) -> DomainError:
    # `why` is for logs and tests; the user sees the translated `message`, by default the code's.
    error = DomainError(code, message)
    error.detail = why
    error.wording = message
    return error


def _b64_der(value: object) -> bytes:
    """An x5c entry's DER. Standard base64, padded, and the one spelling of those bytes (no spare
    bits set, no line breaks), so one certificate has one spelling."""
    if not isinstance(value, str):
        raise _refuse("untrusted_certificate", "x5c entries must be base64 strings")
    try:
        der = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _refuse("untrusted_certificate", "x5c entry is not base64") from None
    if base64.b64encode(der).decode("ascii") != value:
        raise _refuse("untrusted_certificate", "x5c entry is not in canonical base64")
    return der


def _b64url(segment: str) -> bytes:
    """A JWS segment's bytes, if the segment is their one unpadded base64url spelling."""
    if len(segment) % 4 == 1:
        raise _refuse("invalid_signature", "a JWS segment has an impossible length")
    raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != segment:
        raise _refuse("invalid_signature", "a JWS segment is not in canonical base64url")
    return raw


@dataclass(frozen=True)
class _Compact:
    """A compact JWS whose form and protected header passed the strict checks; nothing verified yet."""

    header: dict
    leaf_der: bytes
    issuing_der: bytes
    signing_input: bytes
    payload_segment: str
    signature_segment: str


def _compact(token: object) -> _Compact:
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or not _COMPACT.fullmatch(token):
        raise _refuse("invalid_signature", "not a compact JWS")
    head, payload_segment, signature_segment = token.split(".")
    try:
        header = strict_json.loads(_b64url(head))
    except strict_json.StrictJsonError as error:
        raise _refuse("invalid_signature", f"the protected header: {error}") from None
    if not isinstance(header, dict):
        raise _refuse("invalid_signature", "the protected header is not a JSON object")
    if not header.keys() <= HEADER_MEMBERS:
        raise _refuse("invalid_signature", "the header has members besides alg, x5c and typ")
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise _refuse("invalid_signature", f"algorithm {alg!r} is not allowed")
    if "typ" in header and not isinstance(header["typ"], str):
        raise _refuse("invalid_signature", "typ is not a string")
    chain = header.get("x5c")
    if not isinstance(chain, list) or len(chain) != 2:
        raise _refuse("untrusted_certificate", "x5c is not [leaf, issuing CA]")
    return _Compact(
        header=header, leaf_der=_b64_der(chain[0]), issuing_der=_b64_der(chain[1]),
        signing_input=f"{head}.{payload_segment}".encode("ascii"),
        payload_segment=payload_segment, signature_segment=signature_segment,
    )


def protected_header(token: object) -> dict:
    """The protected header of a compact JWS, read as check_token reads it, or DomainError.

    The form is checked (three canonical base64url segments), the header is one strict JSON
    object with `alg` (RS256 or ES256), `x5c` (two canonical base64 strings) and optionally `typ`
    (a string), each once. Nothing is verified: the certificates may be anyone's, the signature
    anything. For what needs only the header.
    """
    return _compact(token).header


def _name_attr(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> str:
    values = cert.subject.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def _extension(cert: x509.Certificate, kind: type) -> object | None:
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


@lru_cache(maxsize=512)  # a citizen who signs in and then signs; a national petition's signers are all new
def _leaf(der: bytes, trust: TrustStore) -> LeafCertificate:
    """Parse a leaf and check it was issued by our issuing CA; cached, as a leaf never changes."""
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        raise _refuse("untrusted_certificate", "x5c leaf is not a certificate") from None
    if cert.issuer != trust.issuing.subject:
        raise _refuse("untrusted_certificate", "leaf not issued by our issuing CA")
    try:
        cert.verify_directly_issued_by(trust.issuing)
    except (ValueError, TypeError, InvalidSignature):
        raise _refuse("untrusted_certificate", "leaf signature does not verify") from None
    constraints = _extension(cert, x509.BasicConstraints)
    if constraints is not None and constraints.ca:
        raise _refuse("untrusted_certificate", "a CA certificate cannot sign documents")

    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        alg = "RS256"
    elif isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        alg = "ES256"
    else:
        raise _refuse("untrusted_certificate", "key type is neither RSA nor P-256")

    usage = _extension(cert, x509.KeyUsage)
    eku = _extension(cert, x509.ExtendedKeyUsage)
    signs = usage is not None and usage.digital_signature
    serial_attr = _name_attr(cert, NameOID.SERIAL_NUMBER)
    official = eku is not None and OFFICIAL_ACTS in eku
    if official:
        # An official's: it names a staff serial, never an IIN, and signs acts only.
        iin = ""
        if serial_attr.startswith("IIN") or not serial_attr.startswith(STAFF_SERIAL_PREFIX):
            raise _refuse("untrusted_certificate", "an official certificate names a staff serial")
    else:
        iin = serial_attr[3:] if serial_attr.startswith("IIN") else ""
        try:
            decode(iin)
        except InvalidIIN:
            raise _refuse("untrusted_certificate", "the certificate's IIN is not valid") from None
    return LeafCertificate(
        serial=cert.serial_number,
        iin=iin,
        surname=_name_attr(cert, NameOID.SURNAME),
        given_name=_name_attr(cert, NameOID.GIVEN_NAME),
        can_auth=bool(not official and signs and eku is not None and ExtendedKeyUsageOID.CLIENT_AUTH in eku),
        can_sign=bool(not official and signs and usage.content_commitment),
        can_act=bool(official and signs and usage.content_commitment),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        key_alg=alg,
        jose_key=jwk.construct(key, alg),
    )


_VERIFIED = "dauys.verified_tokens"


def _signed(token: object, trust: TrustStore) -> tuple[LeafCertificate, dict]:
    """The leaf and payload of a JWS whose form, chain and signature hold, worked out once per request.

    A signed request is checked twice over: by its rate limit's key (auth.access, which counts a
    request against a certificate only once it proves the sender holds the key) and by its view.
    What does not depend on the purpose or the time is kept in the request's environ under the
    token itself, a refusal as well as a success, so the second check costs a dictionary look-up,
    not a parse and a signature verification.
    """
    if not isinstance(token, str) or not has_request_context():
        return _signed_now(token, trust)
    memo = request.environ.setdefault(_VERIFIED, {})
    kept = memo.get((token, trust))
    if kept is None:
        try:
            kept = _signed_now(token, trust)
        except DomainError as error:
            kept = _Refusal(error.code, getattr(error, "detail", ""), getattr(error, "wording", None))
        memo[(token, trust)] = kept
    if isinstance(kept, _Refusal):
        raise _refuse(kept.code, kept.why, kept.message)
    return kept


@dataclass(frozen=True)
class _Refusal:
    code: str
    why: str
    message: object | None = None


def _signed_now(token: object, trust: TrustStore) -> tuple[LeafCertificate, dict]:
    compact = _compact(token)
    if compact.issuing_der != trust.issuing_der:
        raise _refuse("untrusted_certificate", "x5c[1] is not our issuing CA")
    leaf = _leaf(compact.leaf_der, trust)

    alg = compact.header["alg"]
    if alg != leaf.key_alg:
        raise _refuse("invalid_signature", f"{alg} does not fit a {leaf.key_alg} key", NOT_MATCHING)
    signature = _b64url(compact.signature_segment)
    try:
        good = leaf.jose_key.verify(compact.signing_input, signature)
    except (JOSEError, ValueError, TypeError):
        good = False
    if not good:
        raise _refuse("invalid_signature", "the signature does not verify", NOT_MATCHING)
    try:
        payload = strict_json.loads(_b64url(compact.payload_segment))
    except strict_json.StrictJsonError as error:
        raise _refuse("invalid_signature", f"the payload: {error}") from None
    if not isinstance(payload, dict):
        raise _refuse("invalid_signature", "the payload is not a JSON object")
    return leaf, payload


def check_token(token: object, purpose: str, now: datetime, trust: TrustStore, max_skew: int) -> VerifiedJws:
    """Everything about a JWS that needs no database: form, header, chain, signature, usage, time.

    Our own code reads the token strictly (see protected_header) before python-jose checks the
    signature bytes over the signing input, exactly as its jws.verify would after its own, looser,
    parse. Every certificate of the chain must be valid both now and at the signer's `iat`: the
    signer chooses `iat`, so back-dating it must not bring an expired certificate back to life.
    """
    if purpose not in PURPOSE_KEY:
        raise ValueError(f"unknown purpose {purpose!r}")
    leaf, payload = _signed(token, trust)

    needs = PURPOSE_KEY[purpose]
    if not {"auth": leaf.can_auth, "sign": leaf.can_sign, "act": leaf.can_act}[needs]:
        raise _refuse(
            "wrong_key_usage", f"{purpose} needs the {'official' if needs == 'act' else needs.upper()} key",
            WRONG_KEY_MESSAGES[needs],
        )
    if not same_json(payload.get("purpose"), purpose):
        raise _refuse("digest_mismatch", f"payload purpose is not {purpose}")

    iat = payload.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, int | float) or not math.isfinite(iat):
        raise _refuse("stale_signature", "the payload has no iat that is a finite number")
    if abs(now.timestamp() - iat) > max_skew:
        raise _refuse("stale_signature", "iat is not within the allowed clock skew")
    signed_at = datetime.fromtimestamp(iat, tz=UTC)  # within the skew of now: representable
    valid_from, valid_to = max(leaf.not_before, trust.not_before), min(leaf.not_after, trust.not_after)
    if not (valid_from <= now <= valid_to and valid_from <= signed_at <= valid_to):
        raise _refuse("certificate_expired", "a certificate of the chain is not valid now and at iat")
    return VerifiedJws(leaf=leaf, payload=payload, signed_at=signed_at)


@lru_cache(maxsize=8)
def _signer_query(done_before: object | None = None):
    """Built once per extra column, so SQLAlchemy compiles it once per process."""
    from auth.models import Certificate, Person, User

    revoked_at = select(Certificate.revoked_at).where(Certificate.serial == bindparam("b_serial")).scalar_subquery()
    account = select(User.id).where(User.iin == Person.iin).scalar_subquery()
    extra = () if done_before is None else (done_before,)
    return select(
        Person.iin, Person.surname, Person.given_name, Person.patronymic, Person.birth_date, Person.sex,
        Person.kato, revoked_at, account, *extra,
    ).where(Person.iin == bindparam("b_iin"))


_SIGNER_ROWS = "dauys.signer_rows"


def _signer_row(iin: str, serial: str, done_before: DoneBefore | None) -> tuple[tuple | None, object]:
    """(registry row, the certificate's revocation) of a signer, read once per request.

    One round trip on the hot path: the registry entry, the certificate's revocation, the signer's
    account and what `done_before` asks, each by its primary or unique key. The signing limit's key
    verifies a request before its view does; the view finds the row read already.
    """
    from auth.models import Certificate

    exists, scope = (done_before.exists, done_before.scope) if done_before else (None, ())
    memo: dict = request.environ.setdefault(_SIGNER_ROWS, {}) if has_request_context() else {}
    key = (iin, serial, exists, scope)
    if key not in memo:
        params = {"b_iin": iin, "b_serial": serial, **(done_before.params(iin) if done_before else {})}
        row = db.session.connection().execute(_signer_query(exists), params).first()
        revoked = (
            row[7] if row is not None
            else db.session.scalar(select(Certificate.revoked_at).where(Certificate.serial == serial))
        )
        memo[key] = (tuple(row) if row is not None else None, revoked)
    return memo[key]


def verify(
    token: object, purpose: str, now: datetime, expected_doc: dict | None = None,
    done_before: DoneBefore | None = None,
) -> Signer:
    """Verify a JWS for `purpose` and return the signer, or raise DomainError with an API.md code.

    Besides check_token: the certificate is not revoked, an auth nonce is fresh and
    used up here, the document is the expected one, and the IIN is in the registry. With
    `done_before`, the signer's `done_before` says what it asks, read in the same statement.
    """
    from auth.models import AuthNonce

    if purpose in ACT_PURPOSES:
        raise ValueError(f"{purpose} is an official act: verify_official")
    verified = check_token(
        token, purpose, now, trust_store(), current_app.config["EDS_MAX_CLOCK_SKEW_SECONDS"]
    )
    leaf, payload = verified.leaf, verified.payload
    if expected_doc is not None and not same_json(payload.get("doc"), expected_doc):
        raise _refuse("digest_mismatch", "the signed document is not this one")

    serial = format(leaf.serial, "x")
    row, revoked = _signer_row(leaf.iin, serial, done_before)
    if revoked is not None:
        raise _refuse("certificate_revoked", "the certificate is on the CRL")

    if purpose == "auth":
        nonce = payload.get("nonce")
        used = 0
        if isinstance(nonce, str):
            used = db.session.execute(
                update(AuthNonce)
                .where(
                    AuthNonce.nonce == nonce,
                    AuthNonce.used_at.is_(None),
                    AuthNonce.expires_at > now,
                )
                .values(used_at=now)
            ).rowcount
        if used != 1:
            raise _refuse("nonce_invalid", "unknown, used or expired nonce")

    if row is None:
        raise _refuse("not_eligible", "the IIN is not in the population registry", NOT_IN_REGISTRY)
    iin, surname, given_name, patronymic, birth_date, sex, kato, _, user_id = row[:9]
    return Signer(
        iin=iin,
        surname=surname,
        given_name=given_name,
        patronymic=patronymic,
        birth_date=birth_date,
        sex=sex,
        kato=kato,
        cert_serial=serial,
        payload=payload,
        signed_at=verified.signed_at,
        user_id=user_id,
        done_before=bool(row[9]) if done_before is not None else False,
    )


@dataclass(frozen=True)
class OfficialSigner:
    """An official proven by a valid act signature, with the one role grant their certificate serves."""

    iin: str  # from our records, never from the certificate (which names a staff serial)
    name: str  # as the certificate names them: "SURNAME GIVENNAME"
    staff_serial: str
    role: str
    scope: str | None
    body: str | None
    cert_serial: str
    payload: dict
    signed_at: datetime


def signed_purpose(token: object) -> object:
    """The `purpose` a JWS's payload names, once its form, chain and signature hold (nothing more is
    checked: not the key usage, the time, the revocation), or DomainError. For an endpoint that takes
    several purposes, to know which one to verify the JWS as; the verification itself still follows."""
    return _signed(token, trust_store())[1].get("purpose")


def verify_official(token: object, purpose: str, now: datetime, expected_doc: dict | None = None) -> OfficialSigner:
    """Verify an official act's JWS for `purpose` and return who signed it, in which role, or DomainError.

    Besides check_token (which refuses a citizen's key for an act, `wrong_key_usage`): the document
    is the expected one, the certificate is one we issued to an official and is not revoked, and the
    role grant it was issued for still stands. Whether that grant fits the act is the caller's to say
    (auth.acts), as only the use case knows the document's body.
    """
    from auth.models import Certificate, RoleGrant

    if purpose not in ACT_PURPOSES:
        raise ValueError(f"{purpose} is not an official act")
    verified = check_token(
        token, purpose, now, trust_store(), current_app.config["EDS_MAX_CLOCK_SKEW_SECONDS"]
    )
    if expected_doc is not None and not same_json(verified.payload.get("doc"), expected_doc):
        raise _refuse("digest_mismatch", "the signed document is not this one")
    serial = format(verified.leaf.serial, "x")
    row = db.session.execute(
        select(Certificate.iin, Certificate.staff_serial, Certificate.revoked_at, RoleGrant.role, RoleGrant.scope,
               RoleGrant.body, RoleGrant.iin)
        .outerjoin(RoleGrant, RoleGrant.id == Certificate.grant_id)
        .where(Certificate.serial == serial, Certificate.usage == "act")
    ).first()
    if row is None:
        raise _refuse("untrusted_certificate", "not an official certificate on our records")
    iin, staff_serial, revoked_at, role, scope, body, grant_iin = row
    if revoked_at is not None:
        raise _refuse("certificate_revoked", "the certificate is on the CRL")
    if role is None or grant_iin != iin:
        raise _refuse("forbidden", "the role this certificate was issued for is withdrawn")
    return OfficialSigner(
        iin=iin, name=" ".join(p for p in (verified.leaf.surname, verified.leaf.given_name) if p),
        staff_serial=staff_serial, role=role, scope=scope, body=body, cert_serial=serial,
        payload=verified.payload, signed_at=verified.signed_at,
    )
