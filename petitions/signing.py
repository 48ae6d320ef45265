"""The hot path: verify a signature, check eligibility, insert it, count without a hot row."""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
import time
from dataclasses import dataclass
from datetime import datetime

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from auth import eds
from auth.iin import age_on
from auth.models import User
from auth.services import territory_chain
from errors import DomainError
from extensions import db
from petitions import rules
from petitions.calendar import load_work_calendar, local_date
from petitions.deadlines import add_working_days
from petitions.models import COUNTER_SHARDS, Petition, PetitionCounter, Signature
from workers import outbox


def signer_hash(iin: str) -> str:
    """A keyed hash of the IIN: unique per citizen, useless to whoever reads the table."""
    key = hashlib.sha256(b"dauys-signer:" + current_app.config["SECRET_KEY"].encode()).digest()
    return hmac.new(key, iin.encode(), hashlib.sha256).hexdigest()


def sign(petition: Petition, jws: object, now: datetime, notify: bool = False) -> Signature:
    """Add one verified, eligible citizen's signature; a second one is refused by the database."""
    signer = eds.verify(jws, "petition.sign", now, expected_doc=petition.signed_doc())
    if petition.state not in rules.SIGNABLE_STATES or not collecting(petition, now):
        raise DomainError("wrong_state")
    if age_on(signer.birth_date, local_date(now)) < current_app.config["MIN_AGE"]:
        raise DomainError("not_eligible")
    chain = territory_chain(signer.kato)
    if petition.territory is not None and petition.territory not in chain:
        raise DomainError("not_resident")
    user_id = None
    if notify:
        from auth.services import account_for

        user_id = account_for(signer.iin, now).id
    else:
        user_id = db.session.scalar(select(User.id).where(User.iin == signer.iin))
    signature = Signature(
        petition_id=petition.id,
        signer_hash=signer_hash(signer.iin),
        display_name=f"{signer.given_name} {signer.surname[:1]}.",
        region=chain[-1],
        signed_at=now,
        receipt=secrets.token_urlsafe(18),
        jws=jws,
        user_id=user_id,
        notify=bool(notify),
    )
    try:
        with db.session.begin_nested():
            db.session.add(signature)
            db.session.flush()
    except IntegrityError:
        raise DomainError("already_signed") from None
    # One of N shard rows: concurrent signers rarely wait for each other.
    db.session.execute(
        update(PetitionCounter)
        .where(PetitionCounter.petition_id == petition.id, PetitionCounter.shard == random.randrange(COUNTER_SHARDS))
        .values(count=PetitionCounter.count + 1)
    )
    return signature


def collecting(petition: Petition, now: datetime) -> bool:
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


def exact_count(petition_id: int) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(PetitionCounter.count), 0)).where(PetitionCounter.petition_id == petition_id)
    )


@dataclass
class _Cached:
    count: int
    at: float


COUNT_TTL_SECONDS = 1.0
COUNT_CACHE_SIZE = 10_000


def public_count(petition_id: int) -> int:
    """The count shown to the public: at most COUNT_TTL_SECONDS old, so a page refresh costs nothing."""
    cache: dict[int, _Cached] = current_app.extensions.setdefault("dauys_counts", {})
    entry = cache.get(petition_id)
    now = time.monotonic()
    if entry is None or now - entry.at > COUNT_TTL_SECONDS:
        if len(cache) > COUNT_CACHE_SIZE:
            cache.clear()  # bounded: stale entries are worthless after a second anyway
        entry = _Cached(exact_count(petition_id), now)
        cache[petition_id] = entry
    return entry.count


def advance(petition_id: int, now: datetime) -> list[str]:
    """Move a petition on when its count allows: restricted -> open, open -> under_review.

    Run after the signature's commit (so the count includes every committed signer);
    each move is a conditional UPDATE, so of many concurrent callers exactly one
    moves it and records the event. Returns the moves made.
    """
    config = current_app.config
    moves = []
    count = exact_count(petition_id)
    if count >= config["PETITION_RESTRICTED_SUPPORTERS"]:
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
    petition = db.session.get(Petition, petition_id, populate_existing=True)
    if petition.state == "open" and count >= petition.threshold:
        days = rules.review_working_days(petition.addressee, config)
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
    return moves


def reconcile(petition_id: int) -> int:
    """Recount from the signature rows and correct the shards by the drift; returns the drift.

    One statement reads both sides, so both come from one snapshot; a signer's
    insert and increment share a transaction, so the drift seen is real drift.
    """
    rows = select(func.count(Signature.id)).where(Signature.petition_id == petition_id).scalar_subquery()
    shards = (
        select(func.coalesce(func.sum(PetitionCounter.count), 0))
        .where(PetitionCounter.petition_id == petition_id)
        .scalar_subquery()
    )
    actual, counted = db.session.execute(select(rows, shards)).one()
    drift = actual - counted
    if drift:
        db.session.execute(
            update(PetitionCounter)
            .where(PetitionCounter.petition_id == petition_id, PetitionCounter.shard == 0)
            .values(count=PetitionCounter.count + drift)
        )
    return drift
