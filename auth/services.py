"""Identity use cases: the CA, registry entries, key issuance, EDS login, API tokens, roles."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from jose import JWTError, jwt
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import strict_json
from auth import eds, pki
from auth.iin import InvalidIIN, decode
from auth.models import (
    GOVERNMENT_SCOPE,
    ROLES,
    AuthNonce,
    Certificate,
    Person,
    RoleGrant,
    Territory,
    User,
)
from errors import DomainError
from extensions import db, insert_unless_exists
from workers import outbox

TOKEN_ALGORITHM = "HS256"  # platform tokens only; EDS never accepts HMAC


def certification_authority() -> pki.CertificationAuthority:
    """The CA of this instance, loaded once per process (made on first use)."""
    app = current_app
    ca = app.extensions.get("dauys_ca")
    if ca is None:

        ca = pki.load_or_create(Path(app.instance_path) / "ca", datetime.now(UTC))
        app.extensions["dauys_ca"] = ca
    return ca


def trust_store() -> eds.TrustStore:
    app = current_app
    trust = app.extensions.get("dauys_trust")
    if trust is None:
        trust = eds.TrustStore.from_ca(certification_authority())
        app.extensions["dauys_trust"] = trust
    return trust


# --- registry -----------------------------------------------------------------------


def add_person(
    *,
    iin: str,
    surname: str,
    given_name: str,
    kato: str,
    patronymic: str | None = None,
    email: str | None = None,
) -> Person:
    """Add a registry row; birth date and sex come from the IIN. Raises DomainError."""
    fields: dict[str, str] = {}
    try:
        info = decode(iin)
    except InvalidIIN as exc:
        fields["iin"] = str(exc)
        info = None
    if not surname.strip():
        fields["surname"] = "required"
    if not given_name.strip():
        fields["given_name"] = "required"
    if db.session.get(Territory, kato) is None:
        fields["kato"] = "unknown KATO code"
    if fields:
        raise DomainError("validation_error", fields=fields)
    if db.session.get(Person, iin) is not None:
        raise DomainError("validation_error", fields={"iin": "already in the registry"})
    person = Person(
        iin=iin,
        surname=surname.strip(),
        given_name=given_name.strip(),
        patronymic=(patronymic or "").strip() or None,
        birth_date=info.birth_date,
        sex=info.sex,
        kato=kato,
        email=(email or "").strip() or None,
    )
    db.session.add(person)
    return person


# --- keys ---------------------------------------------------------------------------


@dataclass(frozen=True)
class KeySet:
    auth: pki.IssuedKey
    sign: pki.IssuedKey
    chain_pem: bytes


def issue_key_set(person: Person, key_type: str, now: datetime) -> KeySet:
    """Issue a person's AUTH and SIGN keys and record the certificates."""
    ca = certification_authority()
    holder = pki.Holder(iin=person.iin, surname=person.surname, given_name=person.given_name)
    days = current_app.config["EDS_USER_CERT_DAYS"]
    issued = [pki.issue(ca, holder, usage, key_type, now, days) for usage in ("auth", "sign")]
    for key in issued:
        db.session.add(
            Certificate(
                serial=format(key.cert.serial_number, "x"),
                iin=person.iin,
                usage=key.usage,
                key_type=key_type,
                not_before=key.cert.not_valid_before_utc,
                not_after=key.cert.not_valid_after_utc,
            )
        )
    return KeySet(auth=issued[0], sign=issued[1], chain_pem=ca.chain_pem())


def revoke_certificates(iin: str, now: datetime, actor: User | None = None) -> int:
    """Revoke every live certificate of a person; returns how many."""
    from audit import services as audit

    rows = db.session.scalars(
        select(Certificate).where(Certificate.iin == iin, Certificate.revoked_at.is_(None))
    ).all()
    for row in rows:
        row.revoked_at = now
    if rows:
        person = db.session.get(Person, iin)
        audit.record(
            "certificate.revoke", actor, "person", audit.person_ref(iin), now,
            name=audit.person_label(person.given_name, person.surname) if person else None,
            serials=[row.serial for row in rows],
        )
    return len(rows)


def current_crl(now: datetime) -> bytes:
    from cryptography.hazmat.primitives import serialization

    revoked = db.session.execute(
        select(Certificate.serial, Certificate.revoked_at).where(Certificate.revoked_at.is_not(None))
    ).all()
    crl = pki.crl(certification_authority(), [(int(s, 16), when) for s, when in revoked], now)
    return crl.public_bytes(serialization.Encoding.PEM)


# --- login --------------------------------------------------------------------------


def new_challenge(now: datetime) -> AuthNonce:
    lifetime = timedelta(seconds=current_app.config["AUTH_NONCE_SECONDS"])
    nonce = AuthNonce(nonce=secrets.token_urlsafe(32), created_at=now, expires_at=now + lifetime)
    db.session.add(nonce)
    return nonce


