"""GET /api/v1/openapi.json: the HTTP surface of API.md as an OpenAPI 3.1 document.

This module holds the document's frame (info, servers, security, the Error schema) and the helpers a
fragment is written with; it imports no feature. Each feature describes its own routes in its
`api_doc.py` and adds them from its init_app (`add`); the document assembles what the app was given.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify

from jsonapi import API_PREFIX
from kernel.errors import CODES

bp = Blueprint("openapi", __name__, url_prefix=API_PREFIX)

ERROR_CODES = list(CODES)  # the stable codes of kernel/errors.py, in their order there

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
}


def error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def response(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


BEARER = [{"bearer": []}]
ERRORS = {"400": error("Refused signature"), "422": error("Invalid input")}
AUTH_ERRORS = {"401": error("No or bad Bearer token"), "403": error("Not allowed")}
# The answer of a follow and an unfollow: the caller's own tie, never who else follows.
FOLLOWING = {"type": "object", "required": ["following"], "properties": {"following": {"type": "boolean"}}}

_KEY = "dauys.openapi"


def add(app: Flask, paths: dict, schemas: dict | None = None) -> None:
    """Describe a feature's routes (paths under /api/v1, and the schemas they name) in `app`'s document."""
    registered = app.extensions.setdefault(_KEY, {"paths": {}, "schemas": dict(SCHEMAS)})
    for kind, fragment in (("paths", paths), ("schemas", schemas or {})):
        taken = sorted(set(fragment) & set(registered[kind]))
        if taken:
            raise ValueError(f"OpenAPI {kind} described twice: {', '.join(taken)}")
        registered[kind].update(fragment)


def document(app: Flask | None = None) -> dict:
    registered = (app or current_app).extensions.get(_KEY, {"paths": {}, "schemas": dict(SCHEMAS)})
    return {
        "openapi": "3.1.0",
        "info": {"title": "Dauys API", "version": "1", "description": "The outside contract of shared/API.md."},
        "servers": [{"url": API_PREFIX}],
        "paths": registered["paths"],
        "components": {
            "schemas": registered["schemas"],
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(document())
