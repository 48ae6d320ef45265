"""The hot path: verify a signature, check eligibility, insert it, count without a hot row."""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
import time
from dataclasses import dataclass
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from flask import current_app, has_app_context
from sqlalchemy import bindparam, event, func, select, update

from auth import eds
from auth.iin import age_on
from auth.services import territory_chain
from errors import DomainError
from extensions import db, insert_unless_exists
from petitions import rules
from petitions.calendar import load_work_calendar, local_date
from petitions.deadlines import add_working_days
from petitions.models import COUNTER_SHARDS, Petition, PetitionCounter, Signature
from workers import outbox


def signer_hash(iin: str) -> str:
    """A keyed hash of the IIN: unique per citizen, useless to whoever reads the table."""
    key = hashlib.sha256(b"dauys-signer:" + current_app.config["SECRET_KEY"].encode()).digest()
    return hmac.new(key, iin.encode(), hashlib.sha256).hexdigest()


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


def signing_facts(petition_id: int) -> SigningFacts | None:
    row = db.session.connection().execute(_FACTS, {"b_id": petition_id}).first()
    return SigningFacts(*row) if row is not None else None


@dataclass(frozen=True)
class Signed:
    id: int
    receipt: str
    may_move: bool  # whether this signature may have carried the petition to its next step


# Below this many signatures every signer recounts after signing. From it on, a signer whose shard
# says the count is under half the target skips the recount: shards fill evenly (one in
# COUNTER_SHARDS at random), so at half of a target of 1,000 or more a shard is more than four
# standard deviations from the target's share. The periodic recount job is the backstop.
EXACT_BELOW = 1000


def sign(petition: Petition | SigningFacts, jws: object, now: datetime, notify: bool = False) -> Signed:
    """Add one verified, eligible citizen's signature; a second one is refused by the database.

    The hot path of a national petition: one look-up for the signer (registry, revocation and
    account together), one INSERT that the unique constraint turns into a no-op for a second
    signature, one UPDATE of one of N counter shards.
    """
    signer = eds.verify(jws, "petition.sign", now, expected_doc=petition.signed_doc())
    if petition.state not in rules.SIGNABLE_STATES or not collecting(petition, now):
        raise DomainError("wrong_state")
    if age_on(signer.birth_date, local_date(now)) < current_app.config["MIN_AGE"]:
        raise DomainError("not_eligible")
    chain = territory_chain(signer.kato)
    if petition.territory is not None and petition.territory not in chain:
        raise DomainError("not_resident")
    user_id = signer.user_id
    if notify and user_id is None:
        from auth.services import account_for

        user_id = account_for(signer.iin, now).id  # to be told, one needs an inbox
    receipt = secrets.token_urlsafe(18)
    signature_id = insert_unless_exists(
        Signature,
        ("petition_id", "signer_hash"),
        petition_id=petition.id,
        signer_hash=signer_hash(signer.iin),
        display_name=f"{signer.given_name} {signer.surname[:1]}.",
        region=chain[-1],
        signed_at=now,
        receipt=receipt,
        jws=jws,
        user_id=user_id,
        notify=bool(notify),
    )
    if signature_id is None:
        raise DomainError("already_signed")
    # One of N shard rows: concurrent signers rarely wait for each other.
    shard_count = db.session.connection().execute(
        _BUMP_SHARD, {"b_petition": petition.id, "b_shard": random.randrange(COUNTER_SHARDS)}
    ).scalar()
    target = (
        current_app.config["PETITION_RESTRICTED_SUPPORTERS"] if petition.state == "restricted" else petition.threshold
    )
    may_move = target < EXACT_BELOW or (shard_count or 0) * COUNTER_SHARDS >= target // 2
    return Signed(signature_id, receipt, may_move)


_BUMP_SHARD = (
    update(PetitionCounter.__table__)
    .where(PetitionCounter.petition_id == bindparam("b_petition"), PetitionCounter.shard == bindparam("b_shard"))
    .values(count=PetitionCounter.count + 1)
    .returning(PetitionCounter.count)
)


def collecting(petition: Petition | SigningFacts, now: datetime) -> bool:
    """Whether the petition's current phase still runs at `now`.

    A restricted petition gathers its first supporters up to and including
    `restricted_until`; an open one until `collection_ends_at`. The job that lapses
    or closes it runs once a minute, so a signature in between must not count (it
    could even carry the petition over its threshold after its time ran out).
    """
    if petition.state == "restricted" and petition.restricted_until is not None:
        return local_date(now) <= petition.restricted_until
    if petition.state == "open" and petition.collection_ends_at is not None:
        return now < petition.collection_ends_at
    return True


