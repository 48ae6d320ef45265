"""Identity rows: the population registry, accounts, roles, certificates, nonces,
login sessions."""

from __future__ import annotations

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import UtcDateTime, db
from kernel.territories import Territory

ROLES = ("moderator", "reviewer", "budget_officer", "secretary", "admin")
GOVERNMENT_SCOPE = "government"
NATIONAL_ROLES = ("moderator", "admin")  # serve the whole platform: never scoped
RURAL_ROLES = ("budget_officer", "secretary")  # each serves one rural district
# The local bodies a reviewer may serve (with the KATO of their region or city): a petition's addressee.
LOCAL_BODIES = ("region_akimat", "region_maslikhat", "city_akimat", "city_maslikhat")
LOCAL_BODY_LEVEL = {"region_akimat": "region", "region_maslikhat": "region", "city_akimat": "city", "city_maslikhat": "city"}


def grant_is_well_formed(role: str, scope: str | None, body: str | None) -> bool:
    """True when (scope, body) is the shape `role` needs (see RoleGrant); territory levels are checked on granting."""
    if role in NATIONAL_ROLES:
        return scope is None and body is None
    if role == "reviewer" and scope == GOVERNMENT_SCOPE:
        return body is None
    if role == "reviewer":
        return scope is not None and body in LOCAL_BODIES
    return role in RURAL_ROLES and scope is not None and body is None


class Person(db.Model):
    """A row of the simulated population registry (ГБД ФЛ): the only source of age and residence."""

    __tablename__ = "person"
    iin: Mapped[str] = mapped_column(String(12), primary_key=True)
    surname: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str] = mapped_column(String(100))
    patronymic: Mapped[str | None] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    kato: Mapped[str] = mapped_column(ForeignKey("territory.kato"), index=True)
    # The contact address from the citizen's eGov profile, used for notifications.
    email: Mapped[str | None] = mapped_column(String(254))

    territory: Mapped[Territory] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint("length(iin) = 12", name="iin_12_digits"),
        CheckConstraint("sex IN ('M','F')", name="sex"),
    )

    @property
    def display_name(self) -> str:
        """Given name and surname initial: how a citizen appears in public."""
        return f"{self.given_name} {self.surname[:1]}."

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.given_name, self.patronymic) if p)


