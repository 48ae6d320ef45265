"""GET /api/v1/openapi.json: the HTTP surface of API.md as an OpenAPI 3.1 document."""

from __future__ import annotations

from flask import Blueprint, jsonify

from jsonapi import API_PREFIX

bp = Blueprint("openapi", __name__, url_prefix=API_PREFIX)

ERROR_CODES = [
    "invalid_signature", "untrusted_certificate", "certificate_expired", "certificate_revoked", "wrong_key_usage",
    "stale_signature", "nonce_invalid", "digest_mismatch", "already_signed", "already_voted", "not_eligible",
    "not_resident", "wrong_state", "over_budget", "too_many_choices", "too_few_choices", "unauthorized",
    "forbidden", "not_found", "method_not_allowed", "validation_error", "rate_limited", "service_unavailable",
]

NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
NULLABLE_INSTANT = {"type": ["string", "null"], "format": "date-time"}

SCHEMAS: dict = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string", "enum": ERROR_CODES},
                    "message": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            }
        },
    },
    "Jws": {
        "type": "object",
        "required": ["jws"],
        "properties": {"jws": {"type": "string", "description": "compact JWS, RS256 or ES256; header alg, x5c = [leaf, issuing CA] (base64 DER), optional typ, nothing else"}},
    },
    "Territory": {
        "type": "object",
        "required": ["kato", "name_kk", "name_ru", "level", "parent", "population"],
        "properties": {
            "kato": {"type": "string", "pattern": "^[0-9]{9}$"},
            "name_kk": {"type": "string"},
            "name_ru": {"type": "string"},
            "name_en": NULLABLE_STRING,
            "level": {"type": "string", "enum": ["region", "district", "city", "rural_district", "settlement"]},
            "parent": NULLABLE_STRING,
            "population": {"type": ["integer", "null"]},
        },
    },
    "Petition": {
        "type": "object",
        "required": [
            "id", "title", "body", "language", "addressee", "territory", "state", "digest", "signature_count",
            "threshold", "author_display", "created_at", "submitted_at", "moderation_due_on", "published_at",
            "restricted_until", "collection_ends_at", "threshold_reached_at", "review_due_on", "discussion", "answer",
        ],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "body": {"type": "string"},
            "language": {"type": "string", "enum": ["kk", "ru"]},
            "addressee": {
                "type": "string",
                "enum": ["government", "region_akimat", "region_maslikhat", "city_akimat", "city_maslikhat"],
            },
            "territory": NULLABLE_STRING,
            "state": {
                "type": "string",
                "enum": ["draft", "moderation", "rejected", "restricted", "lapsed", "open", "closed",
                         "under_review", "answered"],
            },
            "digest": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"},
            "signature_count": {"type": "integer", "minimum": 0},
            "threshold": {"type": "integer", "minimum": 1},
            "author_display": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
            "submitted_at": NULLABLE_INSTANT,
            "moderation_due_on": NULLABLE_DATE,
            "published_at": NULLABLE_INSTANT,
            "restricted_until": NULLABLE_DATE,
            "collection_ends_at": NULLABLE_INSTANT,
            "threshold_reached_at": NULLABLE_INSTANT,
            "review_due_on": NULLABLE_DATE,
            "discussion": {
                "type": ["object", "null"],
                "properties": {"at": {"type": "string", "format": "date-time"}, "place": {"type": "string"}},
            },
            "answer": {
                "type": ["object", "null"],
                "properties": {
                    "decision": {"type": "string", "enum": ["supported", "partly_supported", "not_supported"]},
                    "text": {"type": "string"},
                    "official": {"type": "string"},
                    "answered_at": {"type": "string", "format": "date-time"},
                },
            },
            "rejection": {"type": ["object", "null"]},
            "similar": {
                "description": "A draft's (and in the moderation queue, a petition's) live petitions whose title a "
                               "reader could take for this one's: look-alike letters, case or Unicode form aside.",
                "type": "array",
                "items": {
                    "type": "object", "required": ["id", "title", "state"],
                    "properties": {"id": {"type": "integer"}, "title": {"type": "string"}, "state": {"type": "string"}},
                },
            },
        },
    },
    "PetitionPage": {
        "type": "object",
        "required": ["items", "page", "pages", "total"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Petition"}},
            "page": {"type": "integer"},
            "pages": {"type": "integer"},
            "total": {"type": "integer"},
        },
    },
    "Cycle": {
        "type": "object",
        "required": ["id", "territory", "year", "phase", "amount", "ballot", "rule"],
        "properties": {
            "id": {"type": "integer"},
            "territory": {"type": "string"},
            "year": {"type": "integer"},
            "phase": {"enum": ["scheduled", "proposals", "screening", "voting", "counting", "results"]},
            "amount": {"type": "integer"},
            "ballot": {"enum": ["approval", "knapsack"]},
            "rule": {"enum": ["greedy", "mes"]},
            "min_choices": {"type": ["integer", "null"]},
            "max_choices": {"type": ["integer", "null"]},
            "projects": {"type": "array", "items": {"$ref": "#/components/schemas/Proposal"}},
        },
    },
    "Proposal": {
        "type": "object",
        "required": ["id", "cycle", "title", "description", "category", "settlement", "cost", "state", "digest"],
        "properties": {
            "id": {"type": "integer"},
            "cycle": {"type": "integer"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "category": {"type": "string"},
            "settlement": {"type": "string"},
            "cost": {"type": "integer"},
            "checked_cost": {"type": ["integer", "null"]},
            "state": {"enum": ["draft", "submitted", "eligible", "ineligible"]},
            "digest": {"type": "string"},
        },
    },
    "Count": {
        "type": "object",
        "required": ["signature_count", "threshold", "state"],
        "properties": {
            "signature_count": {"type": "integer", "minimum": 0},
            "threshold": {"type": "integer"},
            "state": {"type": "string"},
        },
    },
}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


