"""GET /verify[?receipt=…]: what the public log holds for a receipt, and the proof the browser checks.

The server only shows the entry it has for the receipt; the proof itself (the leaf hash, the audit
path up to the signed root, the head's signature) is computed in the browser by
static/js/log-verify.js from /api/v1/log/*, so a citizen need not take the server's word for it.
GET /verify/verify_log.py hands out the auditor's tool (examples/verify_log.py), which checks the
whole log, the certificate chain and every count.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request, send_file
from flask_babel import get_locale

from auth.eds import PURPOSE_WORDS
from jsonapi import API_PREFIX
from kernel import local_formats
from kernel.kazakhstan_time import KAZAKHSTAN
from kernel.territories import territory_names
from publiclog import tree

bp = Blueprint("verification", __name__)

# A receipt as the API hands it out (secrets.token_urlsafe), or the hash the log keeps of one.
RECEIPT = re.compile(r"[A-Za-z0-9_-]{8,64}")
RECEIPT_HASH = re.compile(r"sha256:[0-9a-f]{64}")
TOOL = "verify_log.py"


@dataclass(frozen=True)
class Found:
    entry: dict
    index: int | None  # None while the entry waits for the integrator
    in_head: bool  # in the latest signed head: the proof can be had now
    at: datetime


def receipt_hash(receipt: str) -> str | None:
    """What the log's entry carries for `receipt` (API.md: `sha256:` + hex SHA-256, UTF-8); None for
    something that is no receipt."""
    if RECEIPT_HASH.fullmatch(receipt.lower()):
        return receipt.lower()  # the hash in any case, as the API takes it
    if RECEIPT.fullmatch(receipt):
        return "sha256:" + hashlib.sha256(receipt.encode("utf-8")).hexdigest()
    return None


def lookup(hashed: str) -> Found | None:
    """The entry with this receipt, as GET /log/proof finds it (publiclog.tree.entry_with)."""
    row = tree.entry_with("receipt_hash", hashed)
    if row is None:
        return None
    index, text = row
    entry = json.loads(text)
    head_size = tree.head_size()
    in_head = index is not None and head_size is not None and index < head_size
    return Found(entry=entry, index=index, in_head=in_head, at=datetime.fromisoformat(entry["at"]))


@bp.get("/verify")
def verify():
    receipt = (request.args.get("receipt") or "").strip()
    hashed = receipt_hash(receipt) if receipt else None
    found = lookup(hashed) if hashed else None
    region = None
    if found and found.entry.get("region"):
        region = territory_names({found.entry["region"]}, str(get_locale() or "kk")).get(found.entry["region"])
    status = 200
    if receipt and hashed is None:
        status = 422
    elif hashed and found is None:
        status = 404
    return render_template(
        "verification/verify.html", receipt=receipt, invalid=bool(receipt) and hashed is None, found=found,
        looked_up=hashed is not None, region=region, purpose_words=PURPOSE_WORDS, head_seconds=current_app.config["LOG_HEAD_SECONDS"],
        time_zone=KAZAKHSTAN.key, api=API_PREFIX, months=_month_names(), time_pattern=_time_pattern(),
    ), status


def _month_names() -> str:
    """The twelve month names as a date says them (ru: декабря), for the browser's own formatting."""
    locale = local_formats.locale_code(get_locale())
    return json.dumps([local_formats.month_name(month, locale) for month in range(1, 13)], ensure_ascii=False)


def _time_pattern() -> str:
    """How the browser writes the head's time: the server's day (kernel/local_formats.py:DAY_LABELS), then the time."""
    return local_formats.DAY_LABELS[local_formats.locale_code(get_locale())] + ", {time}"


@bp.get("/verify/" + TOOL)
def auditor_tool():
    """The auditor's tool, as text to read before running it."""
    tool = Path(current_app.root_path) / "examples" / TOOL  # the app's root is the repository's
    if not tool.is_file():
        abort(404)
    return send_file(tool, mimetype="text/x-python", as_attachment=False, download_name=TOOL, max_age=3600)
