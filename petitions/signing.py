"""Signing a petition, the hot path: verify the signature, check eligibility, write it, move the petition on.

The use case is `sign_petition`, which owns its transactions; `sign` is its step that writes one
signature in the caller's transaction; `would_take` is what the signing limit's key asks first.
What it stands on: the petition's facts (petitions.signing_facts), the one write of a signature
(petitions.signature_sql), the sharded count (petitions.counter) and the moves the count makes
(petitions.count_moves).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from auth import eds
from extensions import db
from kernel.errors import DomainError
from kernel.kazakhstan_time import local_date
from kernel.keyed_hashes import signer_hash
from kernel.territories import territory_chain
from petitions import count_moves, counter, eligibility, signature_sql
from petitions.lifecycle import PETITION
from petitions.models import Petition
from petitions.signing_facts import SigningFacts, signing_facts
from publiclog import entries as log_entries

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Signed:
    id: int
    receipt: str
    may_move: bool  # whether this signature may have carried the petition to its next step
    moves: tuple[str, ...] = ()  # the moves it made (sign_petition only)


def autocommit_reads() -> None:
    """Let this request's statements each commit on their own (PostgreSQL): the signing look-ups
    need no transaction and the write is one statement, so no BEGIN and COMMIT round trips. The
    session's next transaction, after `commit()`, is an ordinary one again. Call it first."""
    if db.engine.dialect.name == "postgresql" and not db.session().in_transaction():
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def _unsubmitted(state: str) -> bool:
    """A draft: a petition its author may still submit, which nobody else may see or sign."""
    return PETITION.allows(state, "submit")


def published_facts(petition_id: int, read=None) -> SigningFacts:
    """The facts of a petition others may see, or DomainError("not_found")."""
    petition = signing_facts(petition_id, read=read)
    if petition is None or _unsubmitted(petition.state):
        raise DomainError("not_found")
    return petition


def sign_petition(petition_id: int, jws: object, now: datetime, notify: bool = False) -> Signed:
    """A citizen signs a petition: the use case of `POST /petitions/{id}/signatures`.

    It owns its transactions and commits them (the one kind of service that may): its look-ups
    run without a transaction (`autocommit_reads`), the signature and its count are one statement
    (`sign`), then the commit. When that signature may have carried the petition to its next step
    (`Signed.may_move`), the move (`count_moves.advance`, with its outbox event) is a transaction of
    its own after that commit; its failure leaves the signature taken and the move to the recount
    job. DomainError for a petition not found, a signature refused or a petition not collecting.
    """
    autocommit_reads()
    petition = published_facts(petition_id)
    return committed(petition_id, sign(petition, jws, now, notify=notify), now)


def committed(petition_id: int, signed: Signed, now: datetime) -> Signed:
    """The commit of a signature `sign` (or `write`) wrote, then the move it may have made, after it."""
    db.session.commit()
    return moved(petition_id, signed, now)


def moved(petition_id: int, signed: Signed, now: datetime) -> Signed:
    """After the signature's commit: the move it may have made (`Signed.moves`)."""
    if not signed.may_move:
        return signed
    return Signed(signed.id, signed.receipt, signed.may_move, tuple(_advance_after_commit(petition_id, now)))


def _advance_after_commit(petition_id: int, now: datetime) -> list[str]:
    """The signature is safe; moving the petition on may fail now and be done by the recount job.

    Near a target every signer looks: one read outside a transaction, and a transaction (the move
    and its event together) only for the one who finds the move due."""
    try:
        autocommit_reads()
        if not count_moves.move_due(petition_id):
            return []
        db.session.commit()
        moves = count_moves.advance(petition_id, now)
        db.session.commit()
        return moves
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("advancing petition %s after a signature failed; the recount job will retry", petition_id)
        return []


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
    if petition is None or _unsubmitted(petition.state):
        return None
    signer = eds.verify(jws, "petition.sign", now, expected_doc=petition.signed_doc(), done_before=_signed_before(petition_id))
    return None if signer.done_before else signer


