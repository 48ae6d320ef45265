"""E-petitions: drafting, moderation, signing, thresholds, review and answers."""

from __future__ import annotations

from flask import Flask

AUDIT_ACTIONS = (
    "petition.moderate",
    "petition.schedule_discussion",
    "petition.answer",
    "petition.follow_up",
    "petition.report",
)


def init_app(app: Flask) -> None:
    """Wire petitions into `app`: its tables, its API (with the open data, the body record and the
    calendar it is counted on) and pages, its notification kinds, the minute job of its deadlines, its
    audit actions (and how the audit page words them), its part of the API document and the queues
    moderators and reviewers land on.
    The working-day calendar's admin, which lives here too, is a feature of its own (calendar_admin)."""
    import openapi
    import petitions.models  # noqa: F401  (its tables, for Alembic and create_all)
    import petitions.sharing  # noqa: F401  (the receipt, poster and short-link pages, on pages.bp)
    from audit import wording
    from audit.services import register_actions
    from auth import landing
    from extensions import csrf
    from petitions import api, api_doc, audit_words, exports, notifications, officials, pages, statistics_api
    from workers import schedule

    for api_bp in (api.bp, exports.bp, statistics_api.bp):
        csrf.exempt(api_bp)  # the API authenticates by Bearer token, never by cookie
        app.register_blueprint(api_bp)
    for blueprint in (pages.bp, officials.bp):
        app.register_blueprint(blueprint)
    notifications.register_kinds()
    schedule.every(app, 60, "petitions.jobs.tick")
    register_actions(*AUDIT_ACTIONS)
    wording.register(app, audit_words.ACTIONS, audit_words.SUBJECTS)
    openapi.add(app, api_doc.paths(), api_doc.SCHEMAS)
    landing.register(app, "moderator", officials.moderator_landing)
    landing.register(app, "reviewer", officials.reviewer_landing)
