"""Who hears about a budget cycle: proposers about screening; followers about phases and results."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from auth.models import User
from auth.services import account_for
from budgeting.models import BudgetCycle, BudgetFollower, Proposal
from extensions import db
from notifications.events import EventKind, register


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


def register_kinds() -> None:
    """Tell the notifications which budget events there are (budgeting.init_app calls it)."""
    register("budget.proposal_screened", EventKind(_proposer, _l("Your budget proposal was screened"), "budget_proposal_screened", _context))
    register("budget.phase_changed", EventKind(_followers, _l("The village budget moved to a new phase"), "budget_phase_changed", _context))
    register("budget.results", EventKind(_followers_and_proposers, _l("The village budget results are published"), "budget_results", _context))
