"""Officials' petition pages: the moderation queue and decisions, the reviewers' queue, discussions
and answers, and what an answer owes afterwards: a contested answer's follow-up, the report on its measures."""

from __future__ import annotations

from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from auth.access import bodies_served, role_required
from auth.landing import Landing
from auth.models import User
from extensions import db
from kernel.errors import DomainError
from kernel.kazakhstan_time import KAZAKHSTAN, local_date
from kernel.signature_field import ActForm
from kernel.territories import territory_names
from petitions import accountability, counter, queries, services
from petitions.forms import AnswerForm, DiscussionForm, FollowUpForm, RejectForm, ReportForm, field_errors
from petitions.models import Petition
from web import clock
from web.forms import post_form

bp = Blueprint("officials", __name__)


def _petition(petition_id: int) -> Petition:
    """Officials never see drafts: a draft is its author's alone."""
    petition = db.session.get(Petition, petition_id)
    if petition is None or petition.state == "draft":
        raise DomainError("not_found")
    return petition


def _territory_names(petitions: list[Petition]) -> dict[str, str]:
    return territory_names({p.territory for p in petitions}, str(get_locale() or "kk"))


# --- moderation ---------------------------------------------------------------------


def moderator_landing(_user: User) -> Landing:
    """Where a moderator lands after signing in (auth/landing.py): the queue."""
    return Landing(url_for("officials.moderation_queue"), _("The moderation queue"))


def reviewer_landing(_user: User) -> Landing:
    """Where a reviewer lands after signing in: what their bodies must answer."""
    return Landing(url_for("officials.review_queue"), _("The review queue"))


@bp.get("/moderation")
@role_required("moderator")
def moderation_queue():
    now = clock.now()
    items = queries.queue(("moderation",), Petition.moderation_due_on)
    # earliest due day first, so the overdue ones lead; each marked as its public page marks it
    rows = [
        (p, p.moderation_due_on, queries.working_days_left(p.moderation_due_on, now), queries.moderation_delayed(p, now))
        for p in items
    ]
    return render_template("petitions/moderation_queue.html", rows=rows, names=_territory_names(items))


def _moderation_page(petition: Petition, act: ActForm, reject: RejectForm, status: int = 200):
    now = clock.now()
    similar = queries.similar_petitions(petition, queries.SIMILAR_STATES_FOR_MODERATORS)
    return render_template(
        "petitions/moderation.html", petition=petition, act_form=act, reject_form=reject,
        names=_territory_names([petition]), own=services.is_own(petition, current_user), similar=similar,
        days_left=queries.working_days_left(petition.moderation_due_on, now) if petition.state == "moderation" else None,
    ), status


@bp.get("/moderation/<int:petition_id>")
@role_required("moderator")
def moderation(petition_id: int):
    return _moderation_page(_petition(petition_id), ActForm(), RejectForm(formdata=None))


@bp.post("/moderation/<int:petition_id>")
@role_required("moderator")
def moderate(petition_id: int):
    """The moderator's signed act `petition.moderate`: approve or reject, as its payload says."""
    petition = _petition(petition_id)
    act, reject = ActForm(), RejectForm()  # the reject form only shows again what the browser signed
    posted = post_form(
        act, lambda: services.moderate(petition, current_user, act.jws.data, clock.now()),
        done_message=lambda moderated: _("Approved: the petition now gathers its first supporters.")
        if moderated.state == "restricted" else _("Rejected: the author has been told the reason."),
        field_errors=field_errors, errors_on=reject,
    )
    if not posted.done:
        return _moderation_page(petition, act, reject, posted.status)
    return redirect(url_for("officials.moderation_queue"))


# --- review -------------------------------------------------------------------------


