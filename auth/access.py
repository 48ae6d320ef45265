"""Who may do what: Bearer tokens for the API, sessions for pages, roles with scopes."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import request
from flask_login import current_user

from auth.models import User
from errors import DomainError

F = TypeVar("F", bound=Callable[..., Any])


def bearer_user() -> User:
    """The user of this API request's Bearer token (cookies are never accepted by the API)."""
    # Kept on the request, not on `g`: `g` lives as long as the app context, which
    # a test client (or a CLI-made context) may share between requests.
    cached = request.environ.get("dauys.api_user")
    if cached is None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise DomainError("unauthorized")
        from auth.services import user_from_api_token

        # the token's login session is checked on every request: signing out or a revocation ends it
        user = user_from_api_token(token.strip(), datetime.now(UTC))
        cached = request.environ["dauys.api_user"] = user
    return cached


def bearer_required(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        bearer_user()
        return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def bodies_served(user: User, role: str) -> list[tuple[str | None, str | None]]:
    """(scope, body) of each well-formed grant of `role` the user holds: what their queue shows."""
    return [(grant.scope, grant.body) for grant in user.grants if grant.serves(role)]


def role_required(
    role: str, scope: Callable[..., str | tuple[str, str | None] | None] | None = None
) -> Callable[[F], F]:
    """Refuse unless the user (Bearer on the API, session on pages) holds `role`.

    `scope`, given the view's arguments, names what the action concerns: a scope (a rural
    district's KATO) or a (scope, body) pair (a reviewer's body: ('government', None) or
    (KATO, addressee)); the grant must be for exactly that, never a wildcard or a territory above
    it. Without `scope` any well-formed grant of the role will do (a queue page); the use case
    still checks the document itself.
    """

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if request.path.startswith("/api/"):
                user = bearer_user()
            elif current_user.is_authenticated:
                user = current_user
            else:
                raise DomainError("unauthorized")
            wanted = scope(*args, **kwargs) if scope else None
            served, body = wanted if isinstance(wanted, tuple) else (wanted, None)
            if not user.has_role(role, served, body):
                raise DomainError("forbidden")
            return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def signer_limit_key() -> str:
    """Rate-limit key of a signed request: the signer's certificate, not the client's address.

    Mobile carriers put thousands of citizens behind one address; a national petition must not be
    throttled by its own popularity, while one key cannot hammer the endpoint. Only the JWS header's
    leaf certificate is read here (no verification: a forged header only throttles itself); a body
    without one is keyed by the address.
    """
    from flask_limiter.util import get_remote_address

    data = request.get_json(silent=True)
    token = data.get("jws") if isinstance(data, dict) else None
    if isinstance(token, str) and token.count(".") == 2:
        head = token.split(".", 1)[0]
        try:
            header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
            leaf = header["x5c"][0]
        except (ValueError, TypeError, KeyError, IndexError):
            leaf = None
        if isinstance(leaf, str):
            return "cert:" + hashlib.sha256(leaf.encode()).hexdigest()[:32]
    return "addr:" + get_remote_address()
