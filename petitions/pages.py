"""Citizens' petition pages: the list, a petition with its timeline and charts, writing and submitting, statistics."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from auth.signed_form import process_signed_form
from extensions import db
from kernel import charts, local_formats, visible_text
from kernel.date_validators import YEARS_MESSAGE
from kernel.errors import DomainError
from kernel.kazakhstan_time import local_date
from kernel.territories import named_places, territory_names
from petitions import (
    body_statistics,
    breakdowns,
    counter,
    eligibility,
    following,
    labels,
    page_charts,
    page_queries,
    queries,
    rules,
    services,
)
from petitions.citations import citing
from petitions.forms import DraftForm, FilterForm, PetitionForm, SubmitForm, field_errors
from petitions.models import Petition
from web import clock
from web.forms import post_form

bp = Blueprint("petitions", __name__)
# Plain-text output (the page's <title>, e-mails and the inbox) isolates user text that holds a bidi
# control, stored before such text was refused; HTML wraps user text in <bdi> instead.
bp.add_app_template_filter(visible_text.isolated, "isolated")


def _locale() -> str:
    return str(get_locale() or "kk")


@bp.app_context_processor
def petition_words() -> dict:
    return {
        "ADDRESSEE_NAMES": rules.ADDRESSEE_NAMES,
        "STATE_NAMES": labels.STATE_NAMES,
        "DECISION_NAMES": labels.DECISION_NAMES,
        "TIMELINE_LABELS": labels.TIMELINE_LABELS,
        "REJECTION_REASONS": rules.REJECTION_REASONS,
        "PETITION_LANGUAGES": labels.LANGUAGE_NAMES,
    }


def visible_petition(petition_id: int) -> Petition:
    """The petition, or not_found; a draft exists only for its author."""
    petition = db.session.get(Petition, petition_id)
    if petition is None:
        raise DomainError("not_found")
    if petition.state == "draft" and not (current_user.is_authenticated and current_user.iin == petition.author_iin):
        raise DomainError("not_found")
    return petition


def _own_draft(petition_id: int) -> Petition:
    petition = visible_petition(petition_id)
    if petition.author_iin != current_user.iin:
        raise DomainError("not_found")
    if petition.state != "draft":
        raise DomainError("wrong_state")
    return petition


def territory_groups() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(level, group label, [(kato, name)]) for a select with one optgroup per level."""
    locale = _locale()
    titles = {"region": _("Regions"), "city": _("Cities of republican significance")}
    groups: dict[str, list[tuple[str, str]]] = {}
    for place in page_queries.addressable_territories():
        groups.setdefault(place.level, []).append((place.kato, place.name(locale)))
    return [(level, titles[level], items) for level, items in groups.items()]


@bp.get("/petitions")
def index():
    form = FilterForm(request.args)
    groups = territory_groups()
    known = {kato for _, _, items in groups for kato, _ in items}
    state = form.state.data if form.state.data in queries.PUBLIC_STATES else None
    addressee = form.addressee.data if form.addressee.data in rules.ADDRESSEES else None
    territory = form.territory.data if form.territory.data in known else None
    try:
        page_number = int(request.args.get("page", 1))
    except ValueError:
        page_number = 1
    page = queries.public_list(
        state=state, addressee=addressee, territory=territory, q=(form.q.data or "").strip()[:200] or None,
        page=page_number,
    )
    names = territory_names({p.territory for p in page.items}, _locale())
    counts = {p.id: counter.public_count(p.id) for p in page.items}
    filters = {k: v for k, v in {"q": form.q.data, "state": state, "addressee": addressee, "territory": territory}.items() if v}
    return render_template(
        "petitions/list.html", form=form, page=page, names=names, counts=counts, groups=groups,
        selected_territory=territory, filters=filters,
    )


