"""/api/v1/petitions: create, submit, moderate, sign, count, review (API.md)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import select

from auth import eds
from auth.access import bearer_user, bodies_served, role_required, signer_limit_key
from extensions import db, limiter
from jsonapi import API_PREFIX, body, typed_body
from kernel.errors import DomainError
from kernel.territories import Territory
from petitions import accountability, breakdowns, counter, following, queries, rules, services, signing
from petitions.models import Petition
from web.clock import now as _now

bp = Blueprint("petitions_api", __name__, url_prefix=API_PREFIX)


def _load(petition_id: int, viewer_iin: str | None = None) -> Petition:
    petition = db.session.get(Petition, petition_id)
    if petition is None or (petition.state == "draft" and petition.author_iin != viewer_iin):
        raise DomainError("not_found")
    return petition


def _optional_viewer_iin() -> str | None:
    if request.headers.get("Authorization"):
        return bearer_user().iin
    return None


@bp.get("/petitions")
def list_petitions():
    try:
        page = int(request.args.get("page", 1))
    except ValueError:
        raise DomainError("validation_error", fields={"page": "a number"}) from None
    state = request.args.get("state") or None
    if state and state not in queries.PUBLIC_STATES:
        raise DomainError("validation_error", fields={"state": ", ".join(queries.PUBLIC_STATES)})
    addressee = request.args.get("addressee") or None
    if addressee and addressee not in rules.ADDRESSEES:
        raise DomainError("validation_error", fields={"addressee": ", ".join(rules.ADDRESSEES)})
    now = _now()
    result = queries.public_list(
        state=state, addressee=addressee, territory=request.args.get("territory") or None,
        q=request.args.get("q") or None, page=page,
    )
    return jsonify(
        {
            "items": [queries.petition_json(p, now=now) for p in result.items],
            "page": result.page,
            "pages": result.pages,
            "total": result.total,
        }
    )


@bp.post("/petitions")
def create_petition():
    user = bearer_user()
    data = typed_body(title=str, body=str, language=str, addressee=str, territory=str)
    now = _now()
    petition = services.create_draft(
        user, title=data.get("title"), body=data.get("body"), language=data.get("language"),
        addressee=data.get("addressee"), territory=data.get("territory"), now=now,
    )
    db.session.commit()
    return jsonify(queries.petition_json(petition, count=0, now=now)), 201


@bp.get("/petitions/<int:petition_id>")
def get_petition(petition_id: int):
    return jsonify(queries.petition_json(_load(petition_id, _optional_viewer_iin()), now=_now()))


@bp.patch("/petitions/<int:petition_id>")
def edit_petition(petition_id: int):
    user = bearer_user()
    petition = _load(petition_id, user.iin)
    data = typed_body(title=str, body=str, language=str)
    services.edit_draft(
        petition, user, title=data.get("title", petition.title), body=data.get("body", petition.body),
        language=data.get("language", petition.language),
    )
    db.session.commit()
    return jsonify(queries.petition_json(petition, count=0, now=_now()))


@bp.post("/petitions/<int:petition_id>/submit")
def submit_petition(petition_id: int):
    user = bearer_user()
    petition = _load(petition_id, user.iin)
    now = _now()
    services.submit(petition, user, typed_body(jws=str).get("jws"), now)
    db.session.commit()
    return jsonify(queries.petition_json(petition, count=0, now=now))


def _act_body() -> object:
    """The JWS of an official act: the body is `{jws}` and nothing else (API.md "Official acts"); the
    decision is in the signed payload, so a member beside it would be a decision nobody signed."""
    extra = {name: "not a member of this request: the decision is in the signed act" for name in sorted(set(body()) - {"jws"})}
    if extra:
        raise DomainError("validation_error", fields=extra)
    return typed_body(jws=str).get("jws")


@bp.post("/petitions/<int:petition_id>/moderation")
@role_required("moderator")
def moderate_petition(petition_id: int):
    petition = _load(petition_id)
    now = _now()
    services.moderate(petition, bearer_user(), _act_body(), now)
    db.session.commit()
    return jsonify(queries.petition_json(petition, now=now))


def _signer_key() -> str:
    petition_id = request.view_args["petition_id"]
    return signer_limit_key(lambda jws: signing.would_take(petition_id, jws, _now()))


@bp.post("/petitions/<int:petition_id>/signatures")
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGNED"], key_func=_signer_key, scope="sign")
def sign_petition(petition_id: int):
    # The hot path: one call, the use case, which owns its transactions (petitions.signing).
    data = _signing_body(petition_id)
    signed = signing.sign_petition(petition_id, data.get("jws"), _now(), notify=data.get("notify") is True)
    return jsonify({"receipt": signed.receipt, "petition": petition_id, "moves": list(signed.moves)}), 201


def _signing_body(petition_id: int) -> dict:
    try:
        return typed_body(jws=str, notify=bool)
    except DomainError:
        signing.published_facts(petition_id)  # a petition that is not there is not_found, whatever the body
        raise


@bp.get("/petitions/<int:petition_id>/follow")
def petition_following(petition_id: int):
    """Whether the caller follows the petition (only the caller's own tie: never who else follows)."""
    user = bearer_user()
    petition = _load(petition_id, user.iin)
    return jsonify({"following": following.follows(petition.id, user.id)})


@bp.put("/petitions/<int:petition_id>/follow")
def follow_petition(petition_id: int):
    user = bearer_user()
    petition = _load(petition_id, user.iin)
    following.follow(petition, user, _now())
    db.session.commit()
    return jsonify({"following": True})


@bp.delete("/petitions/<int:petition_id>/follow")
def unfollow_petition(petition_id: int):
    user = bearer_user()
    petition = _load(petition_id, user.iin)
    following.unfollow(petition, user)
    db.session.commit()
    return jsonify({"following": False})


@bp.get("/petitions/<int:petition_id>/count")
def petition_count(petition_id: int):
    tally = counter.public_tally(petition_id)
    if tally is None:
        raise DomainError("not_found")
    # The most read URL of a national petition: body and ETag are made once per refresh.
    response = current_app.response_class(tally.body, mimetype="application/json")
    response.set_etag(tally.etag)
    response.headers["Cache-Control"] = _COUNT_CACHE_CONTROL
    return response.make_conditional(request)


_COUNT_CACHE_CONTROL = f"public, max-age={int(counter.COUNT_TTL_SECONDS)}"


@bp.post("/petitions/<int:petition_id>/review")
def review_petition(petition_id: int):
    user = bearer_user()
    petition = _load(petition_id)
    now = _now()
    services.review(petition, user, _act_body(), now)
    db.session.commit()
    return jsonify(queries.petition_json(petition, now=now))


def _rater_key() -> str:
    petition_id = request.view_args["petition_id"]

    def would_take(jws: object):
        petition = db.session.get(Petition, petition_id)
        if petition is None or petition.state == "draft":
            return None
        return eds.verify(jws, "petition.rate", _now(), expected_doc=petition.signed_doc())

    return signer_limit_key(would_take)


@bp.post("/petitions/<int:petition_id>/ratings")
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGNED"], key_func=_rater_key, scope="rate")
def rate_answer(petition_id: int):
    """The author or a signer rates the answer (API.md "Accountability"): a `petition.rate` JWS."""
    petition = _load(petition_id)
    rated = accountability.rate(petition, typed_body(jws=str).get("jws"), _now())
    db.session.commit()
    return jsonify({"receipt": rated.receipt, "petition": petition_id, "contested": rated.contested}), 201


@bp.get("/petitions/<int:petition_id>/signatures")
def petition_signers(petition_id: int):
    """Public: the latest signers as given name and surname initial; never an IIN."""
    petition = _load(petition_id)
    if petition.state not in queries.PUBLIC_STATES:
        raise DomainError("not_found")
    return jsonify(
        {
            "items": [{"name": name, "signed_at": at.isoformat()} for name, at in queries.recent_signers(petition_id)],
            # small regions and days merged into "other" (petitions.breakdowns); [] below the minimum
            "by_region": _regions_json(breakdowns.by_region(petition_id)),
            "by_day": [{"day": day if day == breakdowns.OTHER else day.isoformat(), "count": count}
                       for day, count in breakdowns.by_day(petition_id)],
            # the first PETITION_HOURLY_DAYS days hour by hour; `hour` is the hour's first instant (UTC)
            "by_hour": [{"hour": hour if hour == breakdowns.OTHER else hour.isoformat(), "count": count}
                        for hour, count in breakdowns.by_hour(petition_id, _now()).rows],
        }
    )


def _regions_json(by_region: list[tuple[str, int]]) -> list[dict]:
    """Each region with its names (null for "other" and for a code missing from the territory list)."""
    katos = [kato for kato, _ in by_region]
    found = {t.kato: t for t in db.session.scalars(select(Territory).where(Territory.kato.in_(katos)))}
    return [
        {"region": kato, "count": count, "name_kk": getattr(found.get(kato), "name_kk", None),
         "name_ru": getattr(found.get(kato), "name_ru", None)}
        for kato, count in by_region
    ]


@bp.get("/petitions/rules")
def petition_rules():
    """The published lists: addressees, forbidden topics and rejection reason codes."""
    return jsonify(
        {
            "addressees": {code: str(name) for code, name in rules.ADDRESSEE_NAMES.items()},
            "forbidden_topics": {code: str(text) for code, text in rules.FORBIDDEN_TOPICS.items()},
            "rejection_reasons": {code: str(text) for code, text in rules.REJECTION_REASONS.items()},
        }
    )


@bp.get("/moderation/queue")
@role_required("moderator")
def moderation_queue():
    now = _now()
    items = queries.queue(("moderation",), Petition.moderation_due_on)
    return jsonify(
        {"items": [
            {
                **queries.petition_json(p, count=0, now=now),
                "working_days_left": queries.working_days_left(p.moderation_due_on, now),
                "similar": queries.similar_json(queries.similar_petitions(p, queries.SIMILAR_STATES_FOR_MODERATORS)),
            }
            for p in items
        ]}
    )


@bp.get("/review/queue")
@role_required("reviewer")
def review_queue():
    now = _now()
    user = bearer_user()
    bodies = bodies_served(user, "reviewer")
    items = queries.queue(("under_review",), Petition.review_due_on, bodies=bodies)
    return jsonify(
        {
            "items": [
                {**queries.petition_json(p, now=now), "owes": "answer", "working_days_left": queries.working_days_left(p.review_due_on, now)}
                for p in items
            ],
            # answered petitions whose body still owes a follow-up answer or a report, earliest first
            "after_answer": [
                {**queries.petition_json(p, now=now), "owes": owes, "working_days_left": queries.working_days_left(due, now)}
                for p, owes, due in queries.owed_after_answer(bodies)
            ],
        }
    )


