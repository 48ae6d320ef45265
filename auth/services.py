"""Identity use cases: the CA, registry entries, key issuance, EDS login and login sessions, API tokens, roles."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from jose import JWTError, jwt
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from audit import services as audit
from auth import eds, pki
from auth.iin import InvalidIIN, decode
from auth.instance_ca import certification_authority
from auth.models import (
    GOVERNMENT_SCOPE,
    LOCAL_BODIES,
    LOCAL_BODY_LEVEL,
    NATIONAL_ROLES,
    ROLES,
    AuthNonce,
    Certificate,
    LoginSession,
    Person,
    RoleGrant,
    User,
    grant_is_well_formed,
)
from extensions import db, insert_unless_exists
from kernel import strict_json
from kernel.errors import DomainError
from kernel.keyed_hashes import person_pseudonym
from kernel.territories import Territory
from workers import outbox

TOKEN_ALGORITHM = "HS256"  # platform tokens only; EDS never accepts HMAC


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
    auth, sign = (issue_key(person, usage, key_type, now) for usage in ("auth", "sign"))
    return KeySet(auth=auth, sign=sign, chain_pem=certification_authority().chain_pem())


def issue_key(person: Person, usage: str, key_type: str, now: datetime) -> pki.IssuedKey:
    """Issue one key of a person's (`auth` or `sign`) and record its certificate: for a holder who
    needs only that one, such as the demo's signers, who never sign in (half the CA's work)."""
    ca = certification_authority()
    holder = pki.Holder(iin=person.iin, surname=person.surname, given_name=person.given_name)
    key = pki.issue(ca, holder, usage, key_type, now, current_app.config["EDS_USER_CERT_DAYS"])
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
    return key


@dataclass(frozen=True)
class OfficialKeySet:
    key: pki.IssuedKey
    chain_pem: bytes
    staff_serial: str
    grant: RoleGrant


BODY_NAMES_RU = {
    "region_akimat": "Акимат", "region_maslikhat": "Маслихат", "city_akimat": "Акимат",
    "city_maslikhat": "Маслихат", None: "Аппарат акима",
}


def _body_name(grant: RoleGrant) -> str:
    """The body's name for the certificate's O (at most 64 characters, as X.520 allows)."""
    if grant.role in NATIONAL_ROLES:
        return "Dauys"
    if grant.scope == GOVERNMENT_SCOPE:
        return "Правительство Республики Казахстан"
    place = db.session.get(Territory, grant.scope)
    return f"{BODY_NAMES_RU[grant.body]}: {place.name_ru if place else grant.scope}"[:64]


def official_grant(iin: str, role: str | None = None, scope: str | None = None, body: str | None = None) -> RoleGrant:
    """The one well-formed grant of a person an official certificate is for, or DomainError: they hold
    none, or several and `role` (with `scope` and `body`) does not pick one."""
    grants = [
        g for g in db.session.scalars(select(RoleGrant).where(RoleGrant.iin == iin).order_by(RoleGrant.id))
        if g.well_formed and (role is None or g.role == role) and (scope is None or g.scope == scope)
        and (body is None or g.body == body)
    ]
    if not grants:
        raise DomainError("not_found", fields={"role": "this person holds no such role"})
    if len(grants) > 1:
        held = "; ".join(" ".join(x for x in (g.role, g.scope or "", g.body or "") if x) for g in grants)
        raise DomainError("validation_error", fields={"role": f"name one of the roles held: {held}"})
    return grants[0]


def issue_official_key_set(person: Person, grant: RoleGrant, key_type: str, now: datetime) -> OfficialKeySet:
    """Issue the official certificate of one role grant (API.md "Official acts") and record it."""
    from auth.acts import body_code

    ca = certification_authority()
    staff_serial = pki.STAFF_SERIAL_PREFIX + secrets.token_hex(5).upper()
    official = pki.Official(
        surname=person.surname, given_name=person.given_name, staff_serial=staff_serial, role=grant.role,
        body_code=body_code(grant.role, grant.scope, grant.body), body_name=_body_name(grant),
    )
    key = pki.issue_official(ca, official, key_type, now, current_app.config["EDS_USER_CERT_DAYS"])
    db.session.add(
        Certificate(
            serial=format(key.cert.serial_number, "x"), iin=person.iin, usage="act", key_type=key_type,
            not_before=key.cert.not_valid_before_utc, not_after=key.cert.not_valid_after_utc,
            grant_id=grant.id, staff_serial=staff_serial,
        )
    )
    audit.record(
        "certificate.issue_official", None, "person", person_pseudonym(person.iin), now,
        name=audit.person_label(person.given_name, person.surname), role=grant.role,
        body=official.body_code, staff_serial=staff_serial,
    )
    return OfficialKeySet(key=key, chain_pem=ca.chain_pem(), staff_serial=staff_serial, grant=grant)


def revoke_certificates(iin: str, now: datetime, actor: User | None = None) -> int:
    """Revoke every live certificate of a person; returns how many. Every login session made with
    any of their certificates ends with it: no cookie or token issued before outlives the commit."""
    rows = db.session.scalars(
        select(Certificate).where(Certificate.iin == iin, Certificate.revoked_at.is_(None))
    ).all()
    for row in rows:
        row.revoked_at = now
    ended = db.session.execute(
        update(LoginSession)
        .where(
            LoginSession.certificate_serial.in_(select(Certificate.serial).where(Certificate.iin == iin)),
            LoginSession.ended_at.is_(None),
        )
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if rows:
        person = db.session.get(Person, iin)
        audit.record(
            "certificate.revoke", actor, "person", person_pseudonym(iin), now,
            name=audit.person_label(person.given_name, person.surname) if person else None,
            serials=[row.serial for row in rows], login_sessions_ended=ended,
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


@dataclass(frozen=True)
class SignedIn:
    user: User
    session_handle: str  # for the cookie or the token only: the server keeps its hash


def login_with_eds(token: str, now: datetime, lifetime: timedelta, locale: str | None = None) -> SignedIn:
    """Verify an `auth` JWS, make the account (with a welcome) on first login, and open a login
    session of `lifetime` for it.

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
    return SignedIn(user=user, session_handle=open_login_session(user, signer.cert_serial, now, lifetime))