def _signed_before(petition_id: int) -> eds.DoneBefore:
    return eds.DoneBefore(
        signature_sql.SIGNED_BEFORE, ("petition", petition_id),
        lambda iin: {"b_signed_petition": petition_id, "b_signer_hash": signer_hash(iin)},
    )


def sign(petition: Petition | SigningFacts, jws: object, now: datetime, notify: bool = False) -> Signed:
    """Add one verified, eligible citizen's signature, in the caller's transaction (it does not
    commit); a second one is refused by the database.

    The hot path of a national petition: one look-up for the signer (registry, revocation and
    account together) and one statement that inserts the signature (a second one is a no-op by the
    unique constraint, and so is one for a petition no longer in the state its facts showed), adds
    one to one of N counter shards and appends its entry to the public log (publiclog.entries).
    """
    signer = check(petition, jws, now)
    user_id = signer.user_id
    if notify and user_id is None:
        from auth.services import account_for

        user_id = account_for(signer.iin, now).id  # to be told, one needs an inbox
    return write(petition, signer, jws, now, user_id=user_id, notify=notify)


def check(petition: Petition | SigningFacts, jws: object, now: datetime) -> eds.Signer:
    """What `sign` asks before it writes, nothing written: the JWS verifies for `petition.sign` and
    this petition's document (its signer read with whether they signed it, `Signer.done_before`),
    the petition collects, the signer may sign it. The signer, or DomainError."""
    signer = eds.verify(jws, "petition.sign", now, expected_doc=petition.signed_doc(), done_before=_signed_before(petition.id))
    if not PETITION.allows(petition.state, "sign") or not collecting(petition, now):
        raise DomainError("wrong_state")
    refusal = eligibility.to_sign(signer.birth_date, signer.kato, petition.territory, local_date(now))
    if refusal is not None:
        raise refusal
    return signer


def write(petition: Petition | SigningFacts, signer: eds.Signer, jws: str, now: datetime, *,
          user_id: int | None, notify: bool, read=None) -> Signed:
    """`sign`'s write, for a signer `check` let through: the one statement (signature, shard, log
    entry), read again once if the petition moved on meanwhile. DomainError already_signed or
    wrong_state when nothing was written. `read` (kernel/raw_sql.py:Reader): the statement runs
    on its connection, in autocommit, instead of the session's (the lean path's)."""
    chain = territory_chain(signer.kato)
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
    # its public-log entry, written with it or not at all (no personal data: the region, hashes)
    entry = log_entries.entry_values("signature", "petition", petition.id, now, jws, receipt, "petition.sign", chain[-1])
    for _ in range(2):
        if read is None:
            signature_id, shard_count = signature_sql.record(values, petition.state, counter.pick_shard(), entry)
        else:
            signature_id, shard_count = signature_sql.record_with(read, read.dialect, values, petition.state,
                                                                  counter.pick_shard(), entry)
        if signature_id is not None:
            break
        if signature_sql.already_signed(values, read):
            raise DomainError("already_signed")
        # The petition moved on since its facts were read (by another process): read them again.
        petition = signing_facts(petition.id, fresh=True, read=read)
        if petition is None or not PETITION.allows(petition.state, "sign") or not collecting(petition, now):
            raise DomainError("wrong_state")
    else:
        raise DomainError("wrong_state")
    target = count_moves.next_target(petition.state, petition.threshold)
    return Signed(signature_id, receipt, counter.may_reach(shard_count or 0, target))


def collecting(petition: Petition | SigningFacts, now: datetime) -> bool:
    """Whether the petition's current phase still runs at `now`.

    A restricted petition gathers its first supporters up to and including `restricted_until`
    (then it lapses); an open one until `collection_ends_at` (then it closes). The job that lapses
    or closes it runs once a minute, so a signature in between must not count (it could even
    carry the petition over its threshold after its time ran out).
    """
    if PETITION.allows(petition.state, "lapse") and petition.restricted_until is not None:
        return local_date(now) <= petition.restricted_until
    if PETITION.allows(petition.state, "close") and petition.collection_ends_at is not None:
        return now < petition.collection_ends_at
    return True
