"""Who may do what: Bearer tokens for the API, sessions for pages, roles with scopes."""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from flask import request
from flask_login import current_user

from auth.models import User
from kernel.errors import DomainError
from web import clock

if TYPE_CHECKING:
    from auth.eds import Signer

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger(__name__)


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
        user = user_from_api_token(token.strip(), clock.now())
        cached = request.environ["dauys.api_user"] = user
    return cached


class Console:
    """The operator at the server's console (a `flask` command): whoever runs one holds the server
    and its database already, so it may do any official act. Only a command line passes CONSOLE;
    no request's user is ever one (tests/auth/test_console_actor.py holds that)."""

    def __repr__(self) -> str:
        return "CONSOLE"


CONSOLE = Console()


class RoleMissing(DomainError):
    """forbidden (403), naming the role the user lacks, so that a page can say which role it needs
    and where the user may go instead; the API answers it as any forbidden (API.md), naming nothing.
    `elsewhere`: the user holds the role, for another body or territory than the one asked about."""

    def __init__(self, role: str, elsewhere: bool = False):
        super().__init__("forbidden")
        self.role = role
        self.elsewhere = elsewhere


def require_role(user: User | Console, role: str, scope: str | None = None, body: str | None = None) -> None:
    """Refuse (forbidden) unless `user` holds `role`: for exactly `scope` and `body` when a scope is
    given (a grant for a territory above it, or a wildcard, serves nothing: RoleGrant.serves).

    The one rule every use case asks: a moderator or admin serves the whole platform (no scope); a
    reviewer one body, ('government', None) or (KATO, addressee); a budget officer or secretary one
    rural district (its KATO).
    """
    if user is CONSOLE:
        return
    if not isinstance(user, User):
        raise RoleMissing(role)
    if not user.has_role(role, scope, body):
        raise RoleMissing(role, elsewhere=scope is not None and user.has_role(role))


def bodies_served(user: User, role: str) -> list[tuple[str | None, str | None]]:
    """(scope, body) of each well-formed grant of `role` the user holds: what their queue shows."""
    return [(grant.scope, grant.body) for grant in user.grants if grant.serves(role)]


def signed_in_user() -> User:
    """This request's user: the Bearer token's on the API, the session's on pages; else unauthorized."""
    if request.path.startswith("/api/"):
        return bearer_user()
    if current_user.is_authenticated:
        return current_user
    raise DomainError("unauthorized")


def sign_in_required(fn: F) -> F:
    """Refuse an anonymous request (unauthorized: 401, on pages and API alike); what the signed-in
    user may do there, the use case decides (its `require_…`)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        signed_in_user()
        return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def role_required(role: str) -> Callable[[F], F]:
    """Refuse unless the user (Bearer on the API, session on pages) holds some grant of `role`:
    the gate of a page or endpoint that lists a role's work (a queue) or is the role's alone (an
    admin's). Which document, body or territory a grant covers is the use case's to check."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            require_role(signed_in_user(), role)
            return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def signer_limit_key(would_take: Callable[[object], Signer | None]) -> str:
    """Rate-limit key of a signed request (signatures, ballots): the signer's certificate when the
    request proves its sender holds the certificate's key and would be taken; else the client's address.

    Mobile carriers put thousands of citizens behind one address: a national petition must not be
    throttled by its own popularity, while one certificate cannot hammer the endpoint. But a
    certificate is public (every JWS its holder ever sent carries it), so a request counts against
    it only when `would_take(jws)` — the endpoint's own check, eds.verify and the document — names
    its signer: the JWS is strict in form, its leaf is our issuing CA's, its signature verifies with
    the leaf's key, its key usage and purpose are the endpoint's, its `iat` is fresh, it is for
    exactly this document, and its signer is registered, not revoked and has not done it yet. The
    key is then our issuing CA and the certificate's serial, hashed.

    Everything else is keyed by the client's address (an IPv6 client by its /64, which one
    subscriber holds): junk, another CA's certificate, a victim's certificate with a signature that
    does not verify, and the victim's own genuine JWS replayed where it is refused (another
    document or purpose, stale, or the signature already taken). Nobody but the key holder can spend
    a certificate's limit, and only on requests the platform takes: a captured JWS not used yet is
    taken once, as its signer meant it, and every copy after it is the sender's to pay for.
    That bucket holds refused requests only: the honest citizens behind the same address carry
    certificates of ours, each keyed apart, and are not throttled by it.

    Never raises (Flask-Limiter would let the request through unlimited): a body that breaks
    anything is keyed by the address. Computed once per request; what it verified and read is kept
    for the view (eds), so the hot path verifies once and reads the signer once.
    """
    key = request.environ.get("dauys.signer_limit_key")
    if key is None:
        try:
            key = _certificate_key(would_take)
        except DomainError:  # refused: no proof of the key, or not something the endpoint takes
            key = None
        except Exception:  # noqa: BLE001 - a key function must not fail the limit open
            log.warning("signer_limit_key could not read the request; keyed by its address", exc_info=True)
            key = None
        key = request.environ["dauys.signer_limit_key"] = key or _address_key()
    return key


def _certificate_key(would_take: Callable[[object], Signer | None]) -> str | None:
    data = request.get_json(silent=True)
    signer = would_take(data.get("jws") if isinstance(data, dict) else None)
    if signer is None:
        return None
    return certificate_key(signer)


def certificate_key(signer: Signer) -> str:
    """The limit key of a request whose signer `signer_limit_key`'s `would_take` named: our issuing
    CA and the certificate's serial, hashed (also the lean signing path's, petitions/lean_signing.py)."""
    from auth.eds import trust_store

    return "cert:" + hashlib.sha256(_issuer_tag(trust_store()) + signer.cert_serial.encode()).hexdigest()[:32]


@functools.lru_cache(maxsize=4)
def _issuer_tag(trust: object) -> bytes:
    return hashlib.sha256(trust.issuing_der).digest()[:16]


def _address_key() -> str:
    """The client's address; an IPv6 one by its /64 (a subscriber's prefix, whose 2**64 addresses
    one client may rotate through), an IPv4-mapped one as the IPv4 address it is."""
    from flask_limiter.util import get_remote_address

    raw = get_remote_address() or "unknown"
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return "addr:" + raw[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return f"addr:{address.ipv4_mapped}"
        return "addr:" + str(ipaddress.IPv6Network((address, 64), strict=False))
    return f"addr:{address}"
