"""Residents' budget pages: cycles, a cycle with its timeline, proposing, the ballot, the results."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

import i18n
from auth.acts import RURAL_BODY
from auth.models import OfficialAct
from auth.signed_form import process_signed_form
from budgeting import eligibility, page_queries, queries, services
from budgeting.countdown import voting_countdown
from budgeting.forms import (
    ACT_NAMES,
    BALLOT_NAMES,
    CATEGORY_NAMES,
    IMPLEMENTATION_NAMES,
    OFFICIAL_ROLE_NAMES,
    PHASE_NAMES,
    PROPOSAL_STATE_NAMES,
    RULE_NAMES,
    FollowForm,
    ProposalForm,
    SignedForm,
    field_errors,
)
from budgeting.funding_chart import funding_chart, funding_rows
from budgeting.models import BudgetCycle, Proposal
from budgeting.turnout import Turnout, turnout
from extensions import db
from kernel.disclosure import OTHER
from kernel.errors import DomainError
from kernel.territories import named_places, territory_chain
from web import clock
from web.forms import post_form

bp = Blueprint("budgeting", __name__)


def _locale() -> str:
    return str(get_locale() or "kk")


def money(amount: int | None) -> str:
    """Whole tenge, grouped the reader's way: «1 200 000 ₸» (kernel/local_formats.py:money)."""
    return i18n.money(amount)


def reason_text(reason: dict, titles: dict[int, str]) -> str:
    """Why a project was not funded, in the reader's language."""
    kind = reason.get("kind")
    if kind == "did_not_fit":
        return _("did not fit the %(left)s left", left=money(int(reason.get("left", 0))))
    if kind == "lost_tie":
        return _("lost the tie to «%(title)s»", title=titles.get(reason.get("to"), f"№ {reason.get('to')}"))
    if kind == "no_votes":
        return _("nobody voted for it")
    if kind in ("not_affordable", "not_affordable_by_supporters"):
        return _("its supporters' shares could not cover it")
    return _("not funded")


PERCENT = "#,##0.#%"  # as the petition pages write a share


def turnout_percent(figure: Turnout) -> str:
    """The turnout's percentage as its JSON gives it (to 0.1, half up); a few ballots of many are
    "less than 0.1 %", never "0 %"."""
    percent = figure.percent
    if percent is None:
        return ""
    if figure.voted and not percent:
        return _("less than %(percent)s", percent=i18n.format_percent(Decimal("0.001"), PERCENT))
    return i18n.format_percent(percent / 100, PERCENT)


@bp.app_context_processor
def budget_words() -> dict:
    return {
        "CATEGORY_NAMES": CATEGORY_NAMES, "PHASE_NAMES": PHASE_NAMES, "PROPOSAL_STATE_NAMES": PROPOSAL_STATE_NAMES,
        "IMPLEMENTATION_NAMES": IMPLEMENTATION_NAMES, "BALLOT_NAMES": BALLOT_NAMES, "RULE_NAMES": RULE_NAMES,
        "money": money, "ACT_NAMES": ACT_NAMES, "OFFICIAL_ROLE_NAMES": OFFICIAL_ROLE_NAMES,
        "format_number": i18n.format_number, "turnout_percent": turnout_percent,
    }


def load_cycle(cycle_id: int) -> BudgetCycle:
    cycle = db.session.get(BudgetCycle, cycle_id)
    if cycle is None:
        raise DomainError("not_found")
    return cycle


def cycle_place(cycle: BudgetCycle) -> str:
    return named_places({cycle.kato}, _locale())[cycle.kato]


def place_names(cycle: BudgetCycle) -> dict[str, str]:
    return dict(page_queries.villages(cycle, _locale()))


def proposal_acts(proposals: list[Proposal]) -> dict[int, list[OfficialAct]]:
    """Each proposal's signed acts, oldest first, in one query (the API's `acts`: auth.acts.acts_json)."""
    ids = [p.id for p in proposals]
    found: dict[int, list[OfficialAct]] = {}
    if ids:
        for act in db.session.scalars(
            select(OfficialAct)
            .where(OfficialAct.subject_type == "proposal", OfficialAct.subject_id.in_(ids))
            .order_by(OfficialAct.id)
        ):
            found.setdefault(act.subject_id, []).append(act)
    return found


def body_names(cycle: BudgetCycle) -> dict[str, str]:
    """What the acts of a cycle's proposals name as `official.body`, in the reader's language."""
    return {f"{RURAL_BODY}:{cycle.kato}": _("Akimat of %(place)s", place=cycle_place(cycle))}


@bp.get("/budget")
def index():
    now = clock.now()
    cycles = queries.cycles()
    names = named_places({c.kato for c in cycles}, _locale())
    return render_template("budgeting/list.html", rows=[(c, names[c.kato], c.phase_at(now)) for c in cycles])


