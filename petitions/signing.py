"""The hot path: verify a signature, check eligibility, insert it, count without a hot row."""

from __future__ import annotations

import hashlib
import json
import math
import random
import secrets
import time
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property, lru_cache

from dateutil.relativedelta import relativedelta
from flask import current_app, has_app_context
from sqlalchemy import bindparam, event, func, select, text, update

from auth import eds
from auth.iin import age_on
from extensions import db
from kernel.errors import DomainError
from kernel.kazakhstan_time import local_date
from kernel.keyed_hashes import signer_hash
from kernel.territories import territory_chain
from kernel.work_calendar import load_work_calendar
from kernel.working_days import add_working_days
from petitions import rules
from petitions.models import COUNTER_SHARDS, Petition, PetitionCounter, Signature
from workers import outbox


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
# and the write below inserts only while the state is still the one read here: a process may keep
# them a few seconds, and a signer who meets a stale copy is written against a fresh one.
FACTS_TTL_SECONDS = 5.0
CACHE_SIZE = 10_000  # petitions per process and cache; stale entries are worthless after seconds anyway


def _kept(cache_name: str, petition_id: int, ttl: float, read, fresh: bool = False):
    """`read()`, kept in this process for `ttl` seconds (a bounded dict on the app)."""
    cache: dict = current_app.extensions.setdefault(cache_name, {})
    entry = cache.get(petition_id)
    now = time.monotonic()
    if fresh or entry is None or now - entry[0] > ttl:
        if len(cache) > CACHE_SIZE:
            cache.clear()
        entry = cache[petition_id] = (now, read())
    return entry[1]


def signing_facts(petition_id: int, fresh: bool = False) -> SigningFacts | None:
    def read() -> SigningFacts | None:
        row = db.session.connection().execute(_FACTS, {"b_id": petition_id}).first()
        return SigningFacts(*row) if row is not None else None

    return _kept("dauys_signing_facts", petition_id, FACTS_TTL_SECONDS, read, fresh)


def autocommit_reads() -> None:
    """Let this request's statements each commit on their own (PostgreSQL): the signing look-ups
    need no transaction and the write is one statement, so no BEGIN and COMMIT round trips. The
    session's next transaction, after `commit()`, is an ordinary one again. Call it first."""
    if db.engine.dialect.name == "postgresql" and not db.session().in_transaction():
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


@dataclass(frozen=True)
class Signed:
    id: int
    receipt: str
    may_move: bool  # whether this signature may have carried the petition to its next step


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


def would_take(petition_id: int, jws: object, now: datetime) -> eds.Signer | None:
    """The signer of a petition.sign JWS this petition would count, as far as the JWS and its signer
    decide: it verifies, it signs exactly this petition's document, the signer is in the registry
    with a certificate not revoked, and has not signed the petition yet. None, or DomainError, else.

    For the signing limit's key (auth.access.signer_limit_key), so a replay of a signature already
    taken, or of one for another petition, is the sender's to pay for, not the signer's. `sign`
    then finds all of it done: the facts kept, the signature verified and the signer read (in the
    same one statement, which also says whether they signed) once per request."""
    autocommit_reads()
    petition = signing_facts(petition_id)
    if petition is None or petition.state == "draft":
        return None
    signer = eds.verify(jws, "petition.sign", now, expected_doc=petition.signed_doc(), done_before=_signed_before(petition_id))
    return None if signer.done_before else signer


_SIGNED_BEFORE = select(Signature.id).where(
    Signature.petition_id == bindparam("b_signed_petition"), Signature.signer_hash == bindparam("b_signer_hash")
).exists()


def _signed_before(petition_id: int) -> eds.DoneBefore:
    return eds.DoneBefore(
        _SIGNED_BEFORE, ("petition", petition_id),
        lambda iin: {"b_signed_petition": petition_id, "b_signer_hash": signer_hash(iin)},
    )


def sign(petition: Petition | SigningFacts, jws: object, now: datetime, notify: bool = False) -> Signed:
    """Add one verified, eligible citizen's signature; a second one is refused by the database.

    The hot path of a national petition: one look-up for the signer (registry, revocation and
    account together) and one statement that inserts the signature (a second one is a no-op by the
    unique constraint, and so is one for a petition no longer in the state its facts showed) and
    adds one to one of N counter shards.
    """
    signer = eds.verify(jws, "petition.sign", now, expected_doc=petition.signed_doc(), done_before=_signed_before(petition.id))
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
    values = {
        "petition_id": petition.id,
        "signer_hash": signer_hash(signer.iin),
        "display_name": f"{signer.given_name} {signer.surname[:1]}.",
        "region": chain[-1],
        "signed_at": now,
        "receipt": receipt,
        "jws": jws,
        "user_id": user_id,
        "notify": bool(notify),
    }
    for _ in range(2):
        signature_id, shard_count = _record(values, petition.state)
        if signature_id is not None:
            break
        if db.session.connection().execute(_SIGNED, values).first() is not None:
            raise DomainError("already_signed")
        # The petition moved on since its facts were read (by another process): read them again.
        petition = signing_facts(petition.id, fresh=True)
        if petition is None or petition.state not in rules.SIGNABLE_STATES or not collecting(petition, now):
            raise DomainError("wrong_state")
    else:
        raise DomainError("wrong_state")
    return Signed(signature_id, receipt, may_reach(shard_count or 0, _next_target(petition.state, petition.threshold)))


