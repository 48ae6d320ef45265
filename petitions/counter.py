"""A petition's signature count without a hot row: N shards, what one shard says, the tally, the recount.

Each signature adds one to one of COUNTER_SHARDS rows at random (petitions.signature_sql writes the
signature and its shard's +1 together), so concurrent signers rarely wait for each other. The exact
count sums the shards; the public one is that sum kept a second per process; `reconcile` corrects
the shards from the signature rows.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from dataclasses import dataclass
from functools import cached_property

from flask import has_app_context
from sqlalchemy import bindparam, event, func, select, update

from extensions import db
from kernel import process_cache
from petitions.lifecycle import PETITION
from petitions.models import COUNTER_SHARDS, Petition, PetitionCounter, Signature


def pick_shard() -> int:
    """The shard a new signature adds to: one of COUNTER_SHARDS at random."""
    return random.randrange(COUNTER_SHARDS)


# Below this many signatures every signer recounts after signing. From it on, a signer whose shard
# says the count is still far from the target skips the recount: each signature lands in one of
# COUNTER_SHARDS shards at random, so when n have signed a shard holds Binomial(n, 1/N) and N times
# it estimates n with a standard deviation of sqrt(n (N - 1)). A signer whose estimate is more than
# SKIP_SIGMAS of those (taken at n = target) below the target cannot be the one that reached it,
# but with odds of about one in a billion; the periodic recount job is the backstop for those.
EXACT_BELOW = 1000
SKIP_SIGMAS = 6


def may_reach(shard_count: int, target: int) -> bool:
    """Whether the signer who brought their shard to `shard_count` may have carried the count to `target`."""
    if target < EXACT_BELOW:
        return True
    return shard_count * COUNTER_SHARDS >= target - SKIP_SIGMAS * math.sqrt(target * (COUNTER_SHARDS - 1))


def sum_of_shards(petition_id):
    """The exact count, as a scalar subquery (a statement that reads it reads it in its own snapshot)."""
    return (
        select(func.coalesce(func.sum(PetitionCounter.count), 0))
        .where(PetitionCounter.petition_id == petition_id)
        .scalar_subquery()
    )


def exact_count(petition_id: int) -> int:
    return db.session.scalar(select(sum_of_shards(petition_id)))


@dataclass(frozen=True)
class Tally:
    """What `GET /petitions/{id}/count` shows: the count, the threshold and the state."""

    signature_count: int
    threshold: int
    state: str

    @cached_property
    def body(self) -> bytes:
        """The JSON body of the count endpoint, made once per refresh however many read it."""
        figures = {"signature_count": self.signature_count, "threshold": self.threshold, "state": self.state}
        return json.dumps(figures, separators=(",", ":")).encode()

    @cached_property
    def etag(self) -> str:
        return hashlib.sha256(self.body).hexdigest()[:20]


# count, threshold and state of one petition in one query (the moves and the public count)
_TALLY = select(sum_of_shards(bindparam("b_id")), Petition.threshold, Petition.state).where(
    Petition.id == bindparam("b_id")
)


def tally(petition_id: int) -> Tally | None:
    """The petition's count, threshold and state now, in one query (any state); None if there is none."""
    row = db.session.connection().execute(_TALLY, {"b_id": petition_id}).first()
    return Tally(*row) if row is not None else None


COUNT_TTL_SECONDS = 1.0
_CACHE = "dauys_counts"


def public_tally(petition_id: int) -> Tally | None:
    """The public figures of a petition, at most COUNT_TTL_SECONDS old, read in one query; None for
    a petition that does not exist or is a draft. A page refresh by a hundred thousand people
    costs each web process one query a second."""

    def read() -> Tally | None:
        now = tally(petition_id)
        # a draft (a petition its author may still submit) is nobody's to count
        return now if now is not None and not PETITION.allows(now.state, "submit") else None

    return process_cache.kept(_CACHE, petition_id, COUNT_TTL_SECONDS, read)


def public_count(petition_id: int) -> int:
    figures = public_tally(petition_id)
    return figures.signature_count if figures else 0


def forget(petition_id: int) -> None:
    """This process moved the petition on: its next public count is fresh (other processes' within
    COUNT_TTL_SECONDS)."""
    process_cache.forget(_CACHE, petition_id)


def reconcile(petition_id: int) -> int:
    """Recount from the signature rows and correct the shards by the drift; returns the drift.

    One statement reads both sides, so both come from one snapshot; a signer's
    insert and increment share a transaction, so the drift seen is real drift.
    """
    rows = select(func.count(Signature.id)).where(Signature.petition_id == petition_id).scalar_subquery()
    actual, counted = db.session.execute(select(rows, sum_of_shards(petition_id))).one()
    drift = actual - counted
    if drift:
        db.session.execute(
            update(PetitionCounter)
            .where(PetitionCounter.petition_id == petition_id, PetitionCounter.shard == 0)
            .values(count=PetitionCounter.count + drift)
        )
    return drift


@event.listens_for(Petition, "after_update")
def _petition_changed(_mapper, _connection, petition: Petition) -> None:
    if has_app_context():
        forget(petition.id)
