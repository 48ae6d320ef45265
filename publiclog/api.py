"""/api/v1/log: the signed head, the entries, inclusion and consistency proofs (API.md, "The public log").

Everything is answered about the tree of the latest signed head or a smaller one: an entry
integrated but not yet in a signed head is not served. A proof's `tree_size` may be any size from 1
to the latest head's (the log only appends, so every such tree is fixed; an auditor holding an older
head asks for its size). Hashes are lowercase hex. Every parameter is a whole number written in
plain ASCII digits (no sign, exponent, space or leading zero) or a `sha256:` + 64 hex digits; anything
else is 422 `validation_error`, naming the parameter. What a fixed tree says never changes, so those
answers may be cached for good; the head and the default-size proof only for a moment.
"""

from __future__ import annotations

import re

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import select

from extensions import db
from jsonapi import API_PREFIX
from kernel.errors import DomainError
from kernel.integer_columns import BIG_INTEGER_MAX
from publiclog import tree
from publiclog.integrate import head_json, latest_head
from publiclog.models import LogEntry

bp = Blueprint("publiclog_api", __name__, url_prefix=API_PREFIX)

MAX_ENTRIES = 1000
HEAD_CACHE = "public, max-age=2"
FIXED_CACHE = "public, max-age=31536000, immutable"
_WHOLE = re.compile(r"0|[1-9][0-9]{0,18}")
_SHA256 = re.compile(r"sha256:[0-9a-fA-F]{64}")


def _one(name: str) -> str | None:
    values = request.args.getlist(name)
    if len(values) > 1:
        raise DomainError("validation_error", fields={name: "given more than once"})
    return values[0] if values else None


def _whole(name: str, required: bool = True) -> int | None:
    raw = _one(name)
    if raw is None:
        if required:
            raise DomainError("validation_error", fields={name: "required: a whole number"})
        return None
    if not _WHOLE.fullmatch(raw) or int(raw) > BIG_INTEGER_MAX:
        raise DomainError("validation_error", fields={name: "a whole number from 0, in digits"})
    return int(raw)


def _head_size() -> int:
    size = tree.head_size()
    if size is None:
        raise DomainError("not_found", fields={"head": "no tree head has been signed yet"})
    return size


def _beyond(name: str, value: int, size: int) -> DomainError:
    return DomainError("validation_error", fields={name: f"{value} is beyond the latest signed head ({size})"})


def _cached(body: dict, cache_control: str):
    response = jsonify(body)
    response.headers["Cache-Control"] = cache_control
    return response


@bp.get("/log/head")
def log_head():
    head = latest_head()
    if head is None:
        raise DomainError("not_found", fields={"head": "no tree head has been signed yet"})
    return _cached(head_json(head), HEAD_CACHE)


@bp.get("/log/entries")
def log_entries():
    start, end = _whole("start"), _whole("end")
    if start > end:
        raise DomainError("validation_error", fields={"start": "must not be after end"})
    size = _head_size()
    if end > size:
        raise _beyond("end", end, size)
    end = min(end, start + MAX_ENTRIES)  # at most 1,000: the client asks again from the last index + 1
    rows = db.session.execute(
        select(LogEntry.idx, LogEntry.entry, LogEntry.leaf_hash)
        .where(LogEntry.idx >= start, LogEntry.idx < end).order_by(LogEntry.idx)
    ).all()
    items = [{"index": idx, "entry": entry, "leaf_hash": bytes(leaf).hex()} for idx, entry, leaf in rows]
    return _cached({"entries": items}, FIXED_CACHE)


def _looked_up() -> tuple[str, str]:
    """Which entry a proof is asked for: ("receipt" | "commitment", "sha256:…" in lowercase)."""
    given = {name: _one(name) for name in ("receipt", "commitment")}
    given = {name: value for name, value in given.items() if value is not None}
    if len(given) != 1:
        raise DomainError("validation_error", fields={"receipt": "give receipt=sha256:HEX (or commitment=sha256:HEX)"})
    (name, value), = given.items()
    if not _SHA256.fullmatch(value):
        raise DomainError("validation_error", fields={name: "sha256: and 64 hex digits"})
    return name, value.lower()


@bp.get("/log/proof")
def log_proof():
    name, value = _looked_up()
    asked = _whole("tree_size", required=False)
    head_size = _head_size()
    if asked is not None and not 1 <= asked <= head_size:
        raise (_beyond("tree_size", asked, head_size) if asked else
               DomainError("validation_error", fields={"tree_size": "the empty tree includes nothing"}))
    size = head_size if asked is None else asked
    found = tree.entry_with("receipt_hash" if name == "receipt" else "commitment", value)
    if found is None:
        raise DomainError("not_found", fields={name: "no entry of the log has it"})
    index, entry = found
    if index is None or index >= head_size:
        seconds = current_app.config["LOG_HEAD_SECONDS"]
        raise DomainError("not_found", fields={
            name: f"accepted, but not yet in a signed head: ask again in {seconds} seconds"})
    if index >= size:
        raise DomainError("not_found", fields={name: f"entry {index} is not in the tree of size {size}"})
    body = {"index": index, "tree_size": size, "entry": entry,
            "audit_path": [h.hex() for h in tree.inclusion(index, size)]}
    return _cached(body, HEAD_CACHE if asked is None else FIXED_CACHE)


@bp.get("/log/consistency")
def log_consistency():
    first, second = _whole("first"), _whole("second")
    if first > second:
        raise DomainError("validation_error", fields={"first": "must not be larger than second"})
    size = _head_size()
    if second > size:
        raise _beyond("second", second, size)
    body = {"first": first, "second": second, "consistency": [h.hex() for h in tree.consistency(first, second)]}
    return _cached(body, FIXED_CACHE)
