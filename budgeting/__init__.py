"""Rural participatory budgeting: cycles, proposals, screening, ballots and tallies."""

from __future__ import annotations

from flask import Flask

AUDIT_ACTIONS = ("proposal.screen", "proposal.implementation", "ballot.paper", "ballot.voter_check")


def init_app(app: Flask) -> None:
    """Wire budgeting into `app`: its tables, its API and pages, `flask budget`, its notification kinds,
    the minute job of its phases, its audit actions (and how the audit page words them), its part of
    the API document, the proposals a petition's JSON and page list (petitions/citations.py), and the
    pages officers and secretaries land on."""
    import budgeting.models  # noqa: F401  (its tables, for Alembic and create_all)
    import openapi
    from audit import wording
    from audit.services import register_actions
    from auth import landing
    from budgeting import api, api_doc, audit_words, cli, notifications, officials, pages, petition_links
    from extensions import csrf
    from petitions import citations
    from workers import schedule

    csrf.exempt(api.bp)  # the API authenticates by Bearer token, never by cookie
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(officials.bp)
    app.cli.add_command(cli.budget_cli)
    notifications.register_kinds()
    schedule.every(app, 60, "budgeting.jobs.tick")
    register_actions(*AUDIT_ACTIONS)
    wording.register(app, audit_words.ACTIONS, audit_words.SUBJECTS)
    openapi.add(app, api_doc.paths(), api_doc.SCHEMAS)
    citations.register("budget_proposals", petition_links.budget_proposals)
    landing.register(app, "budget_officer", officials.officer_landing)
    landing.register(app, "secretary", officials.secretary_landing)
