"""Configuration: rule defaults of DOMAIN.md, overridable by DAUYS_* environment variables."""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PREFIX = "DAUYS_"
log = logging.getLogger(__name__)

# Where an instance without DAUYS_SECRET_KEY keeps the secret it made itself (owner-only).
SECRET_FILE = "secret_key"
MIN_SECRET_LENGTH = 32
# Refused however long: what a copied example or an old default would give an attacker for free.
KNOWN_PLACEHOLDERS = frozenset({
    "dev-only-not-secret", "test-secret", "secret", "changeme", "change-me", "please-change-me",
    "your-secret-key-goes-here-please-change", "your-secret-key", "secret-key", "dauys", "development", "...",
})

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
    # the site's address as its readers reach it: e-mails link to it (a worker has no request to ask,
    # and a request's Host header is its sender's word); pages link to the address they are served from
    "BASE_URL": "http://127.0.0.1:5000",
    "EDS_MAX_CLOCK_SKEW_SECONDS": 300,
    "EDS_USER_CERT_DAYS": 365,
    "AUTH_NONCE_SECONDS": 300,
    "API_TOKEN_SECONDS": 900,
    "LOGIN_SESSION_SECONDS": 12 * 3600,  # a page sign-in ends by then at the latest (sooner on sign-out)
    "OUTBOX_LEASE_SECONDS": 60,
    "EMAIL_LEASE_SECONDS": 300,
    "INPROCESS_CLOCK": False,  # demo server: run the periodic jobs in a thread
    # after SIGTERM/SIGINT, how long a running job may finish before the worker kills it (its
    # outbox event or e-mail lease then hands it to the next worker); keep below the supervisor's
    # own grace (systemd's TimeoutStopSec, Kubernetes' terminationGracePeriodSeconds)
    "WORKER_STOP_SECONDS": 5.0,
    "RATELIMIT_ENABLED": True,
    # the signing POST answered in front of Flask, as Flask would (petitions/lean_signing.py); off:
    # every request takes the full path (to compare the two, or to rule the lean one out)
    "SIGNING_LEAN_PATH": True,
    "RATELIMIT_SIGNED": "10/minute",  # per signing certificate: signatures and ballots
    # per secretary: the paper-ballot form's look-up of a voter's name (an IIN typed, one a ballot);
    # a meeting's pace is a ballot a minute or two, a run of guesses is not
    "RATELIMIT_VOTER_CHECK": "12/minute;120/hour",
    "PETITION_THRESHOLD_GOVERNMENT": 50000,
    "PETITION_THRESHOLD_CITY_AKIMAT": 2500,
    "PETITION_THRESHOLD_CITY_MASLIKHAT": 5000,
    "PETITION_THRESHOLD_REGION_AKIMAT_PERCENT": 1,
    "PETITION_THRESHOLD_REGION_MASLIKHAT_PERCENT": 2,
    "PETITION_RESTRICTED_SUPPORTERS": 50,
    "PETITION_REVIEW_WORKING_DAYS_CENTRAL": 40,
    "PETITION_REVIEW_WORKING_DAYS_LOCAL": 20,
    # reviewers are reminded this many working days before a review is due, once each (DOMAIN.md:
    # Notifications); a reminder is named by its number (the milestone `reminder_5`), so a changed
    # list sends the new reminders and never repeats one already sent. DAUYS_…="5,1"
    "PETITION_REVIEW_REMINDER_WORKING_DAYS": (5, 1),
    "PETITION_MODERATION_WORKING_DAYS": 20,
    "PETITION_RESTRICTED_WORKING_DAYS": 10,
    "PETITION_COLLECTION_MONTHS": 6,
    # after the answer (DOMAIN.md "After the answer")
    "PETITION_ANSWER_MIN_CHARS": 200,
    "PETITION_REPORT_MAX_MONTHS": 12,
    "PETITION_RATING_WORKING_DAYS": 30,
    "PETITION_CONTEST_MIN_RATINGS": 50,
    "PETITION_CONTEST_PERCENT": 50,
    "PETITION_FOLLOW_UP_WORKING_DAYS": 20,
    # months after a petition is finished (closed, lapsed or answered) until its signatures lose
    # their personal data: the JWS, the account link, the name and the keyed hash of the IIN
    "SIGNATURE_RETENTION_MONTHS": 12,
    "MIN_AGE": 18,
    # a published breakdown (ballots by village, signatures by region or day) merges every cell below
    # this many into "other", so no cell singles out a person (DOMAIN.md: Privacy of small groups)
    "BUDGET_MIN_CELL": 10,
    "PETITION_MIN_CELL": 10,
    # the petition page draws signatures hour by hour over this many first days of signing (Astana
    # time), for a petition whose hours average at least PETITION_MIN_CELL signatures
    "PETITION_HOURLY_DAYS": 3,
    # the public log signs a head at least this often while there are new entries: an accepted
    # signature, ballot, act or rating is in a signed head within this many seconds (API.md)
    "LOG_HEAD_SECONDS": 10,
    # Behind a reverse proxy (deploy/nginx/dauys.conf): how many proxies in front of the app append
    # to X-Forwarded-For / X-Forwarded-Proto. 0: those headers are ignored and the client is the
    # connection's peer. With 1 or more they are believed only on connections from an address of
    # TRUSTED_PROXIES (comma-separated addresses or networks); rate limits and the audit trail then
    # key on the client's address, not the proxy's
    "PROXY_HOPS": 0,
    "TRUSTED_PROXIES": "127.0.0.1,::1",
}

