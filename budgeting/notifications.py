"""Who hears about a budget cycle: proposers about screening; followers about phases and results;
the signers of a petition who asked to be told, when a proposal taking it up is funded."""

from __future__ import annotations

from datetime import datetime

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from auth.models import User
from auth.services import account_for
from budgeting import petition_links
from budgeting.models import BudgetCycle, BudgetFollower, Proposal
from extensions import db
from kernel.territories import territory_names
from notifications.events import EventKind, Link, audience, register, together
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


def _proposers(payload: dict, now: datetime) -> list[User]:
    authors = db.session.scalars(
        select(Proposal.author_iin).where(Proposal.cycle_id == payload["cycle_id"], Proposal.state != "draft")
    )
    return [account_for(iin, now) for iin in sorted(set(authors))]


PROPOSER = audience("own", _proposer)
FOLLOWERS = audience("budget", _followers)  # who follows the cycle: by the button, or by voting in it


def _context(payload: dict) -> dict:
    return {
        "cycle": db.session.get(BudgetCycle, payload["cycle_id"]),
        "proposal": db.session.get(Proposal, payload["proposal_id"]) if payload.get("proposal_id") else None,
    }


# The signers of the petition the funded proposal takes up who asked to hear how it goes, and its
# followers: the petitions' own rule (petitions/notifications.py:citizens).
_PETITION_CITIZENS = petition_notifications.citizens(opted_in_only=True)


def _funded_context(payload: dict) -> dict:
    return {**_context(payload), **petition_notifications.context(payload)}


def _cycle_link(endpoint: str = "budgeting.show"):
    """The inbox item's link: the cycle's page (or its results), named by its year and place."""

    def link(_payload: dict, found: dict) -> Link | None:
        cycle = found.get("cycle")
        if cycle is None:
            return None
        place = territory_names({cycle.kato}, str(get_locale() or "kk")).get(cycle.kato, cycle.kato)
        return Link(_("%(place)s: the %(year)s village budget", place=place, year=cycle.year), endpoint,
                    {"cycle_id": cycle.id})

    return link


def _proposal_link(_payload: dict, found: dict) -> Link | None:
    """The inbox item's link: the proposal on its cycle's page."""
    cycle, proposal = found.get("cycle"), found.get("proposal")
    if cycle is None or proposal is None:
        return None
    return Link(_("Budget proposal No. %(id)s", id=proposal.id), "budgeting.show", {"cycle_id": cycle.id},
                title=proposal.title, anchor=f"proposal-{proposal.id}")


def register_kinds() -> None:
    """Tell the notifications which budget events there are (budgeting.init_app calls it)."""
    register("budget.proposal_screened", EventKind(PROPOSER, _l("Your budget proposal was screened"), "budget_proposal_screened", _context, _proposal_link))
    register("budget.phase_changed", EventKind(FOLLOWERS, _l("The village budget moved to a new phase"), "budget_phase_changed", _context, _cycle_link()))
    register(
        "budget.results",
        EventKind(together(FOLLOWERS, audience("own", _proposers)), _l("The village budget results are published"), "budget_results", _context,
                  _cycle_link("budgeting.results")),
    )
    register(
        petition_links.FUNDED_EVENT,
        EventKind(_PETITION_CITIZENS, _l("A budget project taking up a petition you signed is funded"),
                  "budget_petition_proposal_funded", _funded_context, _proposal_link,
                  subjects={"followed": _l("A budget project taking up a petition you follow is funded")}),
    )
