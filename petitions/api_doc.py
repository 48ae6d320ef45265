"""petitions' part of the OpenAPI document: petitions, their signatures and count, the queues, open data,
every body's record and the calendar it is counted on."""

from __future__ import annotations

from openapi import (
    AUTH_ERRORS,
    BEARER,
    ERRORS,
    FOLLOWING,
    NULLABLE_DATE,
    NULLABLE_INSTANT,
    NULLABLE_STRING,
    body,
    error,
    ref,
    response,
)
from petitions.body_statistics import CSV_FIELDS, DEFINITIONS
from petitions.statistics_api import CALENDAR_MAX_DAYS

NULLABLE_SHARE = {"type": ["number", "null"], "minimum": 0, "maximum": 1}
COUNT = {"type": "integer", "minimum": 0}

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
            "acts", "moderation_delayed", "moderated_at",
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
            "moderation_delayed": {
                "description": "Still in moderation after moderation_due_on (the Kazakhstan day): the decision is late.",
                "type": "boolean",
            },
            "moderated_at": NULLABLE_INSTANT,
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
            "ratings": {
                "description": "Citizens' ratings of the answer (API.md \"Accountability\"): mean to 2 places, the "
                               "share of 1 and 2 to 4 places, each reason code's count, and (an extension) the "
                               "count of each rating 1-5.",
                "type": "object", "required": ["count", "mean", "dissatisfied_share", "reasons"],
                "properties": {
                    "count": {"type": "integer", "minimum": 0},
                    "mean": {"type": ["number", "null"]},
                    "dissatisfied_share": {"type": ["number", "null"]},
                    "reasons": {"type": "object", "additionalProperties": {"type": "integer"}},
                    "distribution": {"type": "object", "additionalProperties": {"type": "integer"}},
                },
            },
            "rating_closes_on": {**NULLABLE_DATE, "description": "The last day the answer may be rated (30 working "
                                                                 "days after it)."},
            "contested_at": NULLABLE_INSTANT,
            "follow_up_due_on": NULLABLE_DATE,
            "follow_up": {
                "type": ["object", "null"],
                "properties": {"text": {"type": "string"}, "official": {"type": "string"},
                               "at": {"type": "string", "format": "date-time"}},
            },
            "measures": {
                "description": "What a supporting answer promised, by `id` (the answer's own ids, given to all "
                               "its measures or none, else 1, 2, ... in its order); `done` is null until the report.",
                "type": "array",
                "items": {
                    "type": "object", "required": ["id", "body", "what", "due_on", "done"],
                    "properties": {
                        "id": {"type": "integer"}, "body": {"type": "string"}, "what": {"type": "string"},
                        "due_on": {"type": "string", "format": "date"}, "done": {"type": ["boolean", "null"]},
                        "note": {"type": "string"},
                    },
                },
            },
            "report_due_on": NULLABLE_DATE,
            "report": {
                "type": ["object", "null"],
                "properties": {"text": {"type": "string"}, "official": {"type": "string"},
                               "at": {"type": "string", "format": "date-time"}},
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
    "BodyRecords": {
        "description": "Every body's record (API.md \"Accountability\"). " + DEFINITIONS,
        "type": "object",
        "required": ["items"],
        "properties": {
            "from": NULLABLE_DATE,
            "to": NULLABLE_DATE,
            "today": {"type": "string", "format": "date", "description": "The Kazakhstan day the figures are as of."},
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": [
                        "body", "received", "answered", "answered_on_time", "on_time_rate", "median_working_days",
                        "overdue_now", "moderation", "ratings", "contested", "reports_due", "reports_overdue",
                    ],
                    "properties": {
                        "body": {
                            "type": "object", "required": ["addressee", "territory", "name_kk", "name_ru"],
                            "properties": {
                                "addressee": {"type": "string"}, "territory": NULLABLE_STRING,
                                "name_kk": {"type": "string"}, "name_ru": {"type": "string"},
                            },
                        },
                        "received": COUNT,
                        "answered": COUNT,
                        "answered_on_time": COUNT,
                        "on_time_rate": NULLABLE_SHARE,
                        "median_working_days": {"type": ["number", "null"], "minimum": 0},
                        "overdue_now": COUNT,
                        "moderation": {
                            "type": "object", "required": ["decided", "on_time_rate", "overdue_now"],
                            "properties": {"decided": COUNT, "on_time_rate": NULLABLE_SHARE, "overdue_now": COUNT},
                        },
                        "ratings": {
                            "type": "object", "required": ["count", "mean", "dissatisfied_share"],
                            "properties": {
                                "count": COUNT, "mean": {"type": ["number", "null"], "minimum": 1, "maximum": 5},
                                "dissatisfied_share": NULLABLE_SHARE,
                            },
                        },
                        "contested": COUNT,
                        "reports_due": COUNT,
                        "reports_overdue": COUNT,
                    },
                },
            },
        },
    },
    "Calendar": {
        "type": "object",
        "required": ["from", "to", "non_working_days"],
        "properties": {
            "from": {"type": "string", "format": "date"},
            "to": {"type": "string", "format": "date"},
            "non_working_days": {"type": "array", "items": {"type": "string", "format": "date"}},
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


def _period(what: str) -> list[dict]:
    return [
        {"name": name, "in": "query", "required": False, "schema": {"type": "string", "format": "date"},
         "description": f"{side} of {what}, an ISO date (YYYY-MM-DD), included"}
        for name, side in (("from", "The first day"), ("to", "The last day"))
    ]


CALENDAR_DESCRIPTION = (
    "Every day of [from, to] (both included) that is not a working day on the production calendar the "
    "deadlines and the body record are counted on: weekends and public holidays, the government's transfers "
    "(a weekday off, a weekend day worked) and those an admin entered. Without `from` and `to`: this year in "
    "Kazakhstan; with one of them, that day's year from or to it. At most "
    f"{CALENDAR_MAX_DAYS} days; a bad date, `from` after `to` or a longer range is validation_error. "
    "Working days between two days a and b (as review_due_on and median_working_days count them): the days d "
    "with a < d <= b that are not in non_working_days, the start day excluded and the end day included; a "
    "deadline of n working days from a is the n-th such day after a."
)


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
            "get": {"summary": "Latest signers (name and initial); signatures by region (`region` KATO, `count`, "
                               "`name_kk`, `name_ru`), by day (`day`), and hour by hour over the first days of "
                               "signing (`hour`, the hour's first instant in UTC); cells below the minimum merged "
                               "into `other`", "responses": {
                "200": response({"type": "object"}), "404": error("Not found")}}},
        # an extension (README "Beyond API.md"): hear what the signers hear without signing; private
        "/petitions/{id}/follow": {"parameters": PETITION_ID,
            "get": {"security": BEARER, "summary": "Whether the caller follows the petition",
                    "responses": {"200": response(FOLLOWING), **AUTH_ERRORS, "404": error("Not found")}},
            "put": {"security": BEARER, "summary": "Follow the petition without signing it (idempotent): its followers "
                                                   "are told what its signers who asked to be told are",
                    "responses": {"200": response(FOLLOWING), **AUTH_ERRORS, "404": error("Not found"),
                                  "409": error("Not published, or finished (lapsed, closed)")}},
            "delete": {"security": BEARER, "summary": "Stop following the petition (idempotent)",
                       "responses": {"200": response(FOLLOWING), **AUTH_ERRORS, "404": error("Not found")}}},
        "/petitions/{id}/count": {"parameters": PETITION_ID, "get": {
            "summary": "The public count (cacheable; lags at most 1 s)", "responses": {
                "200": response(ref("Count")), "304": {"description": "Not modified"}, "404": error("Not found")}}},
        "/petitions/{id}/review": {"parameters": PETITION_ID, "post": {
            "security": BEARER,
            "summary": "A reviewer's act (reviewers of the addressee): `petition.discussion` (`doc, at, place`), "
                       "`petition.answer` (`doc, decision, text` of at least 200 characters, and for a supported or "
                       "partly supported answer `measures: [{body, what, due_on, id?}]` and `report_due_on`, at most 12 "
                       "months on), `petition.follow_up` (`doc, text`: once a contested answer owes it) or "
                       "`petition.report` (`doc, text, measures: [{id, done, note?}]`, every measure once)",
            "requestBody": body(ref("Jws")),
            "responses": {"200": petition_json, **ERRORS, **AUTH_ERRORS, "404": error("Not found"),
                          "409": error("Wrong state")}}},
        "/petitions/{id}/ratings": {"parameters": PETITION_ID, "post": {
            "summary": "Rate the answer (its author or a signer, once, within 30 working days): a `petition.rate` "
                       "JWS signed with the SIGN key, payload `{purpose, iat, doc, rating: 1-5, reasons: [code]}`; "
                       "reason codes (late, formal, incomplete, off_topic, not_implemented) go with ratings 1-3",
            "requestBody": body(ref("Jws")),
            "responses": {"201": response({"type": "object", "required": ["receipt"], "properties": {
                "receipt": {"type": "string"}, "contested": {"type": "boolean"}}}), **ERRORS,
                "403": error("Neither the author nor a signer"), "404": error("Not found"),
                "409": error("Already rated, or the answer is not open for rating"),
                "429": error("Too many requests")}}},
        "/moderation/queue": {"get": {"security": BEARER, "summary": "Moderation queue, earliest due first",
                                      "responses": {"200": response({"type": "object"}), **AUTH_ERRORS}}},
        "/review/queue": {"get": {"security": BEARER, "summary": "Review queue of the caller's bodies",
                                  "responses": {"200": response({"type": "object"}), **AUTH_ERRORS}}},
        "/statistics/bodies": {"get": {
            "summary": "Every body's record: received, answered, on time, working days, overdue, moderation, "
                       "ratings, contested, reports",
            "description": DEFINITIONS,
            "parameters": _period("the period (default: all time)"),
            "responses": {"200": response(ref("BodyRecords")), "422": ERRORS["422"]}}},
        "/exports/bodies.csv": {"get": {
            "summary": "GET /statistics/bodies as CSV: one row a body",
            "description": "UTF-8 with a byte-order mark; the JSON item flattened, one column each: "
                           + ", ".join(CSV_FIELDS) + ". An empty cell is null. Text cells that a spreadsheet "
                           "would run as a formula start with `'`.",
            "parameters": _period("the period (default: all time)"),
            "responses": {"200": {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}},
                          "422": ERRORS["422"]}}},
        "/calendar": {"get": {
            "summary": "The production calendar: the non-working days of a range",
            "description": CALENDAR_DESCRIPTION,
            "parameters": _period("the range"),
            "responses": {"200": response(ref("Calendar")), "422": ERRORS["422"]}}},
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
