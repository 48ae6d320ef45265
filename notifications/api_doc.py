"""notifications' part of the OpenAPI document: the inbox."""

from __future__ import annotations

from openapi import AUTH_ERRORS, BEARER, response


def paths() -> dict:
    return {
        "/me/notifications": {"get": {"security": BEARER, "summary": "The inbox", "responses": {
            "200": response({"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {
                "type": "object", "required": ["event", "created_at", "read"], "properties": {
                    "event": {"type": "string"}, "petition": {"type": "integer"}, "cycle": {"type": "integer"},
                    "created_at": {"type": "string", "format": "date-time"}, "read": {"type": "boolean"}}}}}}),
            "401": AUTH_ERRORS["401"]}}},
    }
