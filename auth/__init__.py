"""Identity: the simulated NCA, EDS verification, the population registry, login and roles."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from flask import Flask, g

AUDIT_ACTIONS = ("role.grant", "role.withdraw", "certificate.revoke", "certificate.issue_official")


def init_app(app: Flask) -> None:
    """Wire auth into `app`: its tables, the page login, its API and pages, `flask registry|eds|roles`,
    its audit actions (and how the audit page words them), its part of the API document, and the trust
    store a web worker loads first."""
    import auth.models  # noqa: F401  (its tables, for Alembic and create_all)
    import openapi
    from audit import wording
    from audit.services import register_actions
    from auth import api, api_doc, audit_words, cli, views
    from extensions import csrf

    _init_login(app)
    csrf.exempt(api.bp)  # the API authenticates by Bearer token, never by cookie
    app.register_blueprint(api.bp)
    app.register_blueprint(views.bp)
    for group in (cli.registry_cli, cli.eds_cli, cli.roles_cli):
        app.cli.add_command(group)
    register_actions(*AUDIT_ACTIONS)
    wording.register(app, audit_words.ACTIONS, audit_words.SUBJECTS)
    openapi.add(app, api_doc.paths(), api_doc.SCHEMAS)
    # What a web worker loads before its first request (gunicorn.conf.py's post_worker_init).
    app.extensions["dauys.warm_up"] = functools.partial(_warm_up, app)


def _init_login(app: Flask) -> None:
    from extensions import login_manager

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    @login_manager.unauthorized_handler
    def _sign_in_first():
        # Every page that needs a signed-in user comes here: Flask-Login's login_required, and a
        # DomainError("unauthorized") raised on a page (factory.py); the API never does (401 JSON).
        from auth.views import sign_in_first

        return sign_in_first()

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


def _warm_up(app: Flask) -> None:
    from auth.eds import trust_store

    with app.app_context():
        trust_store()
