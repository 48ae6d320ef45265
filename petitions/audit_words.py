"""How the audit page words the petitions' actions and the calendar's (audit/wording.py): the petition
by its title, a decision, reason or date in the reader's words."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from audit.models import AuditEntry
from audit.wording import Subject, Words, detail
from extensions import db
from i18n import format_date, format_datetime, format_number
from petitions import labels, rules
from petitions.models import Petition

MODERATION_DECISIONS: dict[str, Any] = {"approve": _l("Approved"), "reject": _l("Rejected")}


def _named(names: Mapping[str, Any], code: object) -> str:
    return str(names.get(str(code), _("another value")))


def _moment(text: str) -> str:
    try:
        return format_datetime(datetime.fromisoformat(text), "medium")
    except (TypeError, ValueError):
        return str(text)


def _day(text: str) -> str:
    try:
        return format_date(date.fromisoformat(text), "long")
    except (TypeError, ValueError):
        return str(text)


ACTIONS = {
    "petition.moderate": Words(
        _l("Petition moderated"),
        (
            detail("decision", _l("Decision"), lambda code: _named(MODERATION_DECISIONS, code)),
            detail("reason", _l("Reason"), lambda code: _named(rules.REJECTION_REASONS, code)),
        ),
    ),
    "petition.schedule_discussion": Words(
        _l("Public discussion scheduled"),
        (detail("at", _l("When"), _moment), detail("place", _l("Place"))),
    ),
    "petition.answer": Words(
        _l("Petition answered"),
        (detail("decision", _l("Decision"), lambda code: _named(labels.DECISION_NAMES, code)),),
    ),
    "petition.follow_up": Words(_l("Follow-up answer published")),
    "petition.report": Words(_l("Report on measures published"), (detail("done", _l("Measures done"), format_number),)),
}

CALENDAR_ACTIONS = {
    "calendar.transfer": Words(
        _l("Calendar transfer entered"),
        (
            detail("working", _l("The day becomes"), lambda working: _("a working day") if working else _("a day off")),
            detail("note", _l("Note")),
        ),
    ),
    "calendar.remove_transfer": Words(_l("Calendar transfer removed")),
}


def petitions_named(entries: list[AuditEntry]) -> dict[int, Subject]:
    """Each entry's petition by its title, linked to its page."""
    ids = {int(e.subject_id) for e in entries if e.subject_id.isdigit()}
    titles = dict(db.session.execute(select(Petition.id, Petition.title).where(Petition.id.in_(ids))).all())
    named = {}
    for entry in entries:
        number = int(entry.subject_id) if entry.subject_id.isdigit() else None
        if number in titles:
            url = url_for("petitions.show", petition_id=number)
            named[entry.id] = Subject(_("Petition"), titles[number], url)
        else:
            named[entry.id] = Subject(_("Petition No. %(id)s", id=entry.subject_id))
    return named


def days_named(entries: list[AuditEntry]) -> dict[int, Subject]:
    """The day a calendar entry is about, as a date is written."""
    return {entry.id: Subject(_("Day"), _day(entry.subject_id)) for entry in entries}


SUBJECTS = {"petition": petitions_named}
CALENDAR_SUBJECTS = {"day": days_named}