LANGUAGES = ("kk", "ru", "en")


_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def _coerce(default: Any, raw: str) -> Any:
    """`raw` as the default's type, or ValueError (a yes/no outside both lists is not a "no")."""
    if isinstance(default, bool):
        word = raw.strip().lower()
        if word not in _TRUE | _FALSE:
            raise ValueError("must be one of " + ", ".join(sorted(_TRUE | _FALSE)))
        return word in _TRUE
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, tuple):  # whole numbers, comma-separated: "5,1"
        return tuple(int(part) for part in raw.split(","))
    return raw


def _working_days_before(value: Any) -> str | None:
    """Why `value` cannot be a list of reminders before a due date, or None."""
    if not isinstance(value, tuple) or not value:
        return "must be one or more whole numbers, e.g. 5,1"
    if not all(type(days) is int and days >= 1 for days in value):
        return "must be whole numbers of working days, each at least 1"
    if len(set(value)) != len(value):
        return "must not name a day twice"
    return None


# Settings a value of the wrong shape would break at the first job rather than at start-up.
def _positive_seconds(value: Any) -> str | None:
    if type(value) is not int or value < 1:
        return "must be a whole number of seconds, at least 1"
    return None


def _site_address(value: Any) -> str | None:
    """Why `value` cannot be the address e-mails link to (DAUYS_BASE_URL), or None."""
    if not isinstance(value, str) or any(char.isspace() for char in value):
        return "must be an address such as https://dauys.kz, without spaces"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - a port that is no number raises here
    except ValueError:
        return "must be an address such as https://dauys.kz"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must start with http:// or https:// and name a host"
    if parts.username or parts.password or parts.query or parts.fragment:
        return "must hold no user, query or fragment"
    return None


def _proxy_networks(value: Any) -> str | None:
    """Why `value` cannot be a list of the proxies' addresses (DAUYS_TRUSTED_PROXIES), or None."""
    try:
        proxy_networks(value)
    except ValueError as error:
        return f"must be comma-separated addresses or networks such as 127.0.0.1,10.0.0.0/24 ({error})"
    return None


def _hops(value: Any) -> str | None:
    if type(value) is not int or value < 0:
        return "must be a whole number of proxies, 0 or more"
    return None