def _sum_of_shards(petition_id):
    return (
        select(func.coalesce(func.sum(PetitionCounter.count), 0))
        .where(PetitionCounter.petition_id == petition_id)
        .scalar_subquery()
    )


# count, threshold and state of one petition in one query (moves and the public count)
_TALLY = select(_sum_of_shards(bindparam("b_id")), Petition.threshold, Petition.state).where(
    Petition.id == bindparam("b_id")
)


def exact_count(petition_id: int) -> int:
    return db.session.scalar(select(_sum_of_shards(petition_id)))


@dataclass(frozen=True)
class Tally:
    """What `GET /petitions/{id}/count` shows: the count, the threshold and the state."""

    signature_count: int
    threshold: int
    state: str
    at: float


COUNT_TTL_SECONDS = 1.0
COUNT_CACHE_SIZE = 10_000


def public_tally(petition_id: int) -> Tally | None:
    """The public figures of a petition, at most COUNT_TTL_SECONDS old, read in one query; None for
    a petition that does not exist or is a draft. A page refresh by a hundred thousand people
    costs each web process one query a second."""
    cache: dict[int, Tally | None] = current_app.extensions.setdefault("dauys_counts", {})
    entry = cache.get(petition_id)
    now = time.monotonic()
    if entry is None or now - entry.at > COUNT_TTL_SECONDS:
        if len(cache) > COUNT_CACHE_SIZE:
            cache.clear()  # bounded: stale entries are worthless after a second anyway
        row = db.session.connection().execute(_TALLY, {"b_id": petition_id}).first()
        entry = Tally(row[0], row[1], row[2], now) if row is not None and row[2] != "draft" else Tally(0, 0, "", now)
        cache[petition_id] = entry
    return entry if entry.state else None


def public_count(petition_id: int) -> int:
    tally = public_tally(petition_id)
    return tally.signature_count if tally else 0


def forget_tally(petition_id: int) -> None:
    """This process moved the petition on: its next count read is fresh (others' within a second)."""
    current_app.extensions.get("dauys_counts", {}).pop(petition_id, None)


def advance(petition_id: int, now: datetime) -> list[str]:
    """Move a petition on when its count allows: restricted -> open, open -> under_review.

    Run after the signature's commit (so the count includes every committed signer);
    each move is a conditional UPDATE, so of many concurrent callers exactly one
    moves it and records the event. The common case (an open petition below its
    threshold) costs one query. Returns the moves made.
    """
    config = current_app.config
    moves = []
    count, threshold, state = db.session.connection().execute(_TALLY, {"b_id": petition_id}).one()
    if state == "restricted" and count >= config["PETITION_RESTRICTED_SUPPORTERS"]:
        opened = db.session.execute(
            update(Petition)
            .where(Petition.id == petition_id, Petition.state == "restricted")
            .values(
                state="open",
                published_at=now,
                collection_ends_at=now + relativedelta(months=config["PETITION_COLLECTION_MONTHS"]),
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if opened:
            outbox.record("petition.opened", now, petition_id=petition_id)
            moves.append("open")
            state = "open"
    if state == "open" and count >= threshold:
        addressee = db.session.scalar(select(Petition.addressee).where(Petition.id == petition_id))
        days = rules.review_working_days(addressee, config)
        due = add_working_days(load_work_calendar(), local_date(now), days)
        reached = db.session.execute(
            update(Petition)
            .where(Petition.id == petition_id, Petition.state == "open")
            .values(state="under_review", threshold_reached_at=now, review_due_on=due)
            .execution_options(synchronize_session=False)
        ).rowcount
        if reached:
            outbox.record("petition.threshold_reached", now, petition_id=petition_id)
            moves.append("reach_threshold")
    if moves:
        forget_tally(petition_id)
    return moves


def reconcile(petition_id: int) -> int:
    """Recount from the signature rows and correct the shards by the drift; returns the drift.

    One statement reads both sides, so both come from one snapshot; a signer's
    insert and increment share a transaction, so the drift seen is real drift.
    """
    rows = select(func.count(Signature.id)).where(Signature.petition_id == petition_id).scalar_subquery()
    actual, counted = db.session.execute(select(rows, _sum_of_shards(petition_id))).one()
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
        forget_tally(petition.id)
