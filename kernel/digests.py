"""Document digests: the canonical JSON of a signed document (API.md) and its SHA-256."""

from __future__ import annotations

import hashlib
import json


def canonical_json(document: dict) -> bytes:
    """Sorted keys, no spaces, UTF-8 (API.md)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def digest(document: dict) -> str:
    """`sha256:` and the hex SHA-256 of the document's canonical JSON: what a signer signs."""
    return "sha256:" + hashlib.sha256(canonical_json(document)).hexdigest()
