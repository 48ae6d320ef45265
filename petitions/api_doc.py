"""petitions' part of the OpenAPI document: petitions, their signatures and count, the queues, open data."""

from __future__ import annotations

from openapi import (
    AUTH_ERRORS,
    BEARER,
    ERRORS,
    NULLABLE_DATE,
    NULLABLE_INSTANT,
    NULLABLE_STRING,
    body,
    error,
    ref,
    response,
)

# The budget proposals that take a petition up (DOMAIN.md "After the answer"), oldest first, and their fate.
BUDGET_PROPOSALS = {
    "type": "array",
    "items": {
        "type": "object", "required": ["id", "cycle", "state"],
        "properties": {
            "id": {"type": "integer"},
            "cycle": {"type": "integer"},
            "state": {"enum": ["submitted", "eligible", "ineligible", "funded", "not_funded", "implemented"]},
            "title": {"type": "string"},
            "year": {"type": "integer"},
            "funded": {"type": ["boolean", "null"]},
            "implementation": {"enum": ["planned", "in_progress", "done", None]},
        },
    },
}

SCHEMAS: dict = {
    "Petition": {
        "type": "object",
        "required": [
            "id", "title", "body", "language", "addressee", "territory", "state", "digest", "signature_count",
            "threshold", "author_display", "created_at", "submitted_at", "moderation_due_on", "published_at",
            "restricted_until", "collection_ends_at", "threshold_reached_at", "review_due_on", "discussion", "answer",
            "acts",
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
            "budget_proposals": BUDGET_PROPOSALS,
            "acts": {
                "description": "Every official act on the petition (API.md \"Official acts\"), oldest first, each JWS "
                               "whole, verifiable with GET /eds/ca alone.",
                "type": "array",
                "items": {
                    "type": "object", "required": ["purpose", "at", "official", "jws"],
                    "properties": {
                        "purpose": {"enum": ["petition.moderate", "petition.discussion", "petition.answer",
                                             "petition.follow_up", "petition.report"]},
                        "at": {"type": "string", "format": "date-time"},
                        "official": {"type": "object", "required": ["name", "role", "body"], "properties": {
                            "name": {"type": "string"}, "role": {"type": "string"}, "body": {"type": "string"}}},
                        "jws": {"type": "string"},
                    },
                },
            },
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

PETITION_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]


def paths() -> dict:
    petition_json = response(ref("Petition"))
    return {
        "/petitions": {
            "get": {"summary": "Public petitions", "parameters": [
                {"name": n, "in": "query", "schema": {"type": t}} for n, t in
                (("state", "string"), ("addressee", "string"), ("territory", "string"), ("q", "string"),
                 ("page", "integer"))],
                "responses": {"200": response(ref("PetitionPage")), "422": ERRORS["422"]}},
            "post": {"security": BEARER, "summary": "Create a draft", "requestBody": body({
                "type": "object", "required": ["title", "body", "language", "addressee"], "properties": {
                    "title": {"type": "string"}, "body": {"type": "string"}, "language": {"enum": ["kk", "ru"]},
                    "addressee": {"type": "string"}, "territory": NULLABLE_STRING}}),
                "responses": {"201": petition_json, **AUTH_ERRORS, "422": ERRORS["422"]}},
        },
        "/petitions/rules": {"get": {"summary": "Addressees, forbidden topics, rejection reasons", "responses": {
            "200": response({"type": "object"})}}},
        "/petitions/{id}": {
            "parameters": PETITION_ID,
            "get": {"summary": "A petition (drafts: the author only)", "responses": {
                "200": petition_json, "404": error("Not found")}},
            "patch": {"security": BEARER, "summary": "Edit a draft", "requestBody": body({"type": "object"}),
                      "responses": {"200": petition_json, **AUTH_ERRORS, "404": error("Not found"),
                                    "409": error("Not a draft"), "422": ERRORS["422"]}},
        },
        "/petitions/{id}/submit": {"parameters": PETITION_ID, "post": {
            "security": BEARER, "summary": "Submit with a `petition.submit` JWS", "requestBody": body(ref("Jws")),
            "responses": {"200": petition_json, **ERRORS, **AUTH_ERRORS, "404": error("Not found"),
                          "409": error("Wrong state")}}},
        "/petitions/{id}/moderation": {"parameters": PETITION_ID, "post": {
            "security": BEARER,
            "summary": "Approve or reject (moderators): the official act `petition.moderate`, its payload "
                       "`{purpose, iat, doc, decision: approve|reject, reason?, comment?}`",
            "requestBody": body(ref("Jws")),
            "responses": {"200": petition_json, **ERRORS, **AUTH_ERRORS, "404": error("Not found"),
                          "409": error("Wrong state")}}},
        "/petitions/{id}/signatures": {"parameters": PETITION_ID,
            "post": {"summary": "Sign with a `petition.sign` JWS", "requestBody": body({
                "type": "object", "required": ["jws"], "properties": {"jws": {"type": "string"},
                                                                      "notify": {"type": "boolean"}}}),
                "responses": {"201": response({"type": "object", "required": ["receipt"], "properties": {
                    "receipt": {"type": "string"}}}), **ERRORS, "403": error("Not eligible or not resident"),
                    "404": error("Not found"), "409": error("Already signed or wrong state"),
                    "429": error("Too many requests")}},
            "get": {"summary": "Latest signers (name and initial), by region, by day", "responses": {
                "200": response({"type": "object"}), "404": error("Not found")}}},
        "/petitions/{id}/count": {"parameters": PETITION_ID, "get": {
            "summary": "The public count (cacheable; lags at most 1 s)", "responses": {
                "200": response(ref("Count")), "304": {"description": "Not modified"}, "404": error("Not found")}}},
        "/petitions/{id}/review": {"parameters": PETITION_ID, "post": {
            "security": BEARER,
            "summary": "Schedule the discussion or publish the answer (reviewers of the addressee): the official "
                       "act `petition.discussion` (`doc, at, place`) or `petition.answer` (`doc, decision, text, "
                       "measures?, report_due_on?`)",
            "requestBody": body(ref("Jws")),
            "responses": {"200": petition_json, **ERRORS, **AUTH_ERRORS, "404": error("Not found"),
                          "409": error("Wrong state")}}},
        "/moderation/queue": {"get": {"security": BEARER, "summary": "Moderation queue, earliest due first",
                                      "responses": {"200": response({"type": "object"}), **AUTH_ERRORS}}},
        "/review/queue": {"get": {"security": BEARER, "summary": "Review queue of the caller's bodies",
                                  "responses": {"200": response({"type": "object"}), **AUTH_ERRORS}}},
        "/exports/{name}.{fmt}": {"get": {
            "summary": "Open data without personal data: petitions, signatures-by-region, signatures-by-day",
            "parameters": [
                {"name": "name", "in": "path", "required": True,
                 "schema": {"enum": ["petitions", "signatures-by-region", "signatures-by-day"]}},
                {"name": "fmt", "in": "path", "required": True, "schema": {"enum": ["csv", "json"]}},
            ],
            "responses": {"200": {"description": "CSV or JSON", "content": {
                "text/csv": {"schema": {"type": "string"}}, "application/json": {"schema": {"type": "object"}}}},
                "404": error("Unknown dataset")}}},
    }