class User(UserMixin, db.Model):
    """An account: made on the first EDS login of a registry person."""

    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    iin: Mapped[str] = mapped_column(ForeignKey("person.iin"), unique=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    person: Mapped[Person] = relationship(lazy="joined")
    grants: Mapped[list[RoleGrant]] = relationship(
        primaryjoin="User.iin == foreign(RoleGrant.iin)", viewonly=True, lazy="selectin"
    )

    # The login session this request came with (auth.services sets it when it loads the user): what
    # the session cookie and the API token carry instead of the account id. Not a column.
    session_handle = None

    def get_id(self) -> str:
        """What Flask-Login keeps in the cookie: the login session's handle, never the account id,
        so signing out or a revocation on the server ends every copy of the cookie."""
        if not self.session_handle:
            raise NotImplementedError("a user signs in only through a login session (auth.services)")
        return self.session_handle

    # UserMixin compares users by get_id(); two users are the same account, whatever session.
    def __eq__(self, other: object) -> bool:
        return self.id == other.id if isinstance(other, User) else NotImplemented

    __hash__ = object.__hash__

    def has_role(self, role: str, scope: str | None = None, body: str | None = None) -> bool:
        """True when a grant serves `role` (for exactly that scope and body, when a scope is given)."""
        return any(grant.serves(role, scope, body) for grant in self.grants)

    def scopes(self, role: str) -> list[str | None]:
        return [g.scope for g in self.grants if g.serves(role)]


class RoleGrant(db.Model):
    """A role held by a person, for the one body or territory they serve.

    moderator, admin: no scope. reviewer: the Government (scope 'government', no body) or one
    local body (scope the region's or city's KATO, body its addressee code). budget officer,
    secretary: scope a rural district's KATO, no body. A row of any other shape (e.g. a reviewer
    granted before bodies existed, with a KATO but no body) serves nothing until granted anew.
    """

    __tablename__ = "role_grant"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    iin: Mapped[str] = mapped_column(ForeignKey("person.iin"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str | None] = mapped_column(String(20))
    body: Mapped[str | None] = mapped_column(String(20))
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        UniqueConstraint("iin", "role", "scope", "body", name="uq_role_grant_iin_role_scope_body"),
        CheckConstraint(
            "role IN ('moderator','reviewer','budget_officer','secretary','admin')", name="role"
        ),
        CheckConstraint(
            "body IS NULL OR body IN ('region_akimat','region_maslikhat','city_akimat','city_maslikhat')", name="body"
        ),
    )

    @property
    def well_formed(self) -> bool:
        return grant_is_well_formed(self.role, self.scope, self.body)

    def serves(self, role: str, scope: str | None = None, body: str | None = None) -> bool:
        """For `role` and, when a scope is asked about, exactly that scope and body (no wildcard, no prefix)."""
        if self.role != role or not self.well_formed:
            return False
        return scope is None or (self.scope, self.body) == (scope, body)


class Certificate(db.Model):
    """A certificate our CA issued; the CRL is made from the revoked ones.

    A citizen's are `auth` and `sign`. An official's is `act`: issued for one role grant, it names
    a staff serial instead of the IIN, and serves only while the grant does (withdrawing the role
    revokes it; a grant deleted otherwise leaves `grant_id` NULL, which serves nothing).
    """

    __tablename__ = "eds_certificate"
    serial: Mapped[str] = mapped_column(String(40), primary_key=True)  # hex
    iin: Mapped[str] = mapped_column(String(12), index=True)
    usage: Mapped[str] = mapped_column(String(4))
    key_type: Mapped[str] = mapped_column(String(3))
    not_before: Mapped[datetime] = mapped_column(UtcDateTime)
    not_after: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    grant_id: Mapped[int | None] = mapped_column(ForeignKey("role_grant.id", ondelete="SET NULL"), index=True)
    staff_serial: Mapped[str | None] = mapped_column(String(40), unique=True)

    __table_args__ = (
        CheckConstraint("usage IN ('auth','sign','act')", name="usage"),
        CheckConstraint("key_type IN ('rsa','ec')", name="key_type"),
        CheckConstraint("(usage = 'act') = (staff_serial IS NOT NULL)", name="act_has_staff_serial"),
    )


class OfficialAct(db.Model):
    """A decision an official signed, published whole with the document it decides (API.md `acts`).

    `jws` is the act exactly as accepted; `official_*` is what its certificate names (never an IIN).
    Paper ballots are acts too, but they name the voter: they are never stored here, only logged.
    """

    __tablename__ = "official_act"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UtcDateTime)  # when the server accepted it
    official_name: Mapped[str] = mapped_column(String(210))
    official_role: Mapped[str] = mapped_column(String(20))
    official_body: Mapped[str] = mapped_column(String(40))
    jws: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("subject_type IN ('petition','proposal','cycle')", name="subject_type"),
        Index("ix_official_act_subject", "subject_type", "subject_id", "id"),
    )


class AuthNonce(db.Model):
    """A login challenge: single use, short-lived."""

    __tablename__ = "auth_nonce"
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class LoginSession(db.Model):
    """One EDS sign-in: a page session or an API token names it, and lives only while it does.

    The handle given out is random and kept here only as its SHA-256 (the primary key), so the
    table's rows cannot be turned back into cookies or tokens. Signing out ends it; revoking the
    certificate it was made with ends it (and it is refused the moment that certificate is revoked).
    """

    __tablename__ = "login_session"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # hex SHA-256 of the handle
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # the AUTH certificate signed in with (not a foreign key: eds.verify accepts a chained
    # certificate the table may not list, as it does at every signature)
    certificate_serial: Mapped[str] = mapped_column(String(40), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
