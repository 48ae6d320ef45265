"""Errors users can cause: a stable code (API.md), an HTTP status and a message in their language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# code -> (HTTP status, default message). The codes are the outside contract.
CODES: dict[str, tuple[int, object]] = {
    "invalid_signature": (400, _l("The signature is not valid.")),
    "untrusted_certificate": (400, _l("The certificate was not issued by the national certification authority.")),
    "certificate_expired": (400, _l("The certificate was not valid at the time of signing.")),
    "certificate_revoked": (400, _l("The certificate has been revoked.")),
    "wrong_key_usage": (400, _l("This key cannot be used for this action: use the other key of your set.")),
    "stale_signature": (400, _l("The signature is too old or from the future; check your device's clock and sign again.")),
    "nonce_invalid": (400, _l("The sign-in challenge is unknown, used or expired; start again.")),
    "digest_mismatch": (400, _l("The signature is for a different document.")),
    "already_signed": (409, _l("You have already signed this petition.")),
    "already_voted": (409, _l("You have already voted in this budget cycle.")),
    "already_rated": (409, _l("You have already rated this answer.")),
    "not_eligible": (403, _l("You are not eligible for this action.")),
    "not_resident": (403, _l("Only residents of this territory may take part.")),
    "wrong_state": (409, _l("This action is not possible in the current state.")),
    "over_budget": (422, _l("The chosen projects cost more than the budget.")),
    "too_many_choices": (422, _l("Too many projects chosen.")),
    "too_few_choices": (422, _l("Too few projects chosen.")),
    "unauthorized": (401, _l("Sign in first.")),
    "forbidden": (403, _l("You do not have the right to do this.")),
    "not_found": (404, _l("Not found.")),
    "method_not_allowed": (405, _l("This method is not allowed here.")),
    "validation_error": (422, _l("Some fields are missing or wrong.")),
    "rate_limited": (429, _l("Too many requests; wait a moment and try again.")),
    "service_unavailable": (503, _l("The service is briefly unavailable; try again in a moment.")),
}


class DomainError(Exception):
    """A refusal with a stable code; nothing was changed."""

    def __init__(self, code: str, message: object | None = None, *, fields: dict | None = None):
        if code not in CODES:
            raise ValueError(f"unknown error code {code!r}")
        self.code = code
        self.status = CODES[code][0]
        self._message = message
        self.fields = fields or {}
        super().__init__(code)

    @property
    def message(self) -> str:
        return str(self._message if self._message is not None else CODES[self.code][1])

    def to_json(self) -> dict:
        body: dict = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return {"error": body}


# The HTTP errors werkzeug and Flask-Limiter raise themselves, and the code each is reported with,
# on a page and in the API alike. Another 4xx is a validation_error; a 5xx is an internal error.
HTTP_STATUS_CODES: dict[int, str] = {
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    429: "rate_limited",
}


def code_for_status(status: int) -> str | None:
    """The code of an HTTP error with this status, or None for a 5xx (see internal_error_body)."""
    if status >= 500:
        return None
    return HTTP_STATUS_CODES.get(status, "validation_error")


def internal_error_body() -> dict:
    """What the API answers for a 5xx that is no DomainError: the failure stays in the log, unnamed here."""
    return {"error": {"code": "internal_error", "message": "Internal error"}}