@bp.get("/review")
@role_required("reviewer")
def review_queue():
    """Petitions the reviewer's bodies must answer, then what their answers still owe (a contested
    answer's follow-up, a report on the measures), each list earliest deadline first."""
    now = clock.now()
    bodies = bodies_served(current_user, "reviewer")
    items = queries.queue(("under_review",), Petition.review_due_on, bodies=bodies)
    rows = [(p, p.review_due_on, queries.working_days_left(p.review_due_on, now)) for p in items]
    counts = {p.id: counter.public_count(p.id) for p in items}
    owed = [(p, owes, due, queries.working_days_left(due, now)) for p, owes, due in queries.owed_after_answer(bodies)]
    return render_template(
        "petitions/review_queue.html", rows=rows, counts=counts, owed=owed,
        names=_territory_names(items + [p for p, *_ in owed]),
    )


def _reviewed(petition_id: int) -> Petition:
    petition = _petition(petition_id)
    services.require_reviewer(petition, current_user)
    return petition


def _review_page(petition: Petition, act: ActForm, discussion: DiscussionForm, answer: AnswerForm, status: int = 200):
    now = clock.now()
    return render_template(
        "petitions/review.html", petition=petition, act_form=act, discussion_form=discussion, answer_form=answer,
        names=_territory_names([petition]), count=counter.public_count(petition.id),
        own=services.is_own(petition, current_user), limits=_answer_limits(now),
        min_chars=current_app.config["PETITION_ANSWER_MIN_CHARS"],
        days_left=queries.working_days_left(petition.review_due_on, now) if petition.state == "under_review" else None,
        owes_follow_up=accountability.follow_up_owed(petition), owes_report=accountability.report_owed(petition),
    ), status


def _answer_limits(now: datetime) -> dict:
    """The days a measure and the report may be due on, as the date inputs' min and max
    (petitions.accountability.answer_substance checks them again on the signed act)."""
    today = local_date(now)
    latest = today + relativedelta(months=current_app.config["PETITION_REPORT_MAX_MONTHS"])
    return {"today": today, "tomorrow": today + timedelta(days=1), "latest": latest,
            "months": current_app.config["PETITION_REPORT_MAX_MONTHS"], "measures_at_most": accountability.MEASURES_AT_MOST}


@bp.get("/review/<int:petition_id>")
@role_required("reviewer")
def review(petition_id: int):
    petition = _reviewed(petition_id)
    discussion = DiscussionForm(formdata=None)
    if petition.discussion_at:
        discussion.at.data = petition.discussion_at.astimezone(KAZAKHSTAN).replace(tzinfo=None)
        discussion.place.data = petition.discussion_place
    return _review_page(petition, ActForm(), discussion, AnswerForm(formdata=None))


def _signed_review(petition_id: int, use_case, shown: str, done_message: str):
    """A reviewer's signed act, posted by one of the page's two forms (`shown` is the one to show
    again, with what the browser signed, if the act is refused)."""
    petition = _reviewed(petition_id)
    act = ActForm()
    discussion = DiscussionForm() if shown == "discussion" else DiscussionForm(formdata=None)
    answer_form = AnswerForm() if shown == "answer" else AnswerForm(formdata=None)
    posted = post_form(
        act, lambda: use_case(petition, current_user, act.jws.data, clock.now()), done_message=done_message,
        field_errors=field_errors, errors_on=discussion if shown == "discussion" else answer_form,
    )
    if not posted.done:
        return _review_page(petition, act, discussion, answer_form, posted.status)
    return redirect(url_for("officials.review", petition_id=petition.id) if shown == "discussion"
                    else url_for("petitions.show", petition_id=petition.id))


@bp.post("/review/<int:petition_id>/discussion")
@role_required("reviewer")
def schedule_discussion(petition_id: int):
    """The signed act `petition.discussion`: its `at` (Astana time, as the browser signs it) and `place`."""
    return _signed_review(petition_id, services.schedule_discussion, "discussion",
                          _("The discussion is scheduled and published."))