_COLUMNS = ("petition_id", "signer_hash", "display_name", "region", "signed_at", "receipt", "jws", "user_id", "notify")
_SIGNED = select(Signature.id).where(
    Signature.petition_id == bindparam("petition_id"), Signature.signer_hash == bindparam("signer_hash")
)


def _record(values: dict, state: str) -> tuple[int | None, int | None]:
    """Insert the signature, if the petition is still in `state` and the citizen has not signed it,
    and add one to a random counter shard (one of N rows: concurrent signers rarely wait for each
    other). Returns the new row's id and the shard's count, or (None, None) when nothing was written.

    On PostgreSQL one statement does both (data-modifying CTEs), atomic even in autocommit; SQLite
    has no such CTEs and runs the two in the session's transaction."""
    params = {**values, "state": state, "shard": random.randrange(COUNTER_SHARDS)}
    connection = db.session.connection()
    insert, bump = _record_statements(connection.dialect.name)
    if bump is None:
        return tuple(connection.execute(insert, params).one())
    signature_id = connection.execute(insert, params).scalar()
    if signature_id is None:
        return None, None
    return signature_id, connection.execute(bump, params).scalar()


@lru_cache(maxsize=2)
def _record_statements(dialect_name: str):
    table = Signature.__table__
    typed = [bindparam(c, type_=table.c[c].type) for c in _COLUMNS]
    shard = "UPDATE petition_counter SET count = count + 1 WHERE petition_id = :petition_id AND shard = :shard"
    if dialect_name == "postgresql":
        # A bind in a SELECT list has no type to take from the column: say it.
        dialect = db.engine.dialect
        selected = ", ".join(f"CAST(:{c} AS {table.c[c].type.compile(dialect)})" for c in _COLUMNS)
    else:
        selected = ", ".join(f":{c}" for c in _COLUMNS)
    insert = (
        f"INSERT INTO signature ({', '.join(_COLUMNS)}) SELECT {selected} FROM petition "
        "WHERE petition.id = :petition_id AND petition.state = :state "
        "ON CONFLICT (petition_id, signer_hash) DO NOTHING RETURNING id"
    )
    if dialect_name == "postgresql":
        both = (
            f"WITH ins AS ({insert}), bump AS ({shard} AND EXISTS (SELECT FROM ins) RETURNING count) "
            "SELECT (SELECT id FROM ins), (SELECT count FROM bump)"
        )
        return text(both).bindparams(*typed), None
    return text(insert).bindparams(*typed), text(shard + " RETURNING count")


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

    @cached_property
    def body(self) -> bytes:
        """The JSON body of the count endpoint, made once per refresh however many read it."""
        figures = {"signature_count": self.signature_count, "threshold": self.threshold, "state": self.state}
        return json.dumps(figures, separators=(",", ":")).encode()

    @cached_property
    def etag(self) -> str:
        return hashlib.sha256(self.body).hexdigest()[:20]


COUNT_TTL_SECONDS = 1.0


def public_tally(petition_id: int) -> Tally | None:
    """The public figures of a petition, at most COUNT_TTL_SECONDS old, read in one query; None for
    a petition that does not exist or is a draft. A page refresh by a hundred thousand people
    costs each web process one query a second."""

    def read() -> Tally | None:
        row = db.session.connection().execute(_TALLY, {"b_id": petition_id}).first()
        return Tally(*row) if row is not None and row[2] != "draft" else None

    return _kept("dauys_counts", petition_id, COUNT_TTL_SECONDS, read)


def public_count(petition_id: int) -> int:
    tally = public_tally(petition_id)
    return tally.signature_count if tally else 0


def forget_tally(petition_id: int) -> None:
    """This process moved the petition on: its next count and facts reads are fresh (others' count
    within a second; their facts are checked against the state as they write)."""
    current_app.extensions.get("dauys_counts", {}).pop(petition_id, None)
    current_app.extensions.get("dauys_signing_facts", {}).pop(petition_id, None)


def _next_target(state: str, threshold: int) -> int | None:
    """The count that moves a petition in `state` on: its first supporters, then its threshold."""
    if state == "restricted":
        return current_app.config["PETITION_RESTRICTED_SUPPORTERS"]
    return threshold if state == "open" else None


def move_due(petition_id: int) -> bool:
    """Whether the count now allows a move: one read, which `advance` repeats in its transaction."""
    row = db.session.connection().execute(_TALLY, {"b_id": petition_id}).first()
    if row is None:
        return False
    count, threshold, state = row
    target = _next_target(state, threshold)
    return target is not None and count >= target


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
    if state == "restricted" and count >= _next_target(state, threshold):
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
