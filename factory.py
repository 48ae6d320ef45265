"""create_app: configuration, extensions, blueprints, error pages, security headers, CLI."""

from __future__ import annotations

import functools
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, g, render_template, request
from flask_babel import get_locale, refresh
from sqlalchemy import event
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

import config
import jsonapi
from extensions import babel, csrf, db, limiter, login_manager, migrate
from kernel import integer_columns
from kernel.errors import DomainError, code_for_status, internal_error_body
from request_bodies import LimitedRequest

ROOT = Path(__file__).resolve().parent
log = logging.getLogger(__name__)


class DatabaseId(IntegerConverter):
    """`<int:…>` for ids: any digits match, and one beyond the database's integers becomes 0, an id
    no row has, so the answer is 404 (not a 500 from the driver, not a 405 from a rule that missed)."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= 2**31 - 1 else 0


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    instance = os.environ.get("DAUYS_INSTANCE_PATH") or str(ROOT / "instance")
    app = Flask(__name__, instance_path=instance, template_folder="templates", static_folder="static")
    app.request_class = LimitedRequest  # every body, JSON or form, is read under API.md's limits
    # Owner-only: it holds the secret key, the CA's private keys and (on SQLite) the database.
    Path(app.instance_path).mkdir(parents=True, exist_ok=True, mode=0o700)
    values = config.load(app.instance_path, overrides=overrides)
    app.config.from_mapping(config.flask_settings(values))

    app.extensions["dauys.warm_up"] = functools.partial(_warm_up, app)
    app.url_map.converters["int"] = DatabaseId
    _init_extensions(app)
    _register_blueprints(app)
    _register_errors(app)
    _register_headers(app)
    _register_cli(app)

    if app.config["INPROCESS_CLOCK"] and not app.config["REDIS_URL"]:
        from workers.clock import start_inprocess

        start_inprocess(app)
    return app


def _warm_up(app: Flask) -> None:
    """What a web worker loads before its first request (gunicorn.conf.py's post_worker_init)."""
    from auth.eds import trust_store

    with app.app_context():
        trust_store()


def _init_extensions(app: Flask) -> None:
    # Every model module, so Alembic and create_all see the whole schema.
    import audit.models  # noqa: F401
    import auth.models  # noqa: F401
    import budgeting.models  # noqa: F401
    import budgeting.notifications  # noqa: F401  (registers the budget events)
    import kernel.territories  # noqa: F401
    import kernel.work_calendar  # noqa: F401
    import notifications.models  # noqa: F401
    import petitions.models  # noqa: F401
    import petitions.notifications  # noqa: F401  (registers the petition events)
    import workers.outbox  # noqa: F401
    from i18n import LANGUAGE_NAMES, select_locale

    db.init_app(app)
    integer_columns.register()
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _sqlite_transactions(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    _limits_on_routes_only(app)
    app.session_interface = jsonapi.ApiWithoutSessions()

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    @login_manager.user_loader
    def load_user(session_handle: str):
        # The cookie names a login session, not an account: one look-up by its key checks it is
        # live (not signed out, not expired, its certificate not revoked) and loads the user.
        from auth.services import user_of_login_session

        return user_of_login_session(session_handle, datetime.now(UTC))

    @app.before_request
    def _fresh_user():
        # Flask-Login keeps the loaded user on `g`, which a test client's requests (and CLI-made
        # contexts) can share: each request checks its own cookie's login session and roles anew.
        g.pop("_login_user", None)

    app.jinja_env.globals.update(LANGUAGE_NAMES=LANGUAGE_NAMES, get_locale=get_locale)

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


def _register_blueprints(app: Flask) -> None:
    from audit.views import bp as audit_views
    from auth.api import bp as auth_api
    from auth.views import bp as auth_views
    from budgeting.api import bp as budget_api
    from budgeting.officials import bp as budget_officials
    from budgeting.views import bp as budget_pages
    from i18n import bp as i18n_bp
    from notifications.api import bp as notifications_api
    from notifications.views import bp as notifications_views
    from openapi import bp as openapi_bp
    from petitions.api import bp as petitions_api
    from petitions.calendar_views import bp as calendar_views
    from petitions.exports import bp as exports_api
    from petitions.officials import bp as officials_views
    from petitions.pages import bp as petition_pages
    from petitions.views import bp as home_views

    for api in (auth_api, notifications_api, petitions_api, exports_api, budget_api, openapi_bp):
        csrf.exempt(api)  # the API authenticates by Bearer token, never by cookie
        app.register_blueprint(api)
    for blueprint in (
        home_views, petition_pages, officials_views, budget_pages, budget_officials, auth_views, notifications_views,
        calendar_views, audit_views, i18n_bp,
    ):
        app.register_blueprint(blueprint)


def _register_errors(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        if jsonapi.is_api_request():
            return jsonapi.error_response(error)
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


_SECURITY_HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
)


def _register_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        headers = response.headers
        present = {name.lower() for name in headers.keys()}  # one pass, not one per header
        wanted = list(_SECURITY_HEADERS)
        if request.is_secure:
            wanted.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
        if not jsonapi.is_api_request():
            wanted.append(("Content-Language", str(get_locale() or "kk")))
        for name, value in wanted:
            if name.lower() not in present:
                headers.add(name, value)
        return response


def _register_cli(app: Flask) -> None:
    from auth.cli import eds_cli, registry_cli, roles_cli
    from budgeting.cli import budget_cli
    from demo.seed import demo_cli
    from petitions.cli import calendar_cli

    for group in (registry_cli, eds_cli, roles_cli, calendar_cli, budget_cli, demo_cli):
        app.cli.add_command(group)
