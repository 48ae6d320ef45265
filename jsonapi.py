"""Conventions of /api/v1: JSON bodies in, `{"error": {code, message}}` out."""

from __future__ import annotations

import math
import time
from typing import Any

from flask import Flask, jsonify, request
from flask.sessions import SecureCookieSessionInterface
from flask_limiter.errors import RateLimitExceeded
from werkzeug.exceptions import HTTPException

from kernel.errors import DomainError, code_for_status, internal_error_body

API_PREFIX = "/api/v1"


def body() -> dict[str, Any]:
    """The request's JSON object, read by the strict parser (request_bodies), or validation_error
    saying which limit the body passed."""
    if not request.is_json:
        raise DomainError("validation_error", fields={"body": "a JSON object is required"})
    data = request.get_json()
    if not isinstance(data, dict):
        raise DomainError("validation_error", fields={"body": "a JSON object is required"})
    return data


# The JSON types a member may be declared to have, and how a refusal names each.
JSON_TYPE_NAMES: dict[object, str] = {
    str: "a string",
    bool: "true or false",
    int: "a whole number",
    list[int]: "a list of whole numbers",
    list: "a list",
    dict: "an object",
}


def has_json_type(value: object, kind: object) -> bool:
    """True when `value` is of the JSON type `kind` (a key of JSON_TYPE_NAMES). A boolean is no
    number here, though Python's True is the int 1, and a number is no boolean."""
    if kind is bool:
        return isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is str:
        return isinstance(value, str)
    if kind == list[int]:
        return isinstance(value, list) and all(has_json_type(item, int) for item in value)
    if kind is list or kind is dict:
        return isinstance(value, kind)
    raise TypeError(f"not a JSON member type: {kind!r}")


def typed(data: dict[str, Any], **kinds: object) -> dict[str, Any]:
    """The members of `data` that `kinds` names, each checked to be of its JSON type before any use.

    A member that is absent stays absent (`.get` gives None, or a caller's default); null is kept
    as None (absent, to the use case); any other value of another type is a field error, every
    wrong member named at once. What the values mean (lengths, choices, ranges) is the use case's
    to check: here a value only gets the type the use case may safely compare, hash and measure.
    """
    values: dict[str, Any] = {}
    wrong: dict[str, str] = {}
    for name, kind in kinds.items():
        if name not in data:
            continue
        value = data[name]
        if value is None or has_json_type(value, kind):
            values[name] = value
        else:
            wrong[name] = JSON_TYPE_NAMES[kind]
    if wrong:
        raise DomainError("validation_error", fields=wrong)
    return values


def typed_body(**kinds: object) -> dict[str, Any]:
    """The request's JSON object (body()), its members read by `typed`: e.g. `typed_body(jws=str, notify=bool)`."""
    return typed(body(), **kinds)


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIX + "/") or path == API_PREFIX


def is_api_request() -> bool:
    return is_api_path(request.path)


def error_response(error: DomainError):
    response = jsonify(error.to_json())
    response.status_code = error.status
    return response


def http_error_response(exc: HTTPException):
    code = code_for_status(exc.code or 500)
    if code is None:
        response = jsonify(internal_error_body())
        response.status_code = exc.code or 500
        return response
    response = error_response(DomainError(code))
    response.status_code = exc.code or response.status_code
    set_retry_after(exc, response)
    keep_allow(exc, response)
    return response


def keep_allow(exc: HTTPException, response) -> None:
    """A 405 names the methods the resource does allow (RFC 9110), as werkzeug's own page does."""
    valid = getattr(exc, "valid_methods", None)
    if exc.code == 405 and valid:
        response.headers["Allow"] = ", ".join(sorted(valid))


def set_retry_after(exc: HTTPException, response) -> None:
    """A 429 says when to come back. Flask-Limiter's own headers are off (they cost every allowed
    request a storage round trip), so the window is read here, only for the refused request."""
    if not isinstance(exc, RateLimitExceeded):
        return
    from extensions import limiter

    current = limiter.current_limit
    if current is None:
        seconds = 60
    else:  # the storage's reset time is whole seconds: never say more than one window
        seconds = min(math.ceil(current.reset_at - time.time()), current.limit.get_expiry())
    response.headers["Retry-After"] = str(max(1, seconds))


class ApiWithoutSessions(SecureCookieSessionInterface):
    """The API authenticates by Bearer token: it neither reads nor sets the cookie session (pages
    do), which also spares every API request the cookie's signature check."""

    def open_session(self, app: Flask, request):  # noqa: ANN001 - Flask's signature
        if is_api_path(request.path):
            return None  # Flask's null session: readable, and nothing is saved
        return super().open_session(app, request)

