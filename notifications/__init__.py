"""Notifications: the in-app inbox and e-mail deliveries made from outbox events."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire the notifications into `app`: their tables, the inbox's API and page, its part of the API
    document. The event kinds they fan out are registered by the features whose events they are."""
    import notifications.models  # noqa: F401  (their tables, for Alembic and create_all)
    import openapi
    from extensions import csrf
    from notifications import api, api_doc, views

    csrf.exempt(api.bp)  # the API authenticates by Bearer token, never by cookie
    app.register_blueprint(api.bp)
    app.register_blueprint(views.bp)
    openapi.add(app, api_doc.paths())