BEARER = [{"bearer": []}]
ERRORS = {"400": _error("Refused signature"), "422": _error("Invalid input")}
AUTH_ERRORS = {"401": _error("No or bad Bearer token"), "403": _error("Not allowed")}
PETITION_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]


def _paths() -> dict:
    petition_json = _json(_ref("Petition"))
    return {
        "/eds/ca": {"get": {"summary": "Issuing CA then root CA, PEM", "responses": {
            "200": {"description": "PEM", "content": {"application/x-pem-file": {"schema": {"type": "string"}}}}}}},
        "/eds/crl": {"get": {"summary": "Certificate revocation list, PEM", "responses": {
            "200": {"description": "PEM", "content": {"application/x-pem-file": {"schema": {"type": "string"}}}}}}},
        "/territories": {"get": {
            "summary": "KATO territories",
            "parameters": [
                {"name": "level", "in": "query", "schema": {"type": "string"}},
                {"name": "parent", "in": "query", "schema": {"type": "string"}},
            ],
            "responses": {"200": _json({"type": "object", "required": ["items"], "properties": {
                "items": {"type": "array", "items": _ref("Territory")}}}), "422": ERRORS["422"]},
        }},
        "/auth/challenge": {"post": {"summary": "A single-use login nonce (5 minutes)", "responses": {
            "201": _json({"type": "object", "required": ["nonce", "expires_at"], "properties": {
                "nonce": {"type": "string"}, "expires_at": {"type": "string", "format": "date-time"}}}),
            "429": _error("Too many requests")}}},
        "/auth/token": {"post": {
            "summary": "Exchange an `auth` JWS for a Bearer token",
            "requestBody": _body(_ref("Jws")),
            "responses": {"200": _json({"type": "object", "required": ["access_token", "token_type", "expires_in"],
                                        "properties": {"access_token": {"type": "string"},
                                                       "token_type": {"const": "Bearer"},
                                                       "expires_in": {"type": "integer"}}}),
                          **ERRORS, "403": _error("Not in the registry"), "429": _error("Too many requests")},
        }},
        "/auth/logout": {"post": {
            "security": BEARER,
            "summary": "End the token's login session: the token, and every copy of it, is refused from now on",
            "responses": {"204": {"description": "Signed out"}, "401": AUTH_ERRORS["401"]},
        }},
        "/me": {"get": {"security": BEARER, "summary": "The signed-in person", "responses": {
            "200": _json({"type": "object"}), "401": AUTH_ERRORS["401"]}}},
        "/me/notifications": {"get": {"security": BEARER, "summary": "The inbox", "responses": {
            "200": _json({"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {
                "type": "object", "required": ["event", "created_at", "read"], "properties": {
                    "event": {"type": "string"}, "petition": {"type": "integer"}, "cycle": {"type": "integer"},
                    "created_at": {"type": "string", "format": "date-time"}, "read": {"type": "boolean"}}}}}}),
            "401": AUTH_ERRORS["401"]}}},
        "/petitions": {
            "get": {"summary": "Public petitions", "parameters": [
                {"name": n, "in": "query", "schema": {"type": t}} for n, t in
                (("state", "string"), ("addressee", "string"), ("territory", "string"), ("q", "string"),
                 ("page", "integer"))],
                "responses": {"200": _json(_ref("PetitionPage")), "422": ERRORS["422"]}},
            "post": {"security": BEARER, "summary": "Create a draft", "requestBody": _body({
                "type": "object", "required": ["title", "body", "language", "addressee"], "properties": {
                    "title": {"type": "string"}, "body": {"type": "string"}, "language": {"enum": ["kk", "ru"]},
                    "addressee": {"type": "string"}, "territory": NULLABLE_STRING}}),
                "responses": {"201": petition_json, **AUTH_ERRORS, "422": ERRORS["422"]}},
        },
        "/petitions/rules": {"get": {"summary": "Addressees, forbidden topics, rejection reasons", "responses": {
            "200": _json({"type": "object"})}}},
        "/petitions/{id}": {
            "parameters": PETITION_ID,
            "get": {"summary": "A petition (drafts: the author only)", "responses": {
                "200": petition_json, "404": _error("Not found")}},
            "patch": {"security": BEARER, "summary": "Edit a draft", "requestBody": _body({"type": "object"}),
                      "responses": {"200": petition_json, **AUTH_ERRORS, "404": _error("Not found"),
                                    "409": _error("Not a draft"), "422": ERRORS["422"]}},
        },
        "/petitions/{id}/submit": {"parameters": PETITION_ID, "post": {
            "security": BEARER, "summary": "Submit with a `petition.submit` JWS", "requestBody": _body(_ref("Jws")),
            "responses": {"200": petition_json, **ERRORS, **AUTH_ERRORS, "404": _error("Not found"),
                          "409": _error("Wrong state")}}},
        "/petitions/{id}/moderation": {"parameters": PETITION_ID, "post": {
            "security": BEARER, "summary": "Approve or reject (moderators)", "requestBody": _body({
                "type": "object", "required": ["decision"], "properties": {
                    "decision": {"enum": ["approve", "reject"]}, "reason": {"type": "string"},
                    "comment": {"type": "string"}}}),
            "responses": {"200": petition_json, **AUTH_ERRORS, "404": _error("Not found"),
                          "409": _error("Wrong state"), "422": ERRORS["422"]}}},
        "/petitions/{id}/signatures": {"parameters": PETITION_ID,
            "post": {"summary": "Sign with a `petition.sign` JWS", "requestBody": _body({
                "type": "object", "required": ["jws"], "properties": {"jws": {"type": "string"},
                                                                      "notify": {"type": "boolean"}}}),
                "responses": {"201": _json({"type": "object", "required": ["receipt"], "properties": {
                    "receipt": {"type": "string"}}}), **ERRORS, "403": _error("Not eligible or not resident"),
                    "404": _error("Not found"), "409": _error("Already signed or wrong state"),
                    "429": _error("Too many requests")}},
            "get": {"summary": "Latest signers (name and initial), by region, by day", "responses": {
                "200": _json({"type": "object"}), "404": _error("Not found")}}},
        "/petitions/{id}/count": {"parameters": PETITION_ID, "get": {
            "summary": "The public count (cacheable; lags at most 1 s)", "responses": {
                "200": _json(_ref("Count")), "304": {"description": "Not modified"}, "404": _error("Not found")}}},
        "/petitions/{id}/review": {"parameters": PETITION_ID, "post": {
            "security": BEARER, "summary": "Schedule the discussion or publish the answer (reviewers)",
            "requestBody": _body({"type": "object", "required": ["action"], "properties": {
                "action": {"enum": ["schedule_discussion", "answer"]}, "at": {"type": "string"},
                "place": {"type": "string"}, "decision": {"type": "string"}, "text": {"type": "string"}}}),
            "responses": {"200": petition_json, **AUTH_ERRORS, "404": _error("Not found"),
                          "409": _error("Wrong state"), "422": ERRORS["422"]}}},
        "/moderation/queue": {"get": {"security": BEARER, "summary": "Moderation queue, earliest due first",
                                      "responses": {"200": _json({"type": "object"}), **AUTH_ERRORS}}},
        "/review/queue": {"get": {"security": BEARER, "summary": "Review queue of the caller's bodies",
                                  "responses": {"200": _json({"type": "object"}), **AUTH_ERRORS}}},
        **_budget_paths(),
        "/exports/{name}.{fmt}": {"get": {
            "summary": "Open data without personal data: petitions, signatures-by-region, signatures-by-day",
            "parameters": [
                {"name": "name", "in": "path", "required": True,
                 "schema": {"enum": ["petitions", "signatures-by-region", "signatures-by-day"]}},
                {"name": "fmt", "in": "path", "required": True, "schema": {"enum": ["csv", "json"]}},
            ],
            "responses": {"200": {"description": "CSV or JSON", "content": {
                "text/csv": {"schema": {"type": "string"}}, "application/json": {"schema": {"type": "object"}}}},
                "404": _error("Unknown dataset")}}},
    }


