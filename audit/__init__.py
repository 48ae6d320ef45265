"""The audit log: who did what to whom, when and from where; append-only."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire the audit log into `app`: its table, the admins' page, which admins land on after signing in. The actions it records are
    registered by the features that take them (audit.services.register_actions)."""
    import audit.models  # noqa: F401  (its table, for Alembic and create_all)
    from audit.views import admin_landing, bp
    from auth import landing

    app.register_blueprint(bp)
    landing.register(app, "admin", admin_landing)
