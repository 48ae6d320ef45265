"""Budget officials' pages: the officer creates a cycle, screens proposals and tracks funded items; the secretary records paper ballots."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from auth.access import role_required
from budgeting import page_queries, queries, services
from budgeting.forms import CycleForm, ImplementationForm, PaperBallotForm, ScreenForm, field_errors
from budgeting.models import BudgetCycle, Proposal
from budgeting.views import cycle_place, load_cycle, place_names
from extensions import db
from kernel import instants
from kernel.errors import DomainError
from kernel.kazakhstan_time import KAZAKHSTAN

bp = Blueprint("budget_officials", __name__)


def _now() -> datetime:
    return datetime.now(UTC)


def _locale() -> str:
    return str(get_locale() or "kk")


def _kato_of_cycle(cycle_id: int) -> str:
    return load_cycle(cycle_id).kato


def _kato_of_proposal(proposal_id: int) -> str:
    return load_cycle(_proposal(proposal_id).cycle_id).kato


def _proposal(proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.state == "draft":  # a draft is its author's alone
        raise DomainError("not_found")
    return proposal


# --- a new cycle --------------------------------------------------------------------


def _instant(value: datetime) -> datetime:
    # The officer types Astana wall-clock time (its year checked by the form); the service wants instants.
    return instants.wall_clock(value, KAZAKHSTAN)


@bp.route("/budget/new", methods=["GET", "POST"])
@role_required("budget_officer")
def new_cycle():
    form = CycleForm()
    form.kato.choices = page_queries.rural_districts(current_user, _locale())
    if form.year.data is None and not form.is_submitted():
        form.year.data = _now().astimezone(KAZAKHSTAN).year
    status = 200
    if form.validate_on_submit():
        if not current_user.has_role("budget_officer", form.kato.data):
            raise DomainError("forbidden")
        approval = form.ballot.data == "approval"
        try:
            cycle = services.create_cycle(
                kato=form.kato.data, year=form.year.data, amount=form.amount.data, ballot=form.ballot.data,
                rule=form.rule.data, min_choices=form.min_choices.data if approval else None,
                max_choices=form.max_choices.data if approval else None,
                proposals_open=_instant(form.proposals_open.data), proposals_close=_instant(form.proposals_close.data),
                voting_open=_instant(form.voting_open.data), voting_close=_instant(form.voting_close.data), now=_now(),
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            field_errors(form, error.fields)
            flash(error.message, "error")
            status = error.status
        else:
            flash(_("The budget cycle is created. Its rules cannot change once proposals open."), "success")
            return redirect(url_for("budgeting.show", cycle_id=cycle.id))
    elif form.errors:
        status = 422
    return render_template("budgeting/new.html", form=form), status


# --- screening and implementation -----------------------------------------------------


def _screening_page(cycle: BudgetCycle, forms: dict | None = None, status: int = 200):
    now = _now()
    phase = cycle.phase_at(now)
    proposals = [p for p in queries.proposals(cycle.id) if p.state != "draft"]
    screen_forms, impl_forms = {}, {}
    funded = (cycle.result or {}).get("funded", [])
    own = {p.id for p in proposals if services.is_own(p, current_user)}
    for p in proposals:
        prefix = f"p{p.id}"
        if p.id in own:  # another officer decides on it: the page says so instead of offering the forms
            continue
        if phase in ("proposals", "screening"):
            form = (forms or {}).get(("screen", p.id)) or ScreenForm(prefix=prefix, formdata=None)
            if form.decision.data is None and p.state in ("eligible", "ineligible"):
                form.decision.data = p.state
            if form.cost.data is None:
                form.cost.data = p.checked_cost or p.cost
            if form.reason.data is None:
                form.reason.data = p.ineligible_reason
            screen_forms[p.id] = form
        if p.id in funded:
            form = (forms or {}).get(("impl", p.id)) or ImplementationForm(prefix=prefix, formdata=None)
            if not form.status.data or form.status.data == "None":
                form.status.data = p.implementation or "planned"
            if form.spent.data is None:
                form.spent.data = p.spent or 0
            impl_forms[p.id] = form
    waiting = sum(p.state == "submitted" for p in proposals)
    return render_template(
        "budgeting/screening.html", cycle=cycle, place=cycle_place(cycle), phase=phase, proposals=proposals,
        screen_forms=screen_forms, impl_forms=impl_forms, villages=place_names(cycle), waiting=waiting, own=own,
    ), status


@bp.get("/budget/<int:cycle_id>/screening")
@role_required("budget_officer", scope=_kato_of_cycle)
def screening(cycle_id: int):
    return _screening_page(load_cycle(cycle_id))


@bp.post("/budget/proposals/<int:proposal_id>/screening")
@role_required("budget_officer", scope=_kato_of_proposal)
def screen(proposal_id: int):
    proposal = _proposal(proposal_id)
    cycle = load_cycle(proposal.cycle_id)
    form = ScreenForm(prefix=f"p{proposal.id}")
    if not form.validate_on_submit():
        return _screening_page(cycle, {("screen", proposal.id): form}, 422)
    eligible = form.decision.data == "eligible"
    try:
        services.screen(
            proposal, current_user, eligible=eligible, cost=form.cost.data if eligible else None,
            reason=None if eligible else (form.reason.data or ""), now=_now(),
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        field_errors(form, error.fields)
        flash(error.message, "error")
        return _screening_page(cycle, {("screen", proposal.id): form}, error.status)
    flash(_("«%(title)s» is on the ballot.", title=proposal.title) if eligible
          else _("«%(title)s» is marked not eligible; the proposer is told why.", title=proposal.title), "success")
    return redirect(url_for("budget_officials.screening", cycle_id=cycle.id, _anchor=f"proposal-{proposal.id}"))


@bp.post("/budget/proposals/<int:proposal_id>/implementation")
@role_required("budget_officer", scope=_kato_of_proposal)
def implementation(proposal_id: int):
    proposal = _proposal(proposal_id)
    cycle = load_cycle(proposal.cycle_id)
    form = ImplementationForm(prefix=f"p{proposal.id}")
    if not form.validate_on_submit():
        return _screening_page(cycle, {("impl", proposal.id): form}, 422)
    try:
        services.set_implementation(proposal, current_user, status=form.status.data, spent=form.spent.data)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        field_errors(form, error.fields)
        flash(error.message, "error")
        return _screening_page(cycle, {("impl", proposal.id): form}, error.status)
    flash(_("Saved: the results page shows the new status."), "success")
    return redirect(url_for("budget_officials.screening", cycle_id=cycle.id, _anchor=f"proposal-{proposal.id}"))


# --- paper ballots --------------------------------------------------------------------


PAPER_MESSAGES = {
    "already_voted": lambda: _("This person has already voted in this budget, online or on paper. The ballot is not recorded."),
    "not_resident": lambda: _("By the population registry this person does not live in this rural district. The ballot is not recorded."),
    "not_eligible": lambda: _("This IIN is not in the population registry, or the person is under 18. The ballot is not recorded."),
}


@bp.route("/budget/<int:cycle_id>/paper", methods=["GET", "POST"])
@role_required("secretary", scope=_kato_of_cycle)
def paper(cycle_id: int):
    cycle = load_cycle(cycle_id)
    if cycle.phase_at(_now()) != "voting":
        raise DomainError("wrong_state", _("Paper ballots are recorded only during the voting phase."))
    projects = list(services.eligible_projects(cycle.id).values())
    form = PaperBallotForm()
    form.projects.choices = [(p.id, p.title) for p in projects]
    status = 200
    if form.validate_on_submit():
        try:
            ballot = services.record_paper_ballot(
                cycle, current_user, form.iin.data.strip(), sorted(set(form.projects.data or [])), _now()
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            field_errors(form, error.fields)
            message = PAPER_MESSAGES.get(error.code)
            flash(message() if message else error.message, "error")
            status = error.status
        else:
            flash(_("The paper ballot is recorded. Receipt: %(receipt)s", receipt=ballot.receipt), "success")
            return redirect(url_for("budget_officials.paper", cycle_id=cycle.id))
    elif form.errors:
        status = 422
    return render_template(
        "budgeting/paper.html", cycle=cycle, place=cycle_place(cycle), form=form, projects=projects,
        villages=place_names(cycle), ballots=services.ballot_count(cycle.id),
    ), status
