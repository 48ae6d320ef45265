"""/api/v1 endpoints of identity: the CA, territories, challenges and Bearer tokens."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, current_app, jsonify, request
from flask_babel import get_locale
from sqlalchemy import select

from auth import services
from auth.access import bearer_user
from auth.instance_ca import certification_authority
from extensions import db, limiter
from jsonapi import API_PREFIX, typed_body
from kernel.errors import DomainError
from kernel.territories import TERRITORY_LEVELS, Territory
from web.clock import now as _now

bp = Blueprint("auth_api", __name__, url_prefix=API_PREFIX)


@bp.get("/eds/ca")
def ca_certificates():
    pem = certification_authority().chain_pem()
    return Response(pem, mimetype="application/x-pem-file", headers={"Cache-Control": "public, max-age=3600"})


@bp.get("/eds/crl")
def revocation_list():
    return Response(services.current_crl(_now()), mimetype="application/x-pem-file")


@bp.get("/territories")
def territories():
    stmt = select(Territory).order_by(Territory.kato)
    level = request.args.get("level")
    if level:
        if level not in TERRITORY_LEVELS:
            raise DomainError("validation_error", fields={"level": ", ".join(TERRITORY_LEVELS)})
        stmt = stmt.where(Territory.level == level)
    parent = request.args.get("parent")
    if parent:
        stmt = stmt.where(Territory.parent == parent)
    return jsonify({"items": [t.to_json() for t in db.session.scalars(stmt)]})


@bp.post("/auth/challenge")
@limiter.limit("30/minute")
def challenge():
    nonce = services.new_challenge(_now())
    db.session.commit()
    return jsonify({"nonce": nonce.nonce, "expires_at": nonce.expires_at.isoformat()}), 201


@bp.post("/auth/token")
@limiter.limit("30/minute")
def token():
    data = typed_body(jws=str)
    now = _now()
    lifetime = timedelta(seconds=current_app.config["API_TOKEN_SECONDS"])
    try:
        signed_in = services.login_with_eds(data.get("jws"), now, lifetime, str(get_locale()))
        access_token, expires_in = services.issue_api_token(signed_in, now)
        db.session.commit()
    except DomainError:
        # The nonce stays unused only if nothing else failed; a refused login writes nothing.
        db.session.rollback()
        raise
    return jsonify({"access_token": access_token, "token_type": "Bearer", "expires_in": expires_in})


@bp.post("/auth/logout")
def logout():
    """End the token's login session: this token (and any copy of it) is refused from now on."""
    services.end_login_session(bearer_user().session_handle, _now())
    db.session.commit()
    return "", 204


@bp.get("/me")
def me():
    user = bearer_user()
    person = user.person
    return jsonify(
        {
            "id": user.id,
            "display_name": person.display_name,
            "surname": person.surname,
            "given_name": person.given_name,
            "kato": person.kato,
            "roles": [{"role": g.role, "scope": g.scope, "body": g.body} for g in user.grants if g.well_formed],
        }
    )