CYCLE_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]


def _budget_paths() -> dict:
    proposal = _json(_ref("Proposal"))
    receipt = _json({"type": "object", "required": ["receipt"], "properties": {"receipt": {"type": "string"}}})
    ballot_errors = {
        **ERRORS, "403": _error("Not eligible, not resident, or not allowed"), "404": _error("Not found"),
        "409": _error("Already voted or wrong phase"), "422": _error("Over budget, too many or too few choices"),
    }
    return {
        "/budget/cycles": {"get": {"summary": "Budget cycles", "parameters": [
            {"name": "territory", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": _json({"type": "object", "required": ["items"], "properties": {
                "items": {"type": "array", "items": _ref("Cycle")}}})}}},
        "/budget/cycles/{id}": {"parameters": CYCLE_ID, "get": {"summary": "A cycle with its projects", "responses": {
            "200": _json(_ref("Cycle")), "404": _error("Not found")}}},
        "/budget/cycles/{id}/proposals": {"parameters": CYCLE_ID, "post": {
            "security": BEARER, "summary": "Propose an item (adult residents, proposals phase)",
            "requestBody": _body({"type": "object", "required": ["title", "description", "category", "settlement", "cost"],
                                  "properties": {"title": {"type": "string"}, "description": {"type": "string"},
                                                 "category": {"type": "string"}, "settlement": {"type": "string"},
                                                 "cost": {"type": "integer"}}}),
            "responses": {"201": proposal, **AUTH_ERRORS, "404": _error("Not found"), "409": _error("Wrong phase"),
                          "422": ERRORS["422"]}}},
        "/budget/proposals/{id}": {"parameters": CYCLE_ID, "get": {"summary": "A proposal", "responses": {
            "200": proposal, "404": _error("Not found")}}},
        "/budget/proposals/{id}/submit": {"parameters": CYCLE_ID, "post": {
            "security": BEARER, "summary": "Submit with a `proposal.submit` JWS", "requestBody": _body(_ref("Jws")),
            "responses": {"200": proposal, **ERRORS, **AUTH_ERRORS, "404": _error("Not found"),
                          "409": _error("Wrong phase or state")}}},
        "/budget/proposals/{id}/screening": {"parameters": CYCLE_ID, "post": {
            "security": BEARER, "summary": "Screen a proposal (the rural district's budget officer)",
            "requestBody": _body({"type": "object", "required": ["eligible"], "properties": {
                "eligible": {"type": "boolean"}, "cost": {"type": "integer"}, "reason": {"type": "string"}}}),
            "responses": {"200": proposal, **AUTH_ERRORS, "404": _error("Not found"), "409": _error("Wrong phase"),
                          "422": ERRORS["422"]}}},
        "/budget/proposals/{id}/implementation": {"parameters": CYCLE_ID, "post": {
            "security": BEARER, "summary": "Implementation status and money spent of a funded item",
            "requestBody": _body({"type": "object", "required": ["status", "spent"], "properties": {
                "status": {"enum": ["planned", "in_progress", "done"]}, "spent": {"type": "integer"}}}),
            "responses": {"200": proposal, **AUTH_ERRORS, "404": _error("Not found"), "409": _error("Not funded"),
                          "422": ERRORS["422"]}}},
        "/budget/cycles/{id}/ballots": {"parameters": CYCLE_ID, "post": {
            "summary": "Cast the final ballot with a `ballot.cast` JWS", "requestBody": _body({
                "type": "object", "required": ["jws"], "properties": {"jws": {"type": "string"},
                                                                      "notify": {"type": "boolean"}}}),
            "responses": {"201": receipt, **ballot_errors, "429": _error("Too many requests")}}},
        "/budget/cycles/{id}/paper-ballots": {"parameters": CYCLE_ID, "post": {
            "security": BEARER, "summary": "Record a paper ballot (the community-meeting secretary)",
            "requestBody": _body({"type": "object", "required": ["iin", "projects"], "properties": {
                "iin": {"type": "string"}, "projects": {"type": "array", "items": {"type": "integer"}}}}),
            "responses": {"201": receipt, **ballot_errors, "401": AUTH_ERRORS["401"]}}},
        "/budget/cycles/{id}/follow": {"parameters": CYCLE_ID, "post": {
            "security": BEARER, "summary": "Hear about phase changes and results (residents)",
            "responses": {"200": _json({"type": "object"}), **AUTH_ERRORS, "404": _error("Not found")}}},
        "/budget/cycles/{id}/results": {"parameters": CYCLE_ID, "get": {"summary": "The published result", "responses": {
            "200": _json({"type": "object", "required": ["rule", "funded", "not_funded", "pb_sha256"], "properties": {
                "rule": {"enum": ["greedy", "mes"]}, "funded": {"type": "array", "items": {"type": "integer"}},
                "not_funded": {"type": "array", "items": {"type": "object", "required": ["id", "reason"]}},
                "pb_sha256": {"type": "string"}, "greedy_funded": {"type": "array", "items": {"type": "integer"}}}}),
            "404": _error("Not found"), "409": _error("Not counted yet")}}},
        "/budget/cycles/{id}/ballots.pb": {"parameters": CYCLE_ID, "get": {
            "summary": "The anonymised ballots in pabulib format", "responses": {
                "200": {"description": "pabulib", "content": {"text/plain": {"schema": {"type": "string"}}}},
                "404": _error("Not found"), "409": _error("Not frozen yet")}}},
    }


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Dauys API", "version": "1", "description": "The outside contract of shared/API.md."},
        "servers": [{"url": API_PREFIX}],
        "paths": _paths(),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(document())