def login_with_eds(token: str, now: datetime, locale: str | None = None) -> User:
    """Verify an `auth` JWS and return the account, made (with a welcome) on first login.

    `locale` is the language the person signed in with: their mail comes in it.
    """
    signer = eds.verify(token, "auth", now)
    user = db.session.scalar(select(User).where(User.iin == signer.iin))
    if user is None:
        try:
            with db.session.begin_nested():
                user = User(iin=signer.iin, created_at=now, locale=locale)
                db.session.add(user)
                db.session.flush()
            outbox.record("account.welcome", now, user_id=user.id)
        except IntegrityError:  # a concurrent first login made the account
            user = db.session.scalar(select(User).where(User.iin == signer.iin))
    user.last_login_at = now
    return user


def issue_api_token(user: User, now: datetime) -> tuple[str, int]:
    lifetime = current_app.config["API_TOKEN_SECONDS"]
    claims = {
        "sub": str(user.id),
        "iat": int(now.timestamp()),
        "exp": int(now.timestamp()) + lifetime,
        "typ": "dauys-api",
    }
    return jwt.encode(claims, _token_key(), algorithm=TOKEN_ALGORITHM), lifetime


def user_from_api_token(token: str) -> User:
    """The user a Bearer token names, or DomainError("unauthorized")."""
    try:
        # python-jose parses the header before it checks the signature, with no depth limit: a
        # header nested thousands deep was a RecursionError (a 500). strict_json reads it first.
        head = token.split(".", 1)[0]
        strict_json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
        claims = jwt.decode(token, _token_key(), algorithms=[TOKEN_ALGORITHM])
    except (JWTError, ValueError):  # binascii.Error and StrictJsonError are ValueErrors
        raise DomainError("unauthorized") from None
    if claims.get("typ") != "dauys-api":
        raise DomainError("unauthorized")
    user = db.session.get(User, int(claims["sub"]))
    if user is None:
        raise DomainError("unauthorized")
    return user


def _token_key() -> str:
    # A key of its own, derived from the secret, so a token and a session cookie never share one.
    import hashlib

    return hashlib.sha256(b"dauys-api-token:" + current_app.config["SECRET_KEY"].encode()).hexdigest()


# --- roles --------------------------------------------------------------------------


def grant_role(iin: str, role: str, scope: str | None, now: datetime, actor: User | None = None) -> RoleGrant:
    if role not in ROLES:
        raise DomainError("validation_error", fields={"role": f"one of {', '.join(ROLES)}"})
    if db.session.get(Person, iin) is None:
        raise DomainError("validation_error", fields={"iin": "not in the registry"})
    if scope is not None and scope != GOVERNMENT_SCOPE and db.session.get(Territory, scope) is None:
        raise DomainError("validation_error", fields={"scope": "a KATO code or 'government'"})
    existing = db.session.scalar(
        select(RoleGrant).where(RoleGrant.iin == iin, RoleGrant.role == role, RoleGrant.scope == scope)
        if scope is not None
        else select(RoleGrant).where(RoleGrant.iin == iin, RoleGrant.role == role, RoleGrant.scope.is_(None))
    )
    if existing is not None:
        return existing
    from audit import services as audit

    grant = RoleGrant(iin=iin, role=role, scope=scope, granted_at=now)
    db.session.add(grant)
    person = db.session.get(Person, iin)
    audit.record(
        "role.grant", actor, "person", audit.person_ref(iin), now,
        name=audit.person_label(person.given_name, person.surname), role=role, scope=scope,
    )
    return grant


def account_for(iin: str, now: datetime) -> User:
    """The account of a registry person, made quietly (no welcome) when they have none yet.

    Officials and signers who opted in are told things before they ever sign in.
    """
    user = db.session.scalar(select(User).where(User.iin == iin))
    if user is None:
        # No savepoint: this runs on the signing path too, where statements commit on their own.
        insert_unless_exists(User, ("iin",), iin=iin, created_at=now)  # a concurrent maker wins quietly
        user = db.session.scalar(select(User).where(User.iin == iin))
    return user


def holders_of(role: str, scope: str | None) -> list[str]:
    """IINs holding `role` for `scope` (or unscoped)."""
    stmt = select(RoleGrant.iin).where(RoleGrant.role == role)
    if scope is not None:
        stmt = stmt.where((RoleGrant.scope == scope) | RoleGrant.scope.is_(None))
    return sorted(set(db.session.scalars(stmt)))


def territory_chain(kato: str) -> tuple[str, ...]:
    """`kato` and every territory above it, nearest first (the tree is small and cached)."""
    cache = current_app.extensions.setdefault("dauys_territory_parents", {})
    if not cache:
        cache.update(dict(db.session.execute(select(Territory.kato, Territory.parent)).all()))
    chain = []
    current: str | None = kato
    while current is not None and current not in chain:
        chain.append(current)
        if current not in cache:
            parent = db.session.scalar(select(Territory.parent).where(Territory.kato == current))
            cache[current] = parent
        current = cache[current]
    return tuple(chain)