def proxy_networks(value: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """DAUYS_TRUSTED_PROXIES as networks (an address is a network of one); ValueError if one is not."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip())


CHECKS = {
    "PETITION_REVIEW_REMINDER_WORKING_DAYS": _working_days_before,
    "TRUSTED_PROXIES": _proxy_networks,
    "PROXY_HOPS": _hops,
    "LOG_HEAD_SECONDS": _positive_seconds,
    "BASE_URL": _site_address,
}


def _checked(values: dict[str, Any]) -> None:
    for key, check in CHECKS.items():
        problem = check(values[key])
        if problem:
            raise RuntimeError(f"{PREFIX}{key} {problem} (it is {values[key]!r})")


def load(
    instance_path: str, environ: os._Environ | dict | None = None, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Build the Flask config from defaults, the environment and `overrides`; fail fast on a
    missing secret in production, on a guessable one anywhere, and on a setting of CHECKS whose
    value cannot work."""
    environ = os.environ if environ is None else environ
    values = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        raw = environ.get(PREFIX + key)
        if raw is not None and raw != "":
            try:
                values[key] = _coerce(default, raw) if default is not None else raw
            except ValueError as error:  # one clear line at start-up, naming the setting, not a traceback
                kind = type(default).__name__ if not isinstance(default, tuple) else "comma-separated whole numbers"
                raise RuntimeError(f"{PREFIX}{key} must be {kind}: {error} (it is {raw!r})") from None
    values.update(overrides or {})
    _checked(values)
    values["SECRET_KEY"] = _secret_key(values["SECRET_KEY"], values["ENV"], Path(instance_path))

    if values["DATABASE_URL"] is None:
        values["DATABASE_URL"] = "sqlite:///" + str(Path(instance_path) / "dauys.sqlite3")
    return values


def secret_weakness(secret: object) -> str | None:
    """Why `secret` would let someone forge tokens and cookies, or None when it will do."""
    if not isinstance(secret, str):
        return "must be a string"
    if secret.strip().lower() in KNOWN_PLACEHOLDERS:
        return "is a known placeholder"
    if len(secret) < MIN_SECRET_LENGTH:
        return f"is too short (at least {MIN_SECRET_LENGTH} characters)"
    if len(set(secret)) < 8:
        return "repeats too few characters to be random"
    return None


def _secret_key(secret: str | None, env: str, instance: Path) -> str:
    if secret is None:
        if env == "production":
            # Every node and worker of a deployment must share one, so production never makes its own.
            raise RuntimeError(
                "DAUYS_SECRET_KEY must be set in production "
                "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return instance_secret(instance)
    problem = secret_weakness(secret)
    if problem:
        raise RuntimeError(f"DAUYS_SECRET_KEY {problem}: use a random one, e.g. secrets.token_urlsafe(48)")
    return secret


def instance_secret(instance: Path) -> str:
    """The secret this instance folder keeps, made at random on first start.

    Several workers start at once: each writes its candidate to a private temporary file and links
    it into place, which succeeds for one of them only; everyone then reads the file that won, so
    no one ever sees it half-written. Later starts read it: cookies, tokens and the keyed hashes of
    IINs survive a restart."""
    path = instance / SECRET_FILE
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, candidate = tempfile.mkstemp(dir=instance, prefix=f".{SECRET_FILE}.")  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_urlsafe(48) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(candidate, path)
            except FileExistsError:
                pass  # another worker's secret won
        finally:
            os.unlink(candidate)
    if os.stat(path).st_mode & 0o077:
        log.warning("%s was readable by others; now owner-only", path)
        os.chmod(path, 0o600)
    secret = path.read_text(encoding="ascii").strip()
    problem = secret_weakness(secret)
    if problem:
        raise RuntimeError(f"{path}: the secret it holds {problem}; replace it with a random one")
    return secret


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
