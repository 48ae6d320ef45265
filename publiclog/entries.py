"""Writing an entry of the public log (API.md, "The public log"): what every accepting use case calls.

`append` adds the entry in the caller's transaction and nothing else: no read, no lock, no commit.
The entry exists exactly when what it records was committed, and a signer never waits on the log:
the integrator (publiclog/integrate.py) numbers pending entries later, under its own lock.

An entry holds no personal data: what was signed is only committed to (the SHA-256 of the JWS as
accepted), the receipt likewise, and the region is a territory, never a person.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

from extensions import db
from kernel.digests import canonical_json
from publiclog import merkle
from publiclog.models import LogEntry

KINDS = ("signature", "ballot", "act", "rating")
SUBJECT_TYPES = ("petition", "cycle", "proposal")
_KATO = re.compile(r"[0-9]{9}")
_PURPOSE = re.compile(r"[a-z][a-z_]*(\.[a-z][a-z_]*)+")


def commitment(jws: str) -> str:
    """`sha256:` + hex SHA-256 of the JWS exactly as accepted (a compact JWS is ASCII)."""
    return "sha256:" + hashlib.sha256(jws.encode("ascii")).hexdigest()


def receipt_hash(receipt: str) -> str:
    """`sha256:` + hex SHA-256 of the receipt returned to the signer, UTF-8."""
    return "sha256:" + hashlib.sha256(receipt.encode("utf-8")).hexdigest()


def instant(at: datetime) -> str:
    """The entry's `at`: ISO 8601 in UTC to the second, with "Z" (`2026-05-01T09:30:00Z`), one spelling
    for every entry and head; the fraction of a second is dropped."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("a log instant must be timezone-aware")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_document(kind: str, subject_type: str, subject_id: int, at: datetime, jws: str, receipt: str | None,
                   purpose: str, region: str | None) -> dict:
    """The entry as a JSON object, checked: exactly API.md's seven keys."""
    if kind not in KINDS:
        raise ValueError(f"log entry kind {kind!r} is not one of {', '.join(KINDS)}")
    if subject_type not in SUBJECT_TYPES:
        raise ValueError(f"log subject type {subject_type!r} is not one of {', '.join(SUBJECT_TYPES)}")
    if type(subject_id) is not int or subject_id < 0:
        raise ValueError("a log subject id is a whole number")
    if not isinstance(jws, str) or not jws:
        raise ValueError("a log entry commits to the JWS as accepted")
    if receipt is not None and (not isinstance(receipt, str) or not receipt):
        raise ValueError("a receipt is a non-empty string or None")
    if not isinstance(purpose, str) or not _PURPOSE.fullmatch(purpose):
        raise ValueError(f"{purpose!r} is not a JWS purpose")
    if region is not None and (not isinstance(region, str) or not _KATO.fullmatch(region)):
        raise ValueError("a region is a KATO code (9 digits) or None")
    return {
        "kind": kind,
        "subject": {"type": subject_type, "id": subject_id},
        "at": instant(at),
        "commitment": commitment(jws),
        "receipt": receipt_hash(receipt) if receipt is not None else None,
        "purpose": purpose,
        "region": region,
    }


def entry_values(kind: str, subject_type: str, subject_id: int, at: datetime, jws: str, receipt: str | None,
                 purpose: str, region: str | None = None) -> dict:
    """The column values of one new log_entry row: `entry` is the canonical JSON (sorted keys, no
    spaces, UTF-8) of the entry, `leaf_hash` its RFC 9162 leaf hash, and the two look-up columns."""
    document = entry_document(kind, subject_type, subject_id, at, jws, receipt, purpose, region)
    data = canonical_json(document)
    return {
        "entry": data.decode("utf-8"),
        "leaf_hash": merkle.leaf_hash(data),
        "receipt_hash": document["receipt"],
        "commitment": document["commitment"],
    }


def append(kind: str, subject_type: str, subject_id: int, at: datetime, jws: str, receipt: str | None,
           purpose: str, region: str | None = None) -> None:
    """Add one pending entry in the caller's transaction (db.session): no read, no lock, no commit.

    `kind` is signature, ballot, act or rating; the subject a petition, cycle or proposal by id; `at`
    the aware instant the server accepted it; `jws` the JWS exactly as accepted; `receipt` what the
    signer was given (None for acts); `purpose` the JWS purpose; `region` the signer's region KATO
    for signatures, else None. A value outside these is a ValueError: a caller's bug, not a user's."""
    values = entry_values(kind, subject_type, subject_id, at, jws, receipt, purpose, region)
    db.session.execute(_INSERT, values)


_INSERT = LogEntry.__table__.insert()  # Core: one INSERT, nothing read back, compiled once
