"""Officials' petition pages: the moderation queue and decisions, the reviewers' queue, discussions and answers."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from auth.access import bodies_served, role_required
from extensions import db
from kernel.errors import DomainError
from kernel.kazakhstan_time import KAZAKHSTAN
from kernel.signature_field import ActForm
from kernel.territories import territory_names
from petitions import counter, queries, services
from petitions.forms import AnswerForm, DiscussionForm, RejectForm, field_errors
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
    now = clock.now()
    items = queries.queue(("under_review",), Petition.review_due_on, bodies=bodies_served(current_user, "reviewer"))
    rows = [(p, p.review_due_on, queries.working_days_left(p.review_due_on, now)) for p in items]
    counts = {p.id: counter.public_count(p.id) for p in items}
    return render_template("petitions/review_queue.html", rows=rows, counts=counts, names=_territory_names(items))


def _reviewed(petition_id: int) -> Petition:
    petition = _petition(petition_id)
    services.require_reviewer(petition, current_user)
    return petition


def _review_page(petition: Petition, act: ActForm, discussion: DiscussionForm, answer: AnswerForm, status: int = 200):
    now = clock.now()
    return render_template(
        "petitions/review.html", petition=petition, act_form=act, discussion_form=discussion, answer_form=answer,
        names=_territory_names([petition]), count=counter.public_count(petition.id),
        own=services.is_own(petition, current_user),
        days_left=queries.working_days_left(petition.review_due_on, now) if petition.state == "under_review" else None,
    ), status


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
    """The signed act `petition.answer`: its decision and reasoning."""
    return _signed_review(petition_id, services.answer, "answer",
                          _("The answer is published; the author and signers are told."))