def proposing_refusal(user, cycle: BudgetCycle) -> DomainError | None:
    """Why the signed-in `user` may not propose in the cycle, or None (budgeting/eligibility.py)."""
    return eligibility.to_propose(user.person.birth_date, user.person.kato, cycle, clock.now())


def voting_refusal(user, cycle: BudgetCycle) -> DomainError | None:
    """Why the signed-in `user` may not vote in the cycle, or None: not of age, not a resident, or voted."""
    refusal = eligibility.to_vote(user.person.birth_date, user.person.kato, cycle, clock.now())
    if refusal is None and services.has_voted(cycle.id, user.iin):
        refusal = DomainError("already_voted")
    return refusal


@bp.get("/budget/<int:cycle_id>")
def show(cycle_id: int):
    cycle = load_cycle(cycle_id)
    now = clock.now()
    viewer = current_user if current_user.is_authenticated else None
    proposals = queries.proposals(cycle.id, include_drafts_of=viewer.iin if viewer else None)
    phase = cycle.phase_at(now)
    # what a signed-in reader may not do in this phase, said instead of its button
    refusal = None
    if viewer and phase == "proposals":
        refusal = proposing_refusal(viewer, cycle)
    elif viewer and phase == "voting":
        refusal = voting_refusal(viewer, cycle)
    return render_template(
        "budgeting/show.html", cycle=cycle, place=cycle_place(cycle), phase=phase, refusal=refusal,
        steps=page_queries.timeline(cycle, now), proposals=proposals, villages=place_names(cycle),
        acts=proposal_acts(proposals), body_names=body_names(cycle),
        turnout=turnout(cycle, now), countdown=voting_countdown(cycle.voting_open, cycle.voting_close, now),
        follow_form=FollowForm(),
        following=bool(viewer) and page_queries.follows(cycle.id, viewer.id),
        resident=bool(viewer) and cycle.kato in territory_chain(viewer.person.kato),
        officer=bool(viewer) and viewer.has_role("budget_officer", cycle.kato),
        secretary=bool(viewer) and viewer.has_role("secretary", cycle.kato),
    )


@bp.post("/budget/<int:cycle_id>/follow")
@login_required
def follow(cycle_id: int):
    cycle = load_cycle(cycle_id)
    posted = post_form(
        FollowForm(), lambda: services.follow(cycle, current_user),
        done_message=_("You will be told when the budget moves to a new phase and when the results are published."),
        refusal_message=lambda error: _("Only residents of this rural district can follow its budget.")
        if error.code == "not_resident" else None,
    )
    if not posted.done and posted.error is None:  # the form itself was refused (its CSRF token)
        raise DomainError("validation_error")
    return redirect(url_for("budgeting.show", cycle_id=cycle.id))


@bp.post("/budget/<int:cycle_id>/unfollow")
@login_required
def unfollow(cycle_id: int):
    cycle = load_cycle(cycle_id)
    posted = post_form(
        FollowForm(), lambda: services.unfollow(cycle, current_user),
        done_message=_("You no longer follow this budget."),
    )
    if not posted.done and posted.error is None:  # the form itself was refused (its CSRF token)
        raise DomainError("validation_error")
    return redirect(url_for("budgeting.show", cycle_id=cycle.id))


def _phase_gate(cycle: BudgetCycle, phase: str, message: str) -> None:
    if cycle.phase_at(clock.now()) != phase:
        raise DomainError("wrong_state", message)


@bp.route("/budget/<int:cycle_id>/propose", methods=["GET", "POST"])
@login_required
def propose(cycle_id: int):
    cycle = load_cycle(cycle_id)
    _phase_gate(cycle, "proposals", _("Proposals are accepted only while the proposal phase is open."))
    form = ProposalForm()
    refusal = proposing_refusal(current_user, cycle)
    if refusal is not None:  # said before anything is typed, and no form
        page = render_template("budgeting/propose.html", cycle=cycle, place=cycle_place(cycle), form=form, refusal=refusal)
        return page, refusal.status if request.method == "POST" else 200
    villages = page_queries.villages(cycle, _locale())
    form.settlement.choices = [("", _("Choose the village")), *villages]
    if not form.is_submitted():  # the village the registry says the resident lives in, if it is one of these
        form.settlement.data = current_user.person.kato if current_user.person.kato in dict(villages) else ""

    def save():
        data = {
            "title": form.title.data, "description": form.description.data, "category": form.category.data,
            "settlement": form.settlement.data, "cost": form.cost.data, "petition": form.petition.data,
        }
        return services.create_proposal(cycle, current_user, data, clock.now())

    posted = post_form(
        form, save,
        done_message=_("Draft saved. Read it once more, then sign and submit it."), field_errors=field_errors,
    )
    if posted.done:
        return redirect(url_for("budgeting.submit", proposal_id=posted.result.id))
    return render_template("budgeting/propose.html", cycle=cycle, place=cycle_place(cycle), form=form), posted.status


