"""The public log: one append-only Merkle log (RFC 9162) of every accepted signature, ballot, act and
rating, with signed heads, inclusion and consistency proofs (API.md, "The public log")."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire the log into `app`: its tables, its API, `flask log`, the job that integrates and signs
    (often enough that an entry is in a signed head within DAUYS_LOG_HEAD_SECONDS) and its part of
    the API document."""
    import config
    import openapi
    import publiclog.models  # noqa: F401  (its tables, for Alembic and create_all)
    from extensions import csrf
    from publiclog import api, api_doc, cli
    from publiclog.integrate import period
    from workers import schedule

    csrf.exempt(api.bp)  # the API authenticates by Bearer token, never by cookie
    app.register_blueprint(api.bp)
    app.cli.add_command(cli.log_cli)
    head_seconds = app.config.get("LOG_HEAD_SECONDS", config.DEFAULTS["LOG_HEAD_SECONDS"])
    schedule.every(app, period(head_seconds), "publiclog.jobs.tick")
    openapi.add(app, api_doc.paths(), api_doc.SCHEMAS)
