"""The moves a petition's count makes: it opens at its first supporters, and goes to review at its threshold.

Both are moves of the petition's lifecycle (petitions/lifecycle.py): `PETITION.update` makes each a
conditional UPDATE from the state the table says it starts from, so of many concurrent callers
(signers after their commit, the recount job) exactly one moves the petition and records its event.
"""

from __future__ import annotations

from datetime import datetime

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import select

from extensions import db
from kernel.kazakhstan_time import local_date
from kernel.work_calendar import load_work_calendar
from kernel.working_days import add_working_days
from petitions import counter, rules, signing_facts
from petitions.lifecycle import PETITION
from petitions.models import Petition
from workers import outbox

OPEN, REACH_THRESHOLD = "open", "reach_threshold"  # the two actions of PETITION the count makes

# The states whose shards the recount keeps true to the rows: those that take signatures, and those
# the count's moves lead to (a signer who read the facts just before the move still counts, and the
# public count must stay verifiable from the rows).
RECOUNTED_STATES = tuple(
    state for state in PETITION.states
    if state in rules.SIGNABLE_STATES
    or any(PETITION.moves.get((source, action)) == state for source in rules.SIGNABLE_STATES
           for action in (OPEN, REACH_THRESHOLD))
)


def next_target(state: str, threshold: int) -> int | None:
    """The count that moves a petition in `state` on: its first supporters, then its threshold."""
    if PETITION.allows(state, OPEN):
        return current_app.config["PETITION_RESTRICTED_SUPPORTERS"]
    return threshold if PETITION.allows(state, REACH_THRESHOLD) else None


def move_due(petition_id: int) -> bool:
    """Whether the count now allows a move: one read, which `advance` repeats in its transaction."""
    figures = counter.tally(petition_id)
    if figures is None:
        return False
    target = next_target(figures.state, figures.threshold)
    return target is not None and figures.signature_count >= target


def advance(petition_id: int, now: datetime) -> list[str]:
    """Make the moves the count allows: `open` (first supporters), then `reach_threshold`.

    Run after the signature's commit (so the count includes every committed signer), in the
    caller's transaction (it does not commit: the move and its outbox event go together). The
    common case (an open petition below its threshold) costs one query. Returns the moves made.
    """
    config = current_app.config
    moves = []
    figures = counter.tally(petition_id)
    if figures is None:
        return moves
    count, threshold, state = figures.signature_count, figures.threshold, figures.state
    if PETITION.allows(state, OPEN) and count >= next_target(state, threshold):
        opened = db.session.execute(
            PETITION.update(
                Petition, OPEN, Petition.id == petition_id,
                published_at=now,
                collection_ends_at=now + relativedelta(months=config["PETITION_COLLECTION_MONTHS"]),
            )
        ).rowcount
        if opened:
            outbox.record("petition.opened", now, petition_id=petition_id)
            moves.append(OPEN)
            state = PETITION.next(state, OPEN)
    if PETITION.allows(state, REACH_THRESHOLD) and count >= threshold:
        addressee = db.session.scalar(select(Petition.addressee).where(Petition.id == petition_id))
        days = rules.review_working_days(addressee, config)
        due = add_working_days(load_work_calendar(), local_date(now), days)
        reached = db.session.execute(
            PETITION.update(
                Petition, REACH_THRESHOLD, Petition.id == petition_id, threshold_reached_at=now, review_due_on=due,
            )
        ).rowcount
        if reached:
            outbox.record("petition.threshold_reached", now, petition_id=petition_id)
            moves.append(REACH_THRESHOLD)
    if moves:
        counter.forget(petition_id)
        signing_facts.forget(petition_id)
    return moves
