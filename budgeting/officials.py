"""Budget officials' pages: the officer creates a cycle, screens proposals and tracks funded items; the secretary records paper ballots."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user

from auth.access import role_required, sign_in_required, signed_in_user
from auth.landing import Landing
from auth.models import User
from budgeting import page_queries, queries, services
from budgeting.forms import (
    FIELD_MESSAGES,
    CycleForm,
    EligibleForm,
    ImplementationForm,
    IneligibleForm,
    PaperBallotForm,
    field_errors,
)
from budgeting.models import BudgetCycle, Proposal
from budgeting.pages import body_names, cycle_place, load_cycle, place_names, proposal_acts
from extensions import db, limiter
from jsonapi import error_response, typed_body
from kernel import instants
from kernel.errors import DomainError
from kernel.kazakhstan_time import KAZAKHSTAN
from kernel.signature_field import ActForm
from web import clock
from web.forms import post_form

bp = Blueprint("budget_officials", __name__)


def _locale() -> str:
    return str(get_locale() or "kk")


def _served_cycle(cycle_id: int, role: str) -> BudgetCycle:
    """The cycle, if the user is its `role` (services.require_official: exactly its rural district)."""
    cycle = load_cycle(cycle_id)
    services.require_official(current_user, role, cycle)
    return cycle


def _screened(proposal_id: int) -> tuple[Proposal, BudgetCycle]:
    """A submitted proposal and its cycle, if the user is a budget officer of its rural district."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.state == "draft":  # a draft is its author's alone
        raise DomainError("not_found")
    return proposal, _served_cycle(proposal.cycle_id, "budget_officer")


# --- where officers and secretaries land after signing in (auth/landing.py) ----------


def _cycles_served(user: User, role: str) -> list[BudgetCycle]:
    """The cycles of the rural districts the user serves in `role`, the latest first."""
    katos = [kato for kato in user.scopes(role) if kato]
    return [cycle for cycle in queries.cycles() if cycle.kato in katos] if katos else []


def officer_landing(user: User) -> Landing:
    """The screening page of the officer's latest cycle; with none yet, a new cycle."""
    cycles = _cycles_served(user, "budget_officer")
    if not cycles:
        return Landing(url_for("budget_officials.new_cycle"), _("New budget cycle"))
    cycle = cycles[0]
    return Landing(url_for("budget_officials.screening", cycle_id=cycle.id), _cycle_label(_("Screening"), cycle))


def secretary_landing(user: User) -> Landing | None:
    """The paper ballots of the secretary's cycle in its voting phase; else their latest cycle."""
    cycles = _cycles_served(user, "secretary")
    now = clock.now()
    voting = [cycle for cycle in cycles if cycle.phase_at(now) == "voting"]
    if voting:
        return Landing(url_for("budget_officials.paper", cycle_id=voting[0].id), _cycle_label(_("Paper ballots"), voting[0]))
    if cycles:
        return Landing(url_for("budgeting.show", cycle_id=cycles[0].id), _cycle_label(None, cycles[0]))
    return None


def _cycle_label(page: str | None, cycle: BudgetCycle) -> str:
    """As the page's title names it: «Screening · Кеңес ауылдық округі, 2026»."""
    place = f"{cycle_place(cycle)}, {cycle.year}"
    return f"{page} · {place}" if page else place


# --- a new cycle --------------------------------------------------------------------


def _instant(value: datetime) -> datetime:
    # The officer types Astana wall-clock time (its year checked by the form); the service wants instants.
    return instants.wall_clock(value, KAZAKHSTAN)


