"""The working-day calendar's admin, a feature of its own: the transfers an admin enters or removes
(petitions/calendar.py), on its pages (calendar_views) and with `flask calendar` (cli), each audited.

The calendar in force is the kernel's (kernel/work_calendar.py): its table is wired with the database.
"""

from __future__ import annotations

from flask import Flask

AUDIT_ACTIONS = ("calendar.transfer", "calendar.remove_transfer")


def init_app(app: Flask) -> None:
    """Wire the calendar's admin into `app`: its pages, `flask calendar` and its audit actions (worded
    for the audit page)."""
    from audit import wording
    from audit.services import register_actions
    from petitions import audit_words
    from petitions.calendar_views import bp
    from petitions.cli import calendar_cli

    app.register_blueprint(bp)
    app.cli.add_command(calendar_cli)
    register_actions(*AUDIT_ACTIONS)
    wording.register(app, audit_words.CALENDAR_ACTIONS, audit_words.CALENDAR_SUBJECTS)
