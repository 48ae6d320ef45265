"""How the audit page words the budget's actions (audit/wording.py): the proposal by its title, the
ballot by its number, the budget by its village and year, money as money."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from audit.models import AuditEntry
from audit.wording import Subject, Words, detail
from budgeting.forms import IMPLEMENTATION_NAMES
from budgeting.models import BudgetCycle, Proposal
from budgeting.pages import cycle_place, money
from extensions import db


def _cycle(cycle_id: object) -> str:
    cycle = db.session.get(BudgetCycle, cycle_id) if isinstance(cycle_id, int) else None
    if cycle is None:
        return _("Village budget No. %(id)s", id=cycle_id)
    return _("Village budget %(year)d: %(place)s", year=cycle.year, place=cycle_place(cycle))


def _eligible(eligible: object) -> str:
    return _("Eligible: on the ballot") if eligible else _("Not eligible")


VOTER_CHECK_RESULTS = {
    "eligible": _l("May vote: the name was shown"),
    "already_voted": _l("Has already voted: the name was shown"),
    "not_resident": _l("Not a resident of the rural district"),
    "not_eligible": _l("Not in the registry or under age"),
    "own_ballot": _l("The secretary's own IIN"),
}


def _voter_check(result: object) -> str:
    return str(VOTER_CHECK_RESULTS.get(str(result), result))


def _status(status: object) -> str:
    return str(IMPLEMENTATION_NAMES.get(str(status), _("another status")))


ACTIONS = {
    "proposal.screen": Words(
        _l("Budget proposal screened"),
        (
            detail("cycle", _l("Budget"), _cycle),
            detail("eligible", _l("Decision"), _eligible),
            detail("cost", _l("Checked cost"), money),
            detail("reason", _l("Reason")),
        ),
    ),
    "proposal.implementation": Words(
        _l("Implementation updated"),
        (detail("status", _l("Status"), _status), detail("spent", _l("Money spent"), money)),
    ),
    "ballot.paper": Words(
        _l("Paper ballot recorded"),
        (detail("cycle", _l("Budget"), _cycle), detail("receipt", _l("Receipt"))),
    ),
    "ballot.voter_check": Words(
        _l("Voter looked up in the registry for a paper ballot"),
        (detail("cycle", _l("Budget"), _cycle), detail("result", _l("Answer"), _voter_check)),
        named=("name",),
    ),
}


def proposals_named(entries: list[AuditEntry]) -> dict[int, Subject]:
    """Each entry's proposal by its title, linked to it on its budget's page."""
    ids = {int(e.subject_id) for e in entries if e.subject_id.isdigit()}
    rows = {p.id: p for p in db.session.scalars(select(Proposal).where(Proposal.id.in_(ids)))}
    named = {}
    for entry in entries:
        proposal = rows.get(int(entry.subject_id)) if entry.subject_id.isdigit() else None
        if proposal is None:
            named[entry.id] = Subject(_("Proposal No. %(id)s", id=entry.subject_id))
            continue
        url = url_for("budgeting.show", cycle_id=proposal.cycle_id, _anchor=f"proposal-{proposal.id}")
        named[entry.id] = Subject(_("Proposal"), proposal.title, url)
    return named


def ballots_named(entries: list[AuditEntry]) -> dict[int, Subject]:
    """A paper ballot by its number (what it chose is secret: the page never shows it)."""
    return {entry.id: Subject(_("Paper ballot No. %(id)s", id=entry.subject_id)) for entry in entries}


SUBJECTS = {"proposal": proposals_named, "ballot": ballots_named}
