"""The headers every response carries unless it set them itself (factory.py's after-request hook,
and the lean signing path, petitions/lean_signing.py, which answers without that hook)."""

from __future__ import annotations

from flask_babel import get_locale

_SECURITY_HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
)


_HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def security_headers_for(secure: bool, api: bool) -> list[tuple[str, str]]:
    """The headers a response gets unless it set them: an API answer has no Content-Language; a
    page's is its locale's (so it needs a request context)."""
    wanted = list(_SECURITY_HEADERS)
    if secure:
        wanted.append(_HSTS)
    if not api:
        wanted.append(("Content-Language", str(get_locale() or "kk")))
    return wanted