def open_login_session(user: User, certificate_serial: str, now: datetime, lifetime: timedelta) -> str:
    """Record a login session made with that AUTH certificate; returns its handle (given out once)."""
    handle = secrets.token_urlsafe(32)
    expires_at = now + lifetime
    not_after = db.session.scalar(select(Certificate.not_after).where(Certificate.serial == certificate_serial))
    if not_after is not None:
        expires_at = min(expires_at, not_after)  # a session never outlives its certificate
    db.session.add(LoginSession(
        id=_session_key(handle), user_id=user.id, certificate_serial=certificate_serial,
        created_at=now, expires_at=expires_at,
    ))
    user.session_handle = handle
    return handle


def user_of_login_session(handle: object, now: datetime) -> User | None:
    """The account of a live login session (not ended, not expired, its certificate not revoked),
    or None. One statement by primary key, the account and its registry row with it; the roles
    come fresh with every load (a withdrawn role is gone on the next request)."""
    if not isinstance(handle, str) or not 20 <= len(handle) <= 100:
        return None
    user = db.session.scalar(
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .outerjoin(Certificate, Certificate.serial == LoginSession.certificate_serial)
        .where(
            LoginSession.id == _session_key(handle),
            LoginSession.ended_at.is_(None),
            LoginSession.expires_at > now,
            Certificate.revoked_at.is_(None),
        )
        .execution_options(populate_existing=True)
    )
    if user is not None:
        user.session_handle = handle
    return user


