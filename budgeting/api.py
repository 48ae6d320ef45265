"""/api/v1/budget: cycles, proposals, screening, ballots online and on paper, results (API.md)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from flask_babel import lazy_gettext as _l

from auth.access import bearer_user, signer_limit_key
from budgeting import page_queries, queries, services
from budgeting.models import BudgetCycle, Proposal
from extensions import db, limiter
from jsonapi import API_PREFIX, body, typed, typed_body
from kernel.errors import DomainError
from web.clock import now as _now

bp = Blueprint("budget_api", __name__, url_prefix=API_PREFIX + "/budget")


def _cycle(cycle_id: int) -> BudgetCycle:
    cycle = db.session.get(BudgetCycle, cycle_id)
    if cycle is None:
        raise DomainError("not_found")
    return cycle


def _proposal(proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        raise DomainError("not_found")
    return proposal


@bp.get("/cycles")
def list_cycles():
    now = _now()
    return jsonify({"items": [queries.cycle_json(c, now, with_projects=False) for c in queries.cycles(request.args.get("territory"))]})


@bp.get("/cycles/<int:cycle_id>")
def get_cycle(cycle_id: int):
    return jsonify(queries.cycle_json(_cycle(cycle_id), _now()))


@bp.post("/cycles/<int:cycle_id>/proposals")
def create_proposal(cycle_id: int):
    user = bearer_user()
    data = typed_body(title=str, description=str, category=str, settlement=str, cost=int, petition=int)
    proposal = services.create_proposal(_cycle(cycle_id), user, data, _now())
    db.session.commit()
    return jsonify(queries.proposal_json(proposal)), 201


@bp.get("/proposals/<int:proposal_id>")
def get_proposal(proposal_id: int):
    proposal = _proposal(proposal_id)
    if proposal.state == "draft":
        viewer = bearer_user() if request.headers.get("Authorization") else None
        if viewer is None or viewer.iin != proposal.author_iin:
            raise DomainError("not_found")
    return jsonify(queries.proposal_json(proposal))


@bp.post("/proposals/<int:proposal_id>/submit")
def submit_proposal(proposal_id: int):
    user = bearer_user()
    proposal = services.submit_proposal(_proposal(proposal_id), user, typed_body(jws=str).get("jws"), _now())
    db.session.commit()
    return jsonify(queries.proposal_json(proposal))


def _act_jws() -> object:
    """The body of an official act: `{jws}` and nothing else (API.md "Official acts": the decision is
    in the signed payload; a decision beside it would be one nobody signed)."""
    data = body()
    extra = sorted(set(data) - {"jws"})
    if extra:
        raise DomainError("validation_error", fields={name: "the decision goes in the signed act" for name in extra})
    return typed(data, jws=str).get("jws")


@bp.post("/proposals/<int:proposal_id>/screening")
def screen_proposal(proposal_id: int):
    user = bearer_user()
    proposal = services.screen(_proposal(proposal_id), user, _act_jws(), _now())
    db.session.commit()
    return jsonify(queries.proposal_json(proposal))


@bp.post("/proposals/<int:proposal_id>/implementation")
def implementation(proposal_id: int):
    user = bearer_user()
    proposal = services.set_implementation(_proposal(proposal_id), user, _act_jws(), _now())
    db.session.commit()
    return jsonify(queries.proposal_json(proposal))


def _voter_key() -> str:
    cycle_id = request.view_args["cycle_id"]
    return signer_limit_key(lambda jws: services.would_take_ballot(cycle_id, jws, _now()))


@bp.post("/cycles/<int:cycle_id>/ballots")
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGNED"], key_func=_voter_key, scope="ballot")
def cast_ballot(cycle_id: int):
    data = typed_body(jws=str, notify=bool)
    ballot = services.cast_ballot(_cycle(cycle_id), data.get("jws"), _now(), notify=data.get("notify") is True)
    db.session.commit()
    return jsonify({"receipt": ballot.receipt, "cycle": cycle_id}), 201


@bp.post("/cycles/<int:cycle_id>/paper-ballots")
def paper_ballot(cycle_id: int):
    user = bearer_user()
    ballot = services.record_paper_ballot(_cycle(cycle_id), user, _act_jws(), _now())
    db.session.commit()
    return jsonify({"receipt": ballot.receipt, "cycle": cycle_id}), 201


@bp.post("/cycles/<int:cycle_id>/follow")
@bp.put("/cycles/<int:cycle_id>/follow")
def follow_cycle(cycle_id: int):
    services.follow(_cycle(cycle_id), bearer_user())
    db.session.commit()
    return jsonify({"following": True})


@bp.get("/cycles/<int:cycle_id>/follow")
def cycle_following(cycle_id: int):
    """Whether the caller follows the cycle (only the caller's own tie: never who else follows)."""
    user = bearer_user()
    return jsonify({"following": page_queries.follows(_cycle(cycle_id).id, user.id)})


@bp.delete("/cycles/<int:cycle_id>/follow")
def unfollow_cycle(cycle_id: int):
    user = bearer_user()
    services.unfollow(_cycle(cycle_id), user)
    db.session.commit()
    return jsonify({"following": False})


@bp.get("/cycles/<int:cycle_id>/results")
def results(cycle_id: int):
    cycle = _cycle(cycle_id)
    if cycle.result is None:
        raise DomainError("wrong_state", _l("The results are published when voting has closed and the count has run."))
    return jsonify(cycle.result)


@bp.get("/cycles/<int:cycle_id>/ballots.pb")
def ballots_pb(cycle_id: int):
    cycle = _cycle(cycle_id)
    if cycle.pb_file is None:
        raise DomainError("wrong_state", _l("The ballot file is frozen when voting has closed."))
    response = Response(cycle.pb_file, mimetype="text/plain")
    response.headers["Content-Disposition"] = f'attachment; filename="dauys-{cycle.kato}-{cycle.year}.pb"'
    response.headers["X-Content-SHA256"] = cycle.pb_sha256
    return response
