"""create_app: the wiring, read top to bottom: configuration, the platform (web, database, language,
API document), every feature's init_app, the request guards, error pages, security headers."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask, render_template, request
from flask_babel import get_locale, refresh
from sqlalchemy import event
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

import audit
import auth
import budgeting
import config
import demo
import home
import i18n
import jsonapi
import notifications
import openapi
import petitions
import publiclog
import verification
import workers
from extensions import babel, csrf, db, limiter, login_manager, migrate
from kernel import integer_columns
from kernel.errors import DomainError, code_for_status, internal_error_body
from petitions import calendar_admin
from request_bodies import LimitedRequest
from web import formats as web_formats
from web import forms as web_forms
from web import headers as web_headers
from web import proxies as web_proxies

ROOT = Path(__file__).resolve().parent
log = logging.getLogger(__name__)


class DatabaseId(IntegerConverter):
    """`<int:…>` for ids: any digits match, and one beyond the database's integers becomes 0, an id
    no row has, so the answer is 404 (not a 500 from the driver, not a 405 from a rule that missed)."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= 2**31 - 1 else 0


# Every feature, in the order it is wired: a feature is a module with `init_app(app)` that registers
# what it owns (its tables, blueprints, CLI groups, notification kinds, periodic jobs, audit actions
# and part of the API document). The order is the audit page's order of actions and the order the
# clock enqueues the periodic jobs in.
FEATURES = (workers, home, petitions, budgeting, publiclog, verification, auth, calendar_admin, audit, notifications, demo)


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = _configured_app(overrides)
    _web(app)
    _database(app)
    _i18n(app)
    _api_document(app)
    for feature in FEATURES:
        feature.init_app(app)
    _request_guards(app)
    _register_errors(app)
    _register_headers(app)
    if app.config["INPROCESS_CLOCK"] and not app.config["REDIS_URL"]:
        from workers.clock import start_inprocess

        start_inprocess(app)  # after the features: it runs the jobs they registered
    return app


def _lean_paths(app: Flask) -> None:
    """The requests answered in front of Flask (inside any middleware that fixes the environ, which
    both paths must see alike), each as Flask would answer it: the signing POST
    (`petitions/lean_signing.py:takes` is the rule) on PostgreSQL, unless DAUYS_SIGNING_LEAN_PATH
    is off. SQLite (development) has no one-statement write: every request takes the full path."""
    if app.config["SIGNING_LEAN_PATH"] and app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        from petitions.lean_signing import LeanSigning

        app.wsgi_app = LeanSigning(app, app.wsgi_app)


def _configured_app(overrides: dict[str, Any] | None) -> Flask:
    instance = os.environ.get("DAUYS_INSTANCE_PATH") or str(ROOT / "instance")
    app = Flask(__name__, instance_path=instance, template_folder="templates", static_folder="static")
    app.request_class = LimitedRequest  # every body, JSON or form, is read under API.md's limits
    # Owner-only: it holds the secret key, the CA's private keys and (on SQLite) the database.
    Path(app.instance_path).mkdir(parents=True, exist_ok=True, mode=0o700)
    values = config.load(app.instance_path, overrides=overrides)
    app.config.from_mapping(config.flask_settings(values))
    app.url_map.converters["int"] = DatabaseId
    return app


def _web(app: Flask) -> None:
    """The client's address from trusted proxies only (web/proxies.py:init_app), CSRF for the pages,
    rate limits declared on their routes, no cookie session for the API; every
    page's error summary reads its forms' refusals (web/forms.py:field_refusals), a page's script the
    locale's ways with numbers and dates (web/formats.py:page_formats)."""
    _lean_paths(app)  # before the proxies' middleware: it then sees the client's own address and scheme
    web_proxies.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    _limits_on_routes_only(app)
    app.session_interface = jsonapi.ApiWithoutSessions()
    app.jinja_env.globals.update(field_refusals=web_forms.field_refusals, page_formats=web_formats.page_formats)


def _database(app: Flask) -> None:
    """SQLAlchemy and Alembic, with the kernel's tables (each feature imports its own in its init_app,
    before Alembic or create_all ever reads the metadata: both run on a made app)."""
    import kernel.territories  # noqa: F401  (the territory table)
    import kernel.work_calendar  # noqa: F401  (the calendar_transfer table)

    db.init_app(app)
    integer_columns.register()
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _sqlite_transactions(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))

    @app.teardown_request
    def _end_transaction(_exc):
        # No request leaves a transaction open behind it, even when its app context
        # outlives it (a test client's, a CLI's): SQLite has one writer at a time.
        if db.session.registry.has():  # a request that never touched the database costs nothing
            try:
                db.session.rollback()
            except SQLAlchemyError as exc:
                # The database went away under this request (its answer is already made, often a
                # 503): drop the session and its dead connection instead of turning that into a 500.
                log.warning("rollback after the request failed: %s", exc)
                db.session.remove()


