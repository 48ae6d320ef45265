"""Who may do what: Bearer tokens for the API, sessions for pages, roles with scopes."""

from __future__ import annotations

import functools
from collections.abc import Callable
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

        cached = request.environ["dauys.api_user"] = user_from_api_token(token.strip())
    return cached


def bearer_required(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        bearer_user()
        return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def role_required(role: str, scope: Callable[..., str | None] | None = None) -> Callable[[F], F]:
    """Refuse unless the user (Bearer on the API, session on pages) holds `role`.

    `scope`, given the view's arguments, names the body or territory the action
    concerns; the grant must be for that scope (or unscoped).
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
            if not user.has_role(role, wanted):
                raise DomainError("forbidden")
            return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
