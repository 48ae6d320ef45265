"""Configuration: rule defaults of DOMAIN.md, overridable by DAUYS_* environment variables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

PREFIX = "DAUYS_"

# Every rule default of DOMAIN.md lives here, never as a literal in domain code.
DEFAULTS: dict[str, Any] = {
    "ENV": "development",
    "SECRET_KEY": None,
    "DATABASE_URL": None,  # None: SQLite in the instance folder
    "REDIS_URL": None,  # None: jobs run in-process after commit
    "QUEUE_NAME": "dauys",
    "MAIL_SERVER": "localhost",
    "MAIL_PORT": 25,
    "MAIL_SENDER": "Dauys <noreply@dauys.kz>",
    "MAIL_TIMEOUT_SECONDS": 10,
    "MAIL_MAX_ATTEMPTS": 6,
    "BASE_URL": "http://127.0.0.1:5000",
    "EDS_MAX_CLOCK_SKEW_SECONDS": 300,
    "EDS_USER_CERT_DAYS": 365,
    "AUTH_NONCE_SECONDS": 300,
    "API_TOKEN_SECONDS": 900,
    "OUTBOX_LEASE_SECONDS": 60,
    "EMAIL_LEASE_SECONDS": 300,
    "INPROCESS_CLOCK": False,  # demo server: run the periodic jobs in a thread
    # after SIGTERM/SIGINT, how long a running job may finish before the worker kills it (its
    # outbox event or e-mail lease then hands it to the next worker); keep below the supervisor's
    # own grace (systemd's TimeoutStopSec, Kubernetes' terminationGracePeriodSeconds)
    "WORKER_STOP_SECONDS": 5.0,
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_SIGNED": "10/minute",  # per signing certificate: signatures and ballots
    "PETITION_THRESHOLD_GOVERNMENT": 50000,
    "PETITION_THRESHOLD_CITY_AKIMAT": 2500,
    "PETITION_THRESHOLD_CITY_MASLIKHAT": 5000,
    "PETITION_THRESHOLD_REGION_AKIMAT_PERCENT": 1,
    "PETITION_THRESHOLD_REGION_MASLIKHAT_PERCENT": 2,
    "PETITION_RESTRICTED_SUPPORTERS": 50,
    "PETITION_REVIEW_WORKING_DAYS_CENTRAL": 40,
    "PETITION_REVIEW_WORKING_DAYS_LOCAL": 20,
    "PETITION_MODERATION_WORKING_DAYS": 20,
    "PETITION_RESTRICTED_WORKING_DAYS": 10,
    "PETITION_COLLECTION_MONTHS": 6,
    # months after a petition is finished (closed, lapsed or answered) until its signatures lose
    # their personal data: the JWS, the account link, the name and the keyed hash of the IIN
    "SIGNATURE_RETENTION_MONTHS": 12,
    "MIN_AGE": 18,
}

LANGUAGES = ("kk", "ru", "en")


def _coerce(default: Any, raw: str) -> Any:
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def load(instance_path: str, environ: os._Environ | dict | None = None) -> dict[str, Any]:
    """Build the Flask config from defaults and the environment; fail fast in production."""
    environ = os.environ if environ is None else environ
    values = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        raw = environ.get(PREFIX + key)
        if raw is not None and raw != "":
            values[key] = _coerce(default, raw) if default is not None else raw

    if values["SECRET_KEY"] is None:
        if values["ENV"] == "production":
            raise RuntimeError("DAUYS_SECRET_KEY must be set in production")
        values["SECRET_KEY"] = "dev-only-not-secret"

    if values["DATABASE_URL"] is None:
        values["DATABASE_URL"] = "sqlite:///" + str(Path(instance_path) / "dauys.sqlite3")
    return values


def flask_settings(values: dict[str, Any]) -> dict[str, Any]:
    """Translate our names into the ones Flask and its extensions read."""
    url = values["DATABASE_URL"]
    # A plain postgresql:// URL is driven by psycopg 3, not psycopg2.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    # No pool_pre_ping: it costs every request a round trip. A connection that died (PostgreSQL
    # restarted) fails its request with a disconnect error, which answers 503 (retryable) and makes
    # SQLAlchemy drop every older pooled connection, so the next requests reconnect.
    engine_options: dict[str, Any] = {"pool_size": 10, "max_overflow": 10, "pool_recycle": 3600}
    if url.startswith("sqlite"):
        engine_options = {"connect_args": {"timeout": 30}}
    production = values["ENV"] == "production"
    return {
        **values,
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "BABEL_DEFAULT_LOCALE": "kk",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Almaty",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_STORAGE_URI": values["REDIS_URL"] or "memory://",
        "RATELIMIT_HEADERS_ENABLED": False,
        # Redis away: the limits pause (logged) rather than every signature failing with them
        "RATELIMIT_SWALLOW_ERRORS": True,  # a 429 still carries Retry-After (jsonapi.set_retry_after)
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "JSON_SORT_KEYS": False,
    }
