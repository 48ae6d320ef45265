"""Who hears about a budget cycle: proposers about screening; followers about phases and results;
the signers of a petition who asked to be told, when a proposal taking it up is funded."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from auth.models import User
from auth.services import account_for
from budgeting import petition_links
from budgeting.models import BudgetCycle, BudgetFollower, Proposal
from extensions import db
from notifications.events import EventKind, register
from petitions import notifications as petition_notifications


def _proposer(payload: dict, now: datetime) -> list[User]:
    proposal = db.session.get(Proposal, payload["proposal_id"])
    return [account_for(proposal.author_iin, now)] if proposal else []


def _followers(payload: dict, _now: datetime) -> list[User]:
    return list(
        db.session.scalars(
            select(User).join(BudgetFollower, BudgetFollower.user_id == User.id).where(
                BudgetFollower.cycle_id == payload["cycle_id"]
            )
        )
    )


def _followers_and_proposers(payload: dict, now: datetime) -> list[User]:
    authors = db.session.scalars(
        select(Proposal.author_iin).where(Proposal.cycle_id == payload["cycle_id"], Proposal.state != "draft")
    )
    return _followers(payload, now) + [account_for(iin, now) for iin in sorted(set(authors))]


def _context(payload: dict) -> dict:
    return {
        "cycle": db.session.get(BudgetCycle, payload["cycle_id"]),
        "proposal": db.session.get(Proposal, payload["proposal_id"]) if payload.get("proposal_id") else None,
    }


def _opted_in_signers(payload: dict, _now: datetime) -> list[User]:
    """The signers of the petition the funded proposal takes up who asked to hear how it goes."""
    return petition_notifications.signers(payload, opted_in_only=True)


def _funded_context(payload: dict) -> dict:
    return {**_context(payload), **petition_notifications.context(payload)}


def register_kinds() -> None:
    """Tell the notifications which budget events there are (budgeting.init_app calls it)."""
    register("budget.proposal_screened", EventKind(_proposer, _l("Your budget proposal was screened"), "budget_proposal_screened", _context))
    register("budget.phase_changed", EventKind(_followers, _l("The village budget moved to a new phase"), "budget_phase_changed", _context))
    register("budget.results", EventKind(_followers_and_proposers, _l("The village budget results are published"), "budget_results", _context))
    register(
        petition_links.FUNDED_EVENT,
        EventKind(_opted_in_signers, _l("A budget project taking up a petition you signed is funded"),
                  "budget_petition_proposal_funded", _funded_context),
    )
