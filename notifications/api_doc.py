"""notifications' part of the OpenAPI document: the inbox, and how one hears of what."""

from __future__ import annotations

from notifications.settings import CHANNELS, CHOSEN
from openapi import AUTH_ERRORS, BEARER, body, error, response

# group -> channel; the groups: own (my petitions and proposals), signed, followed, budget (cycles I
# follow or voted in), official (an official's work: never "off")
_CHOICES = {"type": "object", "properties": {name: {"enum": list(CHANNELS)} for name in CHOSEN},
            "additionalProperties": False}
_SETTINGS = {"type": "object", "required": ["settings", "allowed"], "properties": {
    "settings": {**_CHOICES, "required": list(CHOSEN)},
    "allowed": {"type": "object", "properties": {
        name: {"type": "array", "items": {"enum": list(CHANNELS)}} for name in CHOSEN}}}}


def paths() -> dict:
    return {
        "/me/notifications": {"get": {"security": BEARER, "summary": "The inbox", "responses": {
            "200": response({"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {
                "type": "object", "required": ["event", "created_at", "read"], "properties": {
                    "event": {"type": "string"}, "petition": {"type": "integer"}, "cycle": {"type": "integer"},
                    "created_at": {"type": "string", "format": "date-time"}, "read": {"type": "boolean"}}}}}}),
            "401": AUTH_ERRORS["401"]}}},
        # an extension (README "Beyond API.md")
        "/me/notification-settings": {
            "get": {"security": BEARER, "summary": "How the caller hears of each group of events: by e-mail "
                                                   "(when they gave an address), only in the inbox, or not at all",
                    "responses": {"200": response(_SETTINGS), "401": AUTH_ERRORS["401"]}},
            "put": {"security": BEARER, "summary": "Choose for some groups (the others stay); an official's "
                                                   "obligatory messages cannot be off",
                    "requestBody": body({"type": "object", "required": ["settings"], "properties": {
                        "settings": _CHOICES}, "additionalProperties": False}),
                    "responses": {"200": response(_SETTINGS), "401": AUTH_ERRORS["401"],
                                  "422": error("Invalid input")}},
        },
    }