@bp.route("/budget/new", methods=["GET", "POST"])
@role_required("budget_officer")
def new_cycle():
    """A new cycle in two steps: the filled form is first shown back as what will be published (the
    preview; with a script, the same summary in a dialog), and only its confirmation (`confirmed`)
    creates the cycle; "go back and change" shows the form again as filled."""
    form = CycleForm()
    districts = page_queries.rural_districts(current_user, _locale())
    form.kato.choices = districts if len(districts) == 1 else [("", _("Choose the rural district")), *districts]
    if form.year.data is None and not form.is_submitted():
        this_year = clock.now().astimezone(KAZAKHSTAN).year
        # one district: its first year without a cycle (this year's may be under way); several: this year
        form.year.data = page_queries.first_free_year(districts[0][0], this_year) if len(districts) == 1 else this_year
    if form.is_submitted() and request.form.get("change"):
        return _cycle_page(form)
    if form.is_submitted() and form.confirmed.data != "yes":
        if not form.validate():
            return _cycle_page(form, 422)
        return _cycle_page(form, preview=True)

    def create() -> BudgetCycle:
        approval = form.ballot.data == "approval"
        return services.create_cycle(
            current_user, kato=form.kato.data, year=form.year.data, amount=form.amount.data, ballot=form.ballot.data,
            rule=form.rule.data, min_choices=form.min_choices.data if approval else None,
            max_choices=form.max_choices.data if approval else None,
            proposals_open=_instant(form.proposals_open.data), proposals_close=_instant(form.proposals_close.data),
            voting_open=_instant(form.voting_open.data), voting_close=_instant(form.voting_close.data), now=clock.now(),
        )

    posted = post_form(
        form, create, done_message=_("The budget cycle is created. Its rules cannot change once proposals open."),
        field_errors=field_errors,
    )
    if posted.done:
        return redirect(url_for("budgeting.show", cycle_id=posted.result.id))
    return _cycle_page(form, posted.status)


def _cycle_page(form: CycleForm, status: int = 200, preview: bool = False):
    form.confirmed.data = ""  # a shown form is confirmed afresh
    district = dict(form.kato.choices).get(form.kato.data) if preview else None
    return render_template("budgeting/new.html", form=form, preview=preview, district=district), status


# --- screening and implementation -----------------------------------------------------


def _ids(form: ActForm, prefix: str) -> ActForm:
    """The act forms of many proposals on one page: the same field names (act-sign.js posts `jws`),
    each field's id (and its label's) made unique with `prefix`."""
    for field in form:
        field.id = f"{prefix}-{field.name}"
        field.label.field_id = field.id
    return form


def _screening_page(cycle: BudgetCycle, forms: dict | None = None, status: int = 200):
    """Each proposal's act forms: eligible (with the checked cost) and not eligible (with the reason)
    while screening is open, its implementation once funded; `forms` are the ones posted, shown again."""
    now = clock.now()
    phase = cycle.phase_at(now)
    proposals = [p for p in queries.proposals(cycle.id) if p.state != "draft"]
    screen_forms, impl_forms = {}, {}
    funded = (cycle.result or {}).get("funded", [])
    own = {p.id for p in proposals if services.is_own(p, current_user)}
    forms = forms or {}
    for p in proposals:
        if p.id in own:  # another officer decides on it: the page says so instead of offering the forms
            continue
        if phase in ("proposals", "screening"):
            eligible = _ids(forms.get(("eligible", p.id)) or EligibleForm(formdata=None), f"p{p.id}e")
            ineligible = _ids(forms.get(("ineligible", p.id)) or IneligibleForm(formdata=None), f"p{p.id}n")
            if not eligible.cost.data:
                eligible.cost.data = str(p.checked_cost or p.cost)
            if not ineligible.reason.data:
                ineligible.reason.data = p.ineligible_reason or ""
            screen_forms[p.id] = (eligible, ineligible)
        if p.id in funded:
            form = _ids(forms.get(("impl", p.id)) or ImplementationForm(formdata=None), f"p{p.id}")
            if not form.status.data or form.status.data == "None":
                form.status.data = p.implementation or "planned"
            if not form.spent.data:
                form.spent.data = str(p.spent or 0)
            impl_forms[p.id] = form
    waiting = sum(p.state == "submitted" for p in proposals)
    return render_template(
        "budgeting/screening.html", cycle=cycle, place=cycle_place(cycle), phase=phase, proposals=proposals,
        screen_forms=screen_forms, impl_forms=impl_forms, villages=place_names(cycle), waiting=waiting, own=own,
        acts=proposal_acts(proposals), body_names=body_names(cycle),
    ), status


@bp.get("/budget/<int:cycle_id>/screening")
@sign_in_required
def screening(cycle_id: int):
    return _screening_page(_served_cycle(cycle_id, "budget_officer"))


def _act_refusal(error: DomainError) -> str | None:
    """What to say of a refused act whose fields the page's form does not show."""
    if error.code == "validation_error":
        named = [FIELD_MESSAGES[name] for name in error.fields if name in FIELD_MESSAGES]
        return " ".join(str(text) for text in named) or None
    return None


