"""The lean path of the hot path: `POST /api/v1/petitions/{id}/signatures`, answered at the WSGI
level without Flask's request machinery, exactly as the full path (petitions/api.py:sign_petition)
answers it: the same status, headers and body, the same rate limit bucket, the same writes.

Which requests take it is one rule, `takes`: the signing POST with a plain JSON body and no query
string. Every other request, and every one of those it cannot carry to the end by itself, goes to
the full application. It runs the full path's own steps (petitions/signing.py), in its order:

1. read-only: the body (strict JSON, as request_bodies reads it), the petition's facts, the JWS
   verified with the signer read (`petitions/signing.py:check`). Whatever the full path would not
   take as it stands — a body it would refuse or read otherwise, `notify: true` (which may open an
   account), a refusal of the JWS, the signer, the state or eligibility — is handed to the full
   path as it came (the body put back), with what was verified and read kept in the environ
   (auth/eds.py:kept_in), so the full path neither verifies nor reads it again. Nothing is spent
   yet, so the full path's own rate limit and error answer are the only ones;
2. the rate limit, in the bucket Flask-Limiter keeps for the view (`_limit_exceeded`);
3. the write (`petitions/signing.py:write`): the one statement, in autocommit, so it is durable
   when it returns; then the move it may have made (`petitions/signing.py:moved`, in the session,
   as after the full path's commit); only then the 201. A refusal from here on (429, a race at
   the write: already_signed, wrong_state; the database away) is answered by the application's
   error handlers (`_answered_by_handlers`), as the full path's view raising it would be.

What the lean path skips is what the signing request never needed: URL matching among all
routes, the before-request hooks (the user of a cookie, the locale, the NUL check: the body is
checked here), Flask-Limiter's evaluation of every limit source, the ORM session (its statements
run on a pooled connection through kernel/raw_sql.py), the response object and the after-request
hooks (the security headers are written here, the same ones: web/headers.py). It is installed by
factory.py:_lean_paths right around Flask's wsgi_app, inside the middleware that rewrites the
environ (web/proxies.py: a trusted proxy's client address and scheme), so both paths see the same
request; `app.extensions["dauys.lean_signing"]` is it, its `full` the full path.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Iterable
from contextlib import ExitStack, nullcontext

from flask import Flask, current_app, has_app_context

from auth import access, eds
from extensions import limiter
from kernel import raw_sql, strict_json
from petitions import signing
from web.clock import now as _now
from web.headers import security_headers_for

log = logging.getLogger(__name__)

PATH = re.compile(r"/api/v1/petitions/([1-9][0-9]{0,9})/signatures")
ENDPOINT = "petitions_api.sign_petition"  # the full path's view, whose limit it spends
LIMIT_SCOPE = "sign"  # the view's @limiter.limit(scope=...)
LARGEST_ID = 2**31 - 1  # factory.DatabaseId: beyond it, the full path's 404

StartResponse = Callable[..., object]


def takes(environ: dict) -> int | None:
    """The rule, and the only one, for which requests take the lean path: the petition's id, or None.

    `POST /api/v1/petitions/{id}/signatures`, the id in ASCII digits without a leading zero and
    within the database's integers, no query string (`?lang=` chooses the words of an error), the
    body declared `Content-Type: application/json` exactly and of a length given up front, not
    beyond what the strict JSON parser reads. The request may still go on to the full path (see
    the module's steps); one that does not match goes there at once."""
    if environ.get("REQUEST_METHOD") != "POST" or environ.get("QUERY_STRING"):
        return None
    match = PATH.fullmatch(environ.get("PATH_INFO", ""))
    if match is None or environ.get("CONTENT_TYPE") != "application/json" or "HTTP_TRANSFER_ENCODING" in environ:
        return None
    length = environ.get("CONTENT_LENGTH", "")
    if not (length.isascii() and length.isdigit() and 0 < int(length) <= strict_json.MAX_BYTES):
        return None
    petition_id = int(match[1])
    return petition_id if petition_id <= LARGEST_ID else None


class LeanSigning:
    """The WSGI application in front of Flask's: the lean path for what `takes`, Flask's for the rest."""

    def __init__(self, app: Flask, full: Callable[[dict, StartResponse], Iterable[bytes]]):
        self.app = app
        self.full = full  # the full path: Flask's own wsgi_app
        app.extensions["dauys.lean_signing"] = self

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        petition_id = takes(environ)
        if petition_id is None:
            return self.full(environ, start_response)
        with _app_context(self.app):
            answer = _lean(self.app, environ, petition_id)
        if answer is None:
            return self.full(environ, start_response)
        return answer(environ, start_response)


def _app_context(app: Flask):
    """The app context to run in: the one already pushed for this app (a test's, shared as Flask's
    request would share it), else a new one."""
    if has_app_context() and current_app._get_current_object() is app:
        return nullcontext()
    return app.app_context()


def _lean(app: Flask, environ: dict, petition_id: int):
    """The answer (a WSGI application), or None: the full path answers, nothing spent yet."""
    from extensions import db

    if db.session.registry.has() and db.session().in_transaction():
        return None  # a transaction open around the request (a test's): the full path shares it
    jws = _body(environ)
    if jws is None:
        return None
    now = _now()
    with ExitStack() as held:
        try:
            connection = held.enter_context(raw_sql.autocommit_connection(db.engine))
        except Exception:  # noqa: BLE001 - the database away: the full path answers it (503)
            return None
        read = raw_sql.Reader(connection)
        try:
            petition = signing.published_facts(petition_id, read)
            with eds.kept_in(environ, read):
                signer = signing.check(petition, jws, now)
        except Exception:  # noqa: BLE001 - refused (or failing): the full path spends the limit and says why
            return None
        if signer.done_before:
            return None  # already signed: a replay, which the sender's address pays for (auth/access.py)
        key = environ["dauys.signer_limit_key"] = access.certificate_key(signer)
        try:
            refused = _limit_exceeded(app, key)
            if refused is None:
                # autocommit: the signature, its shard and its log entry are durable when this returns
                signed = signing.write(petition, signer, jws, now, user_id=signer.user_id, notify=False, read=read)
        except Exception as error:  # noqa: BLE001 - every refusal after the limit is the handlers' to answer
            refused = error
    if refused is not None:
        return _answered_by_handlers(app, environ, refused)
    try:
        signed = signing.moved(petition_id, signed, now)  # rare: near a target; in the session, after the commit
    except Exception as error:  # noqa: BLE001
        return _answered_by_handlers(app, environ, error)
    return _created(app, environ, {"receipt": signed.receipt, "petition": petition_id, "moves": list(signed.moves)})


def _body(environ: dict) -> str | None:
    """The `jws` of a body the full path would read as this one does: a strict JSON object with a
    string `jws` and `notify` absent, null or false, no NUL; None else. The body is put back for
    the full path either way."""
    length = int(environ["CONTENT_LENGTH"])
    data = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(data)
    if len(data) != length or b"\x00" in data or b"\\u0000" in data:  # factory.py's NUL refusal
        return None
    try:
        body = strict_json.loads(data)
    except strict_json.StrictJsonError:
        return None
    if not isinstance(body, dict):
        return None
    jws, notify = body.get("jws"), body.get("notify")
    if not isinstance(jws, str) or (notify is not None and notify is not False):
        return None
    return jws


_LIMITS = "dauys.lean_signing_limits"


def _signing_limits(app: Flask) -> tuple:
    """The view's limits as Flask-Limiter resolves them (RuntimeLimit, smallest first), resolved once
    per value of DAUYS_RATELIMIT_SIGNED rather than on every request."""
    from flask_limiter.util import get_qualified_name

    value = app.config["RATELIMIT_SIGNED"]
    kept = app.extensions.get(_LIMITS)
    if kept is None or kept[0] != value:
        limits = limiter.limit_manager.decorated_limits(get_qualified_name(app.view_functions[ENDPOINT]))
        if not limits:  # the view lost its decorator, or was renamed: never sign unlimited
            raise LookupError(f"{ENDPOINT} has no rate limit for the lean path to spend")
        kept = app.extensions[_LIMITS] = (value, tuple(sorted(limits, key=lambda lim: lim.limit)))
    return kept[1]


def _limit_exceeded(app: Flask, key: str) -> Exception | None:
    """Spend one of the signing limit in the bucket Flask-Limiter's decorator would (the same storage,
    key, scope and order), or say it is spent: the 429 to raise, None while within it."""
    if not (limiter.enabled and limiter.initialized):
        return None
    prefix = limiter._key_prefix
    args = [key, f"{ENDPOINT}:{LIMIT_SCOPE}"]
    if prefix:
        args = [prefix, *args]
    for limit in _signing_limits(app):
        try:
            within = limiter.limiter.hit(limit.limit, *args, cost=1)
        except Exception:  # noqa: BLE001 - RATELIMIT_SWALLOW_ERRORS, as Flask-Limiter does
            if not limiter._swallow_errors:
                raise
            limiter.logger.exception("Failed to rate limit. Swallowing error")
            return None
        if not within:
            limiter.logger.info("ratelimit %s (%s) exceeded at endpoint: %s", limit.limit, key, args[-1])
            return _Exceeded(limit, args)
    return None


class _Exceeded(Exception):
    """The signing limit is spent: raised, in a request context, as Flask-Limiter's RateLimitExceeded."""

    def __init__(self, limit, args: list[str]):
        super().__init__(str(limit.limit))
        self.limit, self.bucket = limit, args

    def as_raised(self) -> Exception:
        from flask_limiter._extension import RequestLimit
        from flask_limiter.errors import RateLimitExceeded

        # what the 429's Retry-After is read from (jsonapi.py:set_retry_after)
        limiter.context.view_rate_limit = RequestLimit(limiter, self.limit.limit, self.bucket, True, self.limit.shared)
        return RateLimitExceeded(self.limit)


def _answered_by_handlers(app: Flask, environ: dict, error: Exception):
    """The application's answer to `error` raised by the signing view: Flask's error handlers,
    after-request hooks and teardown, in a request context of this request."""
    with app.request_context(environ):
        try:
            rv = app.preprocess_request()  # the hooks: the locale chosen, the NUL check (passes)
            if rv is None:
                raise error.as_raised() if isinstance(error, _Exceeded) else error
        except Exception as raised:  # noqa: BLE001 - what the view would have raised
            try:
                rv = app.handle_user_exception(raised)
            except Exception as unhandled:  # noqa: BLE001 - Flask's 500, as wsgi_app does
                return app.handle_exception(unhandled)
        return app.finalize_request(rv)


def _created(app: Flask, environ: dict, payload: dict):
    """The 201 the view's jsonify gives, with the headers factory.py's after-request hook adds."""
    provider = app.json  # as its `response` does: compact unless debugging
    pretty = provider.compact is False or (provider.compact is None and app.debug)
    data = (provider.dumps(payload, indent=2) if pretty else provider.dumps(payload, separators=(",", ":")))
    data = data.encode() + b"\n"
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    headers += security_headers_for(environ.get("wsgi.url_scheme") == "https", api=True)

    def answer(_environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        start_response("201 CREATED", headers)
        return [data]

    return answer
