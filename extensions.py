"""Unbound extension objects, bound to the app in factory.create_app."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import DateTime, MetaData, bindparam, text
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class SessionOnlyLoginManager(LoginManager):
    """Flask-Login that reads the signed session cookie and nothing else.

    Dauys never issues a "remember me" cookie (a page sign-in lasts its login session, ended on the
    server by signing out or revocation), so it never reads one: one sent anyway is absent, not a
    second credential beside the session, and not a 500 (Flask-Login 0.6 compares its digest with
    hmac.compare_digest, which raises TypeError on non-ASCII text)."""

    def _load_user_from_remember_cookie(self, cookie: str) -> None:
        return None


class SameOriginCsrf(CSRFProtect):
    """CSRFProtect whose HTTPS check of the Referer refuses one it cannot parse as it refuses one
    from another site (400), instead of letting urlsplit's ValueError ("https://[") be a 500."""

    def protect(self, apply_exemptions: bool = False) -> None:
        try:
            super().protect(apply_exemptions=apply_exemptions)
        except ValueError:  # the token's own refusals are raised as CSRFError, a 400, not this
            self._error_response("The referrer does not match the host.")


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True)
login_manager = SessionOnlyLoginManager()
csrf = SameOriginCsrf()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)


class UtcDateTime(TypeDecorator):
    """An instant, always aware and in UTC when read back, on PostgreSQL and on SQLite alike.

    SQLite keeps no time zone, so we store naive UTC there and put the zone back on read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def insert_unless_exists(model: type[Base], unique: tuple[str, ...], **values) -> int | None:
    """INSERT … ON CONFLICT (unique) DO NOTHING RETURNING id: the new row's id, or None if the row
    already exists. One round trip, no savepoint; PostgreSQL and SQLite both speak it.

    Written as a typed text statement because SQLAlchemy cannot cache the dialects' ON CONFLICT
    constructs (it would compile this hot statement on every call)."""
    statement = _insert_unless_exists(model.__table__, unique, tuple(values))
    return db.session.connection().execute(statement, values).scalar()


@lru_cache(maxsize=64)
def _insert_unless_exists(table, unique: tuple[str, ...], columns: tuple[str, ...]):
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)}) "
        f"ON CONFLICT ({', '.join(unique)}) DO NOTHING RETURNING id"
    )
    return text(sql).bindparams(*(bindparam(c, type_=table.c[c].type) for c in columns))
