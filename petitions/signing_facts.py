"""What signing needs to know of a petition, read in one light query and kept a few seconds per process."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import has_app_context
from sqlalchemy import bindparam, event, select

from extensions import db
from kernel import process_cache
from petitions.models import Petition


@dataclass(frozen=True)
class SigningFacts:
    """What signing needs to know of a petition, read in one light query (no ORM object)."""

    id: int
    state: str
    digest: str
    territory: str | None
    restricted_until: date | None
    collection_ends_at: datetime | None
    threshold: int

    signed_doc = Petition.signed_doc  # the same document the author and every signer sign


_FACTS = select(
    Petition.id, Petition.state, Petition.digest, Petition.territory, Petition.restricted_until,
    Petition.collection_ends_at, Petition.threshold,
).where(Petition.id == bindparam("b_id"))

# A petition's signing facts change only with its state (dates and threshold are set as it moves),
# and the write (petitions.signature_sql) inserts only while the state is still the one read here:
# a process may keep them a few seconds, and a signer who meets a stale copy is written against a
# fresh one.
FACTS_TTL_SECONDS = 5.0
_CACHE = "dauys_signing_facts"


def signing_facts(petition_id: int, fresh: bool = False, read=None) -> SigningFacts | None:
    """The petition's facts, at most FACTS_TTL_SECONDS old (`fresh`: read now); None if there is none.
    `read` (kernel/raw_sql.py:Reader): read them on its connection rather than the session's."""

    def facts() -> SigningFacts | None:
        if read is not None:
            row = read(_FACTS, {"b_id": petition_id})
        else:
            row = db.session.connection().execute(_FACTS, {"b_id": petition_id}).first()
        return SigningFacts(*row) if row is not None else None

    return process_cache.kept(_CACHE, petition_id, FACTS_TTL_SECONDS, facts, fresh)


def forget(petition_id: int) -> None:
    """This process moved the petition on: its next facts read is fresh (other processes' facts are
    checked against the state as they write)."""
    process_cache.forget(_CACHE, petition_id)


@event.listens_for(Petition, "after_update")
def _petition_changed(_mapper, _connection, petition: Petition) -> None:
    if has_app_context():
        forget(petition.id)