def _i18n(app: Flask) -> None:
    """The locale of each request (i18n.select_locale), the language switcher, the template globals and filters."""
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.install_formats(app)  # after Babel's, whose filters of the same names it replaces
    app.register_blueprint(i18n.bp)
    app.jinja_env.globals.update(LANGUAGE_NAMES=i18n.LANGUAGE_NAMES, get_locale=get_locale)


def _api_document(app: Flask) -> None:
    """GET /api/v1/openapi.json; each feature adds its paths from its init_app."""
    csrf.exempt(openapi.bp)  # the API authenticates by Bearer token, never by cookie
    app.register_blueprint(openapi.bp)


def _request_guards(app: Flask) -> None:
    """Before every request, after the features' own hooks (auth's forgets the last request's user,
    so that a page refused here never shows it): NUL refused, the locale chosen anew."""

    @app.before_request
    def _refuse_nul_characters():
        # PostgreSQL text cannot hold NUL: a request carrying one is refused here, clearly, before
        # any query would fail on it with a 500. Raw bytes are searched (in the query string, the
        # body, and a JSON escape of it); only a form is decoded, as it may carry one encoded.
        query = request.environ.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            raise _nul_refused()
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            if any("\x00" in v for vs in request.form.listvalues() for v in vs):
                raise _nul_refused()
            return
        data = request.get_data(cache=True)
        if b"\x00" in data or b"\\u0000" in data:
            raise _nul_refused()

    @app.before_request
    def _fresh_locale():
        # Flask-Babel caches the locale on the app context, which a test client's
        # requests (and CLI-made contexts) can share; each request chooses anew.
        refresh()


def _nul_refused() -> DomainError:
    return DomainError("validation_error", fields={"request": "contains a NUL character"})


def _limits_on_routes_only(app: Flask) -> None:
    """Every rate limit of Dauys is declared on its route, and its decorator checks it.

    Flask-Limiter also runs a pass before every request that looks for application-wide and
    default limits; there are none, and the pass cost a quarter of a cached count read, so it is
    dropped. Configuring such limits would silently do nothing, so it is refused."""
    for key in ("RATELIMIT_APPLICATION", "RATELIMIT_DEFAULT", "RATELIMIT_META"):
        if app.config.get(key):
            raise RuntimeError(f"{key}: declare rate limits on their routes (@limiter.limit)")
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in hooks:  # absent when limits are off
        hooks.remove(limiter._check_request_limit)


def _sqlite_transactions(engine) -> None:
    """Let SQLAlchemy, not pysqlite, begin transactions, so SAVEPOINTs and rollbacks are real.

    BEGIN IMMEDIATE takes the write lock up front, so two writers queue on the busy
    timeout instead of one failing on a lock upgrade; WAL keeps readers outside
    transactions unblocked.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA journal_mode = WAL")
        dbapi_connection.execute("PRAGMA foreign_keys = ON")
        # SQLite's lower() knows only ASCII; search (ILIKE) must fold Kazakh and Russian too.
        dbapi_connection.create_function("lower", 1, lambda text: text.lower() if isinstance(text, str) else text,
                                          deterministic=True)

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _register_errors(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        if jsonapi.is_api_request():
            return jsonapi.error_response(error)
        if error.code == "unauthorized":  # a page, not the API: on to the sign-in page, and back after it
            return login_manager.unauthorized()
        return render_template("errors/error.html", error=error), error.status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if jsonapi.is_api_request():
            return jsonapi.http_error_response(exc)
        status = exc.code or 500
        code = code_for_status(status)
        if code is None:
            return render_template("errors/error.html", error=None), status
        error = DomainError(code)
        if status == 400 and "CSRF" in (exc.description or ""):
            error = DomainError("validation_error", _csrf_message())
        response = app.make_response((render_template("errors/error.html", error=error), status))
        jsonapi.set_retry_after(exc, response)
        jsonapi.keep_allow(exc, response)
        return response

    @app.errorhandler(OperationalError)
    def database_away(exc: OperationalError):
        # The database is restarting or unreachable: say so, retryably; nothing was half-written.
        db.session.rollback()
        log.warning("database unavailable: %s", exc.orig)
        error = DomainError("service_unavailable")
        if jsonapi.is_api_request():
            response = jsonapi.error_response(error)
        else:
            response = app.make_response((render_template("errors/error.html", error=error), 503))
        response.headers["Retry-After"] = "2"
        return response

    @app.errorhandler(500)
    def internal_error(_exc: Exception):
        if jsonapi.is_api_request():
            return internal_error_body(), 500
        return render_template("errors/error.html", error=None), 500


def _csrf_message() -> str:
    from flask_babel import gettext as _

    return _("The form expired or was sent from another site; reload the page and try again.")


def _register_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        headers = response.headers
        present = {name.lower() for name in headers.keys()}  # one pass, not one per header
        wanted = web_headers.security_headers_for(request.is_secure, jsonapi.is_api_request())
        for name, value in wanted:
            if name.lower() not in present:
                headers.add(name, value)
        return response