@bp.post("/review/<int:petition_id>/answer")
@role_required("reviewer")
def answer(petition_id: int):
    """The signed act `petition.answer`: its decision and reasoning, and for a supporting answer its
    measures and report date."""
    return _signed_review(petition_id, services.answer, "answer",
                          _("The answer is published; the author and signers are told."))


# --- after the answer: the follow-up and the report -----------------------------------


def _owed_page(template: str, petition: Petition, act: ActForm, form, status: int = 200):
    """The follow-up or the report page: the petition, its answer and ratings, and the act's form
    while it is owed (`due` is its day, `days_left` the working days to it)."""
    due = petition.follow_up_due_on if template == FOLLOW_UP_PAGE else petition.report_due_on
    return render_template(
        template, petition=petition, act_form=act, form=form, names=_territory_names([petition]),
        own=services.is_own(petition, current_user), ratings=accountability.rating_summary(petition.id),
        measures=accountability.measures_of(petition.id), min_chars=current_app.config["PETITION_ANSWER_MIN_CHARS"],
        report_min_chars=accountability.REPORT_MIN_CHARS, reasons=accountability.REASONS, due=due,
        owed=accountability.follow_up_owed(petition) if template == FOLLOW_UP_PAGE else accountability.report_owed(petition),
        days_left=queries.working_days_left(due, clock.now()),
    ), status


FOLLOW_UP_PAGE, REPORT_PAGE = "petitions/follow_up.html", "petitions/report.html"


@bp.get("/review/<int:petition_id>/follow-up")
@role_required("reviewer")
def follow_up_page(petition_id: int):
    return _owed_page(FOLLOW_UP_PAGE, _reviewed(petition_id), ActForm(), FollowUpForm(formdata=None))


@bp.post("/review/<int:petition_id>/follow-up")
@role_required("reviewer")
def follow_up(petition_id: int):
    """The signed act `petition.follow_up`: the follow-up answer a contested answer owes."""
    return _post_owed(
        petition_id, FOLLOW_UP_PAGE, lambda petition: FollowUpForm(), services.follow_up,
        _("The follow-up answer is published; the signers are told."),
    )


def _post_owed(petition_id: int, template: str, form_of, use_case, done_message: str):
    """Take the signed act of a follow-up or report page (`use_case` decides it, from the JWS alone):
    on success to the petition, else the page again with the refusal on its fields."""
    petition = _reviewed(petition_id)
    act, form = ActForm(), form_of(petition)
    posted = post_form(
        act, lambda: use_case(petition, current_user, act.jws.data, clock.now()),
        done_message=done_message, field_errors=field_errors, errors_on=form,
    )
    if not posted.done:
        return _owed_page(template, petition, act, form, posted.status)
    return redirect(url_for("petitions.show", petition_id=petition.id))


def _report_form(petition: Petition, posted: bool) -> ReportForm:
    """The report form with one row a promised measure, in the answer's order (its row N is the
    signed list's N-th object: each row has its measure's id, so none is left out)."""
    form = ReportForm() if posted else ReportForm(formdata=None)
    measures = accountability.measures_of(petition.id)
    while len(form.measures.entries) < len(measures):
        form.measures.append_entry()
    del form.measures.entries[len(measures):]
    for measure, row in zip(measures, form.measures.entries, strict=True):
        row.form.id.data = str(measure.number)
    return form


@bp.get("/review/<int:petition_id>/report")
@role_required("reviewer")
def report_page(petition_id: int):
    petition = _reviewed(petition_id)
    return _owed_page(REPORT_PAGE, petition, ActForm(), _report_form(petition, posted=False))


@bp.post("/review/<int:petition_id>/report")
@role_required("reviewer")
def report(petition_id: int):
    """The signed act `petition.report`: for each promised measure whether it was done, and what was."""
    return _post_owed(
        petition_id, REPORT_PAGE, lambda petition: _report_form(petition, posted=True), services.report,
        _("The report is published; the signers who asked are told."),
    )