@bp.post("/budget/proposals/<int:proposal_id>/screening")
@sign_in_required
def screen(proposal_id: int):
    """Either act form of a proposal: the decision is the signed one (services.screen reads the JWS)."""
    proposal, cycle = _screened(proposal_id)
    found_ineligible = "reason" in request.form  # which of the two forms: its field (the JWS says the rest)
    form = IneligibleForm() if found_ineligible else EligibleForm()
    posted = post_form(
        form,
        lambda: services.screen(proposal, current_user, form.jws.data, clock.now()),
        done_message=lambda screened: _("«%(title)s» is on the ballot.", title=screened.title)
        if screened.state == "eligible"
        else _("«%(title)s» is marked not eligible; the proposer is told why.", title=screened.title),
        field_errors=field_errors, refusal_message=_act_refusal,
    )
    if not posted.done:
        key = ("ineligible" if found_ineligible else "eligible", proposal.id)
        return _screening_page(cycle, {key: form}, posted.status)
    return redirect(url_for("budget_officials.screening", cycle_id=cycle.id, _anchor=f"proposal-{proposal.id}"))


@bp.post("/budget/proposals/<int:proposal_id>/implementation")
@sign_in_required
def implementation(proposal_id: int):
    proposal, cycle = _screened(proposal_id)
    form = ImplementationForm()
    posted = post_form(
        form,
        lambda: services.set_implementation(proposal, current_user, form.jws.data, clock.now()),
        done_message=_("Saved: the results page shows the new status."), field_errors=field_errors,
        refusal_message=_act_refusal,
    )
    if not posted.done:
        return _screening_page(cycle, {("impl", proposal.id): form}, posted.status)
    return redirect(url_for("budget_officials.screening", cycle_id=cycle.id, _anchor=f"proposal-{proposal.id}"))


# --- paper ballots --------------------------------------------------------------------


PAPER_MESSAGES = {
    "already_voted": lambda: _("This person has already voted in this budget, online or on paper. The ballot is not recorded."),
    "not_resident": lambda: _("By the population registry this person does not live in this rural district. The ballot is not recorded."),
    "not_eligible": lambda: _("This IIN is not in the population registry, or the person is under 18. The ballot is not recorded."),
}


def _paper_refusal(error: DomainError) -> str | None:
    message = PAPER_MESSAGES.get(error.code)
    return message() if message else _act_refusal(error)


@bp.route("/budget/<int:cycle_id>/paper", methods=["GET", "POST"])
@sign_in_required
def paper(cycle_id: int):
    """The secretary's `ballot.paper` act: the voter's IIN and the ticks are signed in the browser and
    read from the JWS alone; a refused ballot's page shows neither again."""
    cycle = _served_cycle(cycle_id, "secretary")
    if cycle.phase_at(clock.now()) != "voting":
        raise DomainError("wrong_state", _("Paper ballots are recorded only during the voting phase."))
    projects = list(services.eligible_projects(cycle.id).values())
    form = PaperBallotForm()
    posted = post_form(
        form,
        lambda: services.record_paper_ballot(cycle, current_user, form.jws.data, clock.now()),
        done_message=lambda ballot: _("The paper ballot is recorded. Receipt: %(receipt)s", receipt=ballot.receipt),
        refusal_message=_paper_refusal,
    )
    if posted.done:
        return redirect(url_for("budget_officials.paper", cycle_id=cycle.id))
    return render_template(
        "budgeting/paper.html", cycle=cycle, place=cycle_place(cycle), form=form, projects=projects,
        villages=place_names(cycle), ballots=services.ballot_count(cycle.id),
    ), posted.status


def _secretary_key() -> str:
    """The voter look-up's rate-limit key: the signed-in official (a meeting hall shares one address)."""
    return f"user:{current_user.id}" if current_user.is_authenticated else get_remote_address()


@bp.post("/budget/<int:cycle_id>/paper/voter")
@limiter.limit(lambda: current_app.config["RATELIMIT_VOTER_CHECK"], key_func=_secretary_key, scope="voter-check")
def paper_voter(cycle_id: int):
    """The paper-ballot form's check of the voter, for the secretary of this cycle alone: `{iin}` in
    a JSON body (never a URL, so no access log keeps it), CSRF-protected like every page POST;
    answers `{status, name}` (budgeting/services.py: PaperVoter) and never the IIN back."""
    try:
        secretary = signed_in_user()
        cycle = load_cycle(cycle_id)
        voter = services.check_paper_voter(cycle, secretary, typed_body(iin=str).get("iin"), clock.now())
        db.session.commit()  # the look-up's audit entry
    except DomainError as error:
        db.session.rollback()
        response = error_response(error)
    else:
        response = jsonify({"status": voter.status, "name": voter.name})
    response.headers["Cache-Control"] = "no-store"
    return response
