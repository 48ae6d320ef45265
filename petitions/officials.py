"""Officials' petition pages: the moderation queue and decisions, the reviewers' queue, discussions and answers."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from auth.access import bodies_served, role_required
from extensions import db
from kernel import instants
from kernel.errors import DomainError
from kernel.kazakhstan_time import KAZAKHSTAN
from kernel.territories import territory_names
from petitions import counter, queries, services
from petitions.forms import AnswerForm, ApproveForm, DiscussionForm, RejectForm, field_errors
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
    rows = [(p, p.moderation_due_on, queries.working_days_left(p.moderation_due_on, now)) for p in items]
    return render_template("petitions/moderation_queue.html", rows=rows, names=_territory_names(items))


def _moderation_page(petition: Petition, approve: ApproveForm, reject: RejectForm, status: int = 200):
    now = clock.now()
    similar = queries.similar_petitions(petition, queries.SIMILAR_STATES_FOR_MODERATORS)
    return render_template(
        "petitions/moderation.html", petition=petition, approve_form=approve, reject_form=reject,
        names=_territory_names([petition]), own=services.is_own(petition, current_user), similar=similar,
        days_left=queries.working_days_left(petition.moderation_due_on, now) if petition.state == "moderation" else None,
    ), status


@bp.get("/moderation/<int:petition_id>")
@role_required("moderator")
def moderation(petition_id: int):
    return _moderation_page(_petition(petition_id), ApproveForm(), RejectForm())


def _moderate(petition_id: int, decision: str):
    petition = _petition(petition_id)
    approve, reject = ApproveForm(), RejectForm()
    posted = post_form(
        approve if decision == "approve" else reject,
        lambda: services.moderate(
            petition, current_user, decision=decision, reason=reject.reason.data if decision == "reject" else None,
            comment=reject.comment.data if decision == "reject" else None, now=clock.now(),
        ),
        done_message=_("Approved: the petition now gathers its first supporters.") if decision == "approve"
        else _("Rejected: the author has been told the reason."),
        field_errors=field_errors, errors_on=reject,
    )
    if not posted.done:
        return _moderation_page(petition, approve, reject, posted.status)
    return redirect(url_for("officials.moderation_queue"))


@bp.post("/moderation/<int:petition_id>/approve")
@role_required("moderator")
def approve(petition_id: int):
    return _moderate(petition_id, "approve")


@bp.post("/moderation/<int:petition_id>/reject")
@role_required("moderator")
def reject(petition_id: int):
    return _moderate(petition_id, "reject")


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


def _review_page(petition: Petition, discussion: DiscussionForm, answer: AnswerForm, status: int = 200):
    now = clock.now()
    return render_template(
        "petitions/review.html", petition=petition, discussion_form=discussion, answer_form=answer,
        names=_territory_names([petition]), count=counter.public_count(petition.id),
        own=services.is_own(petition, current_user),
        days_left=queries.working_days_left(petition.review_due_on, now) if petition.state == "under_review" else None,
    ), status


@bp.get("/review/<int:petition_id>")
@role_required("reviewer")
def review(petition_id: int):
    petition = _reviewed(petition_id)
    discussion = DiscussionForm()
    if petition.discussion_at:
        discussion.at.data = petition.discussion_at.astimezone(KAZAKHSTAN).replace(tzinfo=None)
        discussion.place.data = petition.discussion_place
    return _review_page(petition, discussion, AnswerForm())


@bp.post("/review/<int:petition_id>/discussion")
@role_required("reviewer")
def schedule_discussion(petition_id: int):
    petition = _reviewed(petition_id)
    form = DiscussionForm()
    posted = post_form(
        form,
        # The reviewer types Astana wall-clock time (its year checked by the form); the service wants an instant.
        lambda: services.schedule_discussion(
            petition, current_user, at=instants.wall_clock(form.at.data, KAZAKHSTAN).isoformat(),
            place=form.place.data, now=clock.now(),
        ),
        done_message=_("The discussion is scheduled and published."), field_errors=field_errors,
    )
    if not posted.done:
        return _review_page(petition, form, AnswerForm(formdata=None), posted.status)
    return redirect(url_for("officials.review", petition_id=petition.id))


@bp.post("/review/<int:petition_id>/answer")
@role_required("reviewer")
def answer(petition_id: int):
    petition = _reviewed(petition_id)
    form = AnswerForm()
    posted = post_form(
        form,
        lambda: services.answer(petition, current_user, decision=form.decision.data, text=form.text.data, now=clock.now()),
        done_message=_("The answer is published; the author and signers are told."), field_errors=field_errors,
    )
    if not posted.done:
        return _review_page(petition, DiscussionForm(formdata=None), form, posted.status)
    return redirect(url_for("petitions.show", petition_id=petition.id))