def end_login_session(handle: str, now: datetime) -> bool:
    """End that login session, everywhere its cookie or token was copied; False if it had ended."""
    return db.session.execute(
        update(LoginSession)
        .where(LoginSession.id == _session_key(handle), LoginSession.ended_at.is_(None))
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def _session_key(handle: str) -> str:
    return hashlib.sha256(handle.encode()).hexdigest()


def issue_api_token(signed_in: SignedIn, now: datetime) -> tuple[str, int]:
    """A Bearer token naming the login session (`sid`): ending that session ends the token."""
    lifetime = current_app.config["API_TOKEN_SECONDS"]
    claims = {
        "sub": str(signed_in.user.id),
        "sid": signed_in.session_handle,
        "iat": int(now.timestamp()),
        "exp": int(now.timestamp()) + lifetime,
        "typ": "dauys-api",
    }
    return jwt.encode(claims, _token_key(), algorithm=TOKEN_ALGORITHM), lifetime


def user_from_api_token(token: str, now: datetime) -> User:
    """The user of a Bearer token whose login session is live, or DomainError("unauthorized")."""
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
    user = user_of_login_session(claims.get("sid"), now)
    if user is None or claims.get("sub") != str(user.id):
        raise DomainError("unauthorized")
    return user


def _token_key() -> str:
    # A key of its own, derived from the secret, so a token and a session cookie never share one.
    return hashlib.sha256(b"dauys-api-token:" + current_app.config["SECRET_KEY"].encode()).hexdigest()


# --- roles --------------------------------------------------------------------------


def grant_role(
    iin: str, role: str, scope: str | None, now: datetime, actor: User | None = None, body: str | None = None
) -> RoleGrant:
    """Grant `role` for the one body or territory the official serves (RoleGrant says which shape each role takes)."""
    if role not in ROLES:
        raise DomainError("validation_error", fields={"role": f"one of {', '.join(ROLES)}"})
    if db.session.get(Person, iin) is None:
        raise DomainError("validation_error", fields={"iin": "not in the registry"})
    fields = grant_shape_problems(role, scope, body)
    if fields:
        raise DomainError("validation_error", fields=fields)
    existing = db.session.scalar(
        select(RoleGrant).where(RoleGrant.iin == iin, RoleGrant.role == role, *_exactly(scope, body))
    )
    if existing is not None:
        return existing
    grant = RoleGrant(iin=iin, role=role, scope=scope, body=body, granted_at=now)
    db.session.add(grant)
    person = db.session.get(Person, iin)
    audit.record(
        "role.grant", actor, "person", person_pseudonym(iin), now,
        name=audit.person_label(person.given_name, person.surname), role=role, scope=scope,
        **({"body": body} if body else {}),
    )
    return grant


def withdraw_role(
    iin: str, role: str, scope: str | None, now: datetime, actor: User | None = None, body: str | None = None
) -> int:
    """Withdraw a person's grant of `role` for `scope` (and `body`), or every grant of it when `scope`
    is None; returns how many. The official loses it on their next request: roles are read per request."""
    if role not in ROLES:
        raise DomainError("validation_error", fields={"role": f"one of {', '.join(ROLES)}"})
    person = db.session.get(Person, iin)
    if person is None:
        raise DomainError("validation_error", fields={"iin": "not in the registry"})
    stmt = select(RoleGrant).where(RoleGrant.iin == iin, RoleGrant.role == role)
    if scope is not None:
        stmt = stmt.where(RoleGrant.scope == scope)
    if body is not None:
        stmt = stmt.where(RoleGrant.body == body)
    grants = db.session.scalars(stmt.order_by(RoleGrant.id)).all()
    if not grants:
        raise DomainError("not_found", fields={"grant": f"no {role} grant{' for ' + scope if scope else ''}"})
    revoked = db.session.execute(
        update(Certificate)
        .where(Certificate.grant_id.in_([g.id for g in grants]), Certificate.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    for grant in grants:
        audit.record(
            "role.withdraw", actor, "person", person_pseudonym(iin), now,
            name=audit.person_label(person.given_name, person.surname), role=role, scope=grant.scope,
            **({"body": grant.body} if grant.body else {}),
            **({"official_certificates_revoked": revoked} if revoked else {}),
        )
        db.session.delete(grant)
    return len(grants)


def grant_shape_problems(role: str, scope: str | None, body: str | None) -> dict[str, str]:
    """What is wrong with granting `role` for (scope, body): {} when nothing."""
    if role in NATIONAL_ROLES:
        if scope is not None or body is not None:
            return {"scope": f"a {role} serves the whole platform: no scope, no body"}
        return {}
    if role == "reviewer":
        if scope == GOVERNMENT_SCOPE:
            return {"body": "the Government is one body: no body with --scope government"} if body else {}
        if scope is None:
            return {"scope": "a reviewer serves one body: 'government', or a KATO code with a body"}
        if body not in LOCAL_BODIES:
            return {"body": f"a KATO-scoped reviewer serves one local body: {', '.join(LOCAL_BODIES)}"}
        place = db.session.get(Territory, scope)
        level = LOCAL_BODY_LEVEL[body]
        if place is None or place.level != level:
            return {"scope": f"the KATO code of the {level} whose {body.replace('_', ' ')} the reviewer serves"}
        return {}
    if body is not None:
        return {"body": f"a {role} serves a rural district: no body"}
    place = db.session.get(Territory, scope) if scope is not None else None
    if place is None or place.level != "rural_district":
        return {"scope": f"a {role} serves one rural district: its KATO code"}
    return {}


def _exactly(scope: str | None, body: str | None) -> tuple:
    return (
        RoleGrant.scope.is_(None) if scope is None else RoleGrant.scope == scope,
        RoleGrant.body.is_(None) if body is None else RoleGrant.body == body,
    )


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


def holders_of(role: str, scope: str | None = None, body: str | None = None) -> list[str]:
    """IINs whose grant serves `role` for exactly this scope and body (no wildcard grant, no prefix match).

    A shape no grant can have (a reviewer without a scope, a body for a rural district) has no holders.
    """
    if not grant_is_well_formed(role, scope, body):
        return []
    stmt = select(RoleGrant.iin).where(RoleGrant.role == role, *_exactly(scope, body))
    return sorted(set(db.session.scalars(stmt)))