@bp.get("/petitions/<int:petition_id>")
def show(petition_id: int):
    petition = visible_petition(petition_id)
    now = clock.now()
    locale = _locale()
    public = petition.state in queries.PUBLIC_STATES
    # small regions, days and hours are merged into "other" (petitions.breakdowns): none names a signer
    signature_charts = page_charts.signature_charts(petition.id, locale, now) if public else None
    names = named_places({petition.territory}, locale)
    count = counter.public_count(petition.id)
    config = current_app.config
    after = page_queries.after_answer(petition, now)  # measures, ratings, the rating window
    signable = petition.state in rules.SIGNABLE_STATES
    # what a signed-in reader may not do here, said instead of its form (petitions/eligibility.py)
    reader = current_user if current_user.is_authenticated else None
    sign_refusal = eligibility.signing_refusal(reader, petition, local_date(now)) if reader and signable else None
    rate_refusal = eligibility.rating_refusal(reader, petition) if reader and after and after.rating_open else None
    return render_template(
        "petitions/show.html",
        petition=petition,
        count=count,
        public=public,
        territory_name=names.get(petition.territory) if petition.territory else None,
        steps=page_queries.timeline(petition, now, after.measures if after else []),
        after=after,
        rating_names=labels.RATING_NAMES,
        acts=page_queries.act_rows(petition, locale),
        signature_charts=signature_charts,
        hourly_days=breakdowns.hourly_days(),
        signers=queries.recent_signers(petition.id) if public else [],
        breakdown_minimum=breakdowns.minimum(),
        supporters_needed=config["PETITION_RESTRICTED_SUPPORTERS"],
        moderation_delayed=queries.moderation_delayed(petition, now),
        moderation_working_days=config["PETITION_MODERATION_WORKING_DAYS"],
        signable=signable,
        sign_refusal=sign_refusal,
        rate_refusal=rate_refusal,
        is_author=current_user.is_authenticated and current_user.iin == petition.author_iin,
        citing=citing(petition.id),  # the budget proposals that take it up: templates/budgeting/_petition_proposals.html
        # the reader's own tie only: no page says who else follows, or how many (petitions/following.py)
        following=bool(reader) and following.follows(petition.id, reader.id),
        followable=petition.state in following.FOLLOWABLE_STATES,
        follow_form=FlaskForm(),
    )


@bp.post("/petitions/<int:petition_id>/follow")
@login_required
def follow(petition_id: int):
    petition = visible_petition(petition_id)
    _posted(post_form(
        FlaskForm(), lambda: following.follow(petition, current_user, clock.now()),
        done_message=_("You follow this petition: your inbox tells you of its threshold, its answer and what follows."),
        refusal_message=lambda error: _("This petition can no longer be followed: nothing more will happen to it.")
        if error.code == "wrong_state" else None,
    ))
    return redirect(url_for("petitions.show", petition_id=petition.id, _anchor="follow"))


@bp.post("/petitions/<int:petition_id>/unfollow")
@login_required
def unfollow(petition_id: int):
    petition = visible_petition(petition_id)
    _posted(post_form(
        FlaskForm(), lambda: following.unfollow(petition, current_user),
        done_message=_("You no longer follow this petition."),
    ))
    return redirect(url_for("petitions.show", petition_id=petition.id, _anchor="follow"))


def _posted(posted) -> None:
    if not posted.done and posted.error is None:  # the form itself was refused (its CSRF token)
        raise DomainError("validation_error")


@bp.route("/petitions/new", methods=["GET", "POST"])
@login_required
def new():
    form = PetitionForm()
    refusal = eligibility.writing_refusal(current_user, local_date(clock.now()))
    if refusal is not None:  # said before anything is typed, and no form (petitions/eligibility.py)
        page = render_template("petitions/form.html", form=form, groups=[], petition=None, refusal=refusal)
        return page, refusal.status if request.method == "POST" else 200
    # a local body only of where the author lives: the places the registry gives, named on the form
    places = eligibility.addressable_places(current_user.person.kato)
    names = territory_names(set(places), _locale())
    home = eligibility.home_places(current_user.person.kato)
    if not form.is_submitted():
        # What the registry and the page already say: the citizen's own city, else their own region,
        # for a local body; the language they read the page in, when a petition may be written in it.
        form.territory.data = home.get("city") or home.get("region")
        if _locale() in rules.LANGUAGES:
            form.language.data = _locale()

    def save():
        return services.create_draft(
            current_user, title=form.title.data, body=form.body.data, language=form.language.data,
            addressee=form.addressee.data, territory=form.territory.data or None, now=clock.now(),
        )

    return _save_draft(
        form, save, _("Draft saved. Read it once more, then sign and submit it."), groups=territory_groups(), petition=None,
        home=home,
        home_places=[names[kato] for kato in places if kato in names],
    )


