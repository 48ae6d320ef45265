"""Keyed hashes of an IIN: stable per citizen, useless to whoever reads the table without the key.

One key, derived from SECRET_KEY, and one prefix per use, so that a signature's hash, a ballot's
(`ballot:<cycle>:<iin>`) and the audit log's pseudonym (`audit:<iin>`) never match one another.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from flask import current_app


def signer_hash(iin: str) -> str:
    """A keyed hash of the IIN: unique per citizen, useless to whoever reads the table."""
    return hmac.new(_signer_key(current_app.config["SECRET_KEY"]), iin.encode(), hashlib.sha256).hexdigest()


@lru_cache(maxsize=4)
def _signer_key(secret: str) -> bytes:
    """The key, derived once per secret (the signing hot path hashes every signer twice)."""
    return hashlib.sha256(b"dauys-signer:" + secret.encode()).digest()


def person_pseudonym(iin: str) -> str:
    """A stable pseudonym of a person for the audit log: a keyed hash, so the log holds no IIN while
    an auditor with the key can still tell whether two entries concern the same person (the keyed
    hash signatures use, under its own prefix, as ballots do)."""
    return signer_hash(f"audit:{iin}")[:16]