@bp.route("/budget/proposals/<int:proposal_id>/submit", methods=["GET", "POST"])
@login_required
def submit(proposal_id: int):
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.author_iin != current_user.iin:
        raise DomainError("not_found")
    cycle = load_cycle(proposal.cycle_id)
    if proposal.state != "draft":
        return redirect(url_for("budgeting.show", cycle_id=cycle.id))
    form = SignedForm()
    response, status = process_signed_form(
        form,
        lambda: services.submit_proposal(proposal, current_user, form.jws.data, clock.now()),
        done_message=_("Your proposal is signed and submitted. The budget officer screens it before voting."),
        done_url=lambda: url_for("budgeting.show", cycle_id=cycle.id, _anchor=f"proposal-{proposal.id}"),
    )
    if response:
        return response
    return render_template(
        "budgeting/submit.html", cycle=cycle, proposal=proposal, form=form, villages=place_names(cycle),
        phase=cycle.phase_at(clock.now()),
    ), status


@bp.get("/budget/<int:cycle_id>/vote")
def vote(cycle_id: int):
    cycle = load_cycle(cycle_id)
    _phase_gate(cycle, "voting", _("The ballot is open only during the voting phase."))
    projects = list(services.eligible_projects(cycle.id).values())
    # anyone may vote here (the JWS names the voter); a signed-in reader who may not reads why, with no ballot
    refusal = voting_refusal(current_user, cycle) if current_user.is_authenticated else None
    return render_template(
        "budgeting/vote.html", cycle=cycle, place=cycle_place(cycle), projects=projects, villages=place_names(cycle),
        countdown=voting_countdown(cycle.voting_open, cycle.voting_close, clock.now()),
        refusal=refusal,
    )


@dataclass(frozen=True)
class VillageRow:
    """One table of votes by village: `key` is the KATO, or "other" for the villages merged."""

    key: str
    name: str
    ballots: int
    votes: list[tuple[Proposal, int]]  # every project on the ballot, most votes first


def village_rows(by_village: queries.VotesByVillage, names: dict[str, str], proposals: list[Proposal]) -> list[VillageRow]:
    """The shown villages by name, then "other villages"; each lists every project, a 0 too."""
    all_names = {**named_places(set(by_village.villages), _locale()), **names}

    def row(key: str, name: str, village: queries.VillageVotes) -> VillageRow:
        votes = sorted(((p, village.votes.get(p.id, 0)) for p in proposals), key=lambda pair: (-pair[1], pair[0].id))
        return VillageRow(key, name, village.ballots, votes)

    rows = sorted((row(kato, all_names[kato], v) for kato, v in by_village.villages.items()),
                  key=lambda r: r.name)
    if by_village.other is not None:
        rows.append(row(OTHER, _("Other villages"), by_village.other))
    return rows


def _chart_facts(outcomes: list[page_queries.Outcome]) -> list[tuple[int, str, int, int]]:
    return [(o.proposal.id, o.proposal.title, o.votes, o.proposal.checked_cost or 0) for o in outcomes]


@bp.get("/budget/<int:cycle_id>/results")
def results(cycle_id: int):
    cycle = load_cycle(cycle_id)
    if cycle.result is None:
        raise DomainError("wrong_state", _("The results are published when voting has closed and the count has run."))
    proposals = [p for p in queries.proposals(cycle.id) if p.state == "eligible"]
    funded, not_funded = page_queries.outcome(cycle, proposals)
    titles = {p.id: p.title for p in proposals}
    rows = funding_rows(_chart_facts(funded), _chart_facts(not_funded))
    villages = place_names(cycle)
    by_village = queries.votes_by_village(cycle.id, current_app.config["BUDGET_MIN_CELL"])
    greedy = [titles[pid] for pid in cycle.result.get("greedy_funded", []) if pid in titles]
    spent = sum(o.proposal.checked_cost or 0 for o in funded)
    return render_template(
        "budgeting/results.html", cycle=cycle, place=cycle_place(cycle), funded=funded, not_funded=not_funded,
        reasons={o.proposal.id: reason_text(o.reason, titles) for o in not_funded},
        chart=funding_chart(rows, cycle.result.get("amount", cycle.amount)), funding=rows,
        village_rows=village_rows(by_village, villages, proposals), villages_withheld=by_village.withheld,
        villages_merged=by_village.other is not None, village_minimum=by_village.minimum,
        villages=villages, greedy=greedy, spent=spent,
        same_as_greedy=set(cycle.result.get("greedy_funded", [])) == set(cycle.result.get("funded", [])),
        pb_name=f"dauys-{cycle.kato}-{cycle.year}.pb", turnout=turnout(cycle, clock.now()),
        implementation_spent=sum(o.proposal.spent or 0 for o in funded),
    )
