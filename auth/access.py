"""Who may do what: Bearer tokens for the API, sessions for pages, roles with scopes."""

from __future__ import annotations

import base64
import functools
import hashlib
import ipaddress
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import request
from flask_login import current_user

from auth.models import User
from kernel.errors import DomainError

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
    """Rate-limit key of a signed request (signatures, ballots): the signer's certificate, once it
    is known to be one of ours; the client's address before that.

    Mobile carriers put thousands of citizens behind one address: a national petition must not be
    throttled by its own popularity, while one certificate cannot hammer the endpoint. The key is
    the certificate itself — our issuing CA and the serial, after our issuing CA's signature on it
    verified — so no spelling of its base64 (the unused bits of its last character, line breaks,
    padding, the URL-safe alphabet) nor of the JWS header around it buys a fresh limit.

    Everything else — no JWS, a header that does not parse, junk, a self-signed certificate,
    another CA's — is keyed by the client's address (an IPv6 client by its /64, which one subscriber
    holds), so a flood of them is limited too. That bucket holds refused requests only: the honest
    citizens behind the same address carry certificates of ours, each keyed apart, and are not
    throttled by it. Never raises (Flask-Limiter would let the request through unlimited): a body
    that breaks anything is keyed by the address. Computed once per request.
    """
    key = request.environ.get("dauys.signer_limit_key")
    if key is None:
        try:
            key = _certificate_key()
        except (DomainError, ValueError, RecursionError):  # not one of our certificates
            key = None
        except Exception:  # noqa: BLE001 - a key function must not fail the limit open
            log.warning("signer_limit_key could not read the request; keyed by its address", exc_info=True)
            key = None
        key = request.environ["dauys.signer_limit_key"] = key or _address_key()
    return key


def _certificate_key() -> str | None:
    data = request.get_json(silent=True)
    leaf = _unverified_leaf(data.get("jws") if isinstance(data, dict) else None)
    if leaf is None:
        return None
    der = _lenient_base64(leaf)
    if der is None:
        return None
    from auth import eds

    trust = eds.trust_store()
    # eds's own parse and chain check, cached per DER: the verification that follows finds the
    # certificate parsed already, so keying on it costs the signing path next to nothing.
    serial = eds._leaf(der, trust).serial
    return "cert:" + hashlib.sha256(_issuer_tag(trust) + b"%x" % serial).hexdigest()[:32]


def _unverified_leaf(token: object) -> object:
    """x5c[0] of a compact JWS's protected header, read as python-jose reads it for eds (its first
    segment, base64url, padding added, JSON; the last of duplicate members), or None.

    Nothing is checked here; eds.protected_header may replace this once it exists, if it too
    answers anything at all without raising."""
    from auth.eds import MAX_TOKEN_LENGTH

    if not isinstance(token, str) or "." not in token or len(token) > MAX_TOKEN_LENGTH:
        return None
    head = token.split(".", 1)[0].encode()
    header = json.loads(base64.urlsafe_b64decode(head + b"=" * (-len(head) % 4)).decode())
    chain = header.get("x5c") if isinstance(header, dict) else None
    return chain[0] if isinstance(chain, list) and chain else None


def _lenient_base64(text: object) -> bytes | None:
    """The bytes of any spelling of base64: whitespace anywhere, either alphabet, padding or not
    (unused bits of the last character are ignored by the decoder). At least as lenient as eds,
    so that a spelling eds accepts never escapes its certificate's key."""
    if not isinstance(text, str):
        return None
    compact = "".join(text.split()).translate(_URLSAFE).rstrip("=")
    try:
        return base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except ValueError:  # binascii.Error: not base64 at all
        return None


_URLSAFE = str.maketrans("-_", "+/")


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