@bp.route("/petitions/<int:petition_id>/edit", methods=["GET", "POST"])
@login_required
def edit(petition_id: int):
    petition = _own_draft(petition_id)
    form = DraftForm(obj=petition)

    def save():
        return services.edit_draft(
            petition, current_user, title=form.title.data, body=form.body.data, language=form.language.data
        )

    return _save_draft(form, save, _("Saved."), groups=[], petition=petition)


def _save_draft(form, save, saved_message: str, **page):
    """The draft form's POST: one service call, its refusals shown per field (a territory the author
    does not live in too, in the rule's own words: petitions/eligibility.py); on success, on to submitting."""
    posted = post_form(
        form, save, done_message=saved_message, field_errors=field_errors, code_fields={"not_resident": "territory"}
    )
    if posted.done:
        return redirect(url_for("petitions.submit", petition_id=posted.result.id))
    return render_template("petitions/form.html", form=form, **page), posted.status


@bp.route("/petitions/<int:petition_id>/submit", methods=["GET", "POST"])
@login_required
def submit(petition_id: int):
    petition = _own_draft(petition_id)
    form = SubmitForm()
    response, status = process_signed_form(
        form,
        lambda: services.submit(petition, current_user, form.jws.data, clock.now()),
        done_message=_("Your petition is signed and sent to moderation."),
        done_url=lambda: url_for("petitions.show", petition_id=petition.id),
    )
    if response:
        return response
    names = territory_names({petition.territory}, _locale())
    return render_template(
        "petitions/submit.html", form=form, petition=petition, topics=rules.FORBIDDEN_TOPICS,
        territory_name=names.get(petition.territory), similar=queries.similar_petitions(petition),
    ), status


def next_deadline(petition: Petition):
    """The date the petition waits for now, if any."""
    if petition.state == "moderation":
        return petition.moderation_due_on
    if petition.state == "restricted":
        return petition.restricted_until
    if petition.state == "open" and petition.collection_ends_at:
        return local_date(petition.collection_ends_at)
    if petition.state == "under_review":
        return petition.review_due_on
    return None


@bp.get("/my/petitions")
@login_required
def mine():
    now = clock.now()
    rows = []
    for petition in page_queries.authored_by(current_user.iin):
        due = next_deadline(petition)
        rows.append((petition, due, queries.working_days_left(due, now)))
    return render_template("petitions/mine.html", rows=rows)


@bp.get("/statistics")
def statistics():
    """Every body's record (petitions/body_statistics.py) for the period the reader chose, with its charts."""
    days, wrong = body_statistics.date_range_from(request.args)
    # a day that was read but is wrong can only be `to` before `from`; any other could not be read
    errors = {name: [_("The end of the period is before its start.") if days[name] else str(YEARS_MESSAGE)]
              for name in wrong}
    records = [] if errors else body_statistics.body_records(clock.now(), body_statistics.Period(days["from"], days["to"]))
    locale = _locale()
    rows = [(_body_label(record, locale), record) for record in records]
    return render_template(
        "petitions/statistics.html",
        rows=rows,
        typed={name: (request.args.get(name) or "")[:10] for name in ("from", "to")},
        period={name: day.isoformat() for name, day in days.items() if day and not errors},
        errors=errors,
        on_time_chart=charts.rows_chart([(label, r.on_time_rate) for label, r in rows], top=1, text=_percent),
        rating_chart=charts.rows_chart([(label, r.ratings.mean) for label, r in rows], top=5, text=_mean_text),
        table_of=_table_of,
        percent=_percent,
        mean_text=_mean_text,
    ), 422 if errors else 200


def _body_label(record: body_statistics.BodyRecord, locale: str) -> str:
    """The body's name in the page's language (Kazakh, Russian, or English)."""
    return {"kk": record.name_kk, "ru": record.name_ru}.get(locale, record.name_en)


def _table_of(chart: charts.Chart) -> list[tuple[str, str]]:
    """The table behind a chart: each bar's label and value, as the chart writes them."""
    return [(bar.label, bar.text) for bar in chart.bars]


def _percent(share: float) -> str:
    return local_formats.percent(share, _locale(), places=2)  # 4 places of a share are 2 of a percentage


def _mean_text(mean: float) -> str:
    return local_formats.number(mean, _locale(), places=2, min_places=2)
