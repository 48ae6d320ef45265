"""Scheduled budget work: phases switch on their dates, the tally runs when voting closes. Each acts once."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from budgeting.lifecycle import CYCLE, reaching
from budgeting.models import BudgetCycle
from budgeting.tally import tally_cycle
from extensions import db
from workers import outbox
from workers.runtime import job, utcnow

log = logging.getLogger(__name__)


@job
def tick(now_iso: str | None = None) -> dict:
    """Move every cycle to the phase its dates give; count the ballots of any cycle whose voting closed.

    Each cycle is its own unit of work: one whose count fails is logged and retried on the next tick,
    and does not hold up the phase changes of the others.
    """
    now = utcnow(now_iso)
    moved = tallied = 0
    failed: list[int] = []
    ids = list(
        db.session.scalars(
            select(BudgetCycle.id).where(BudgetCycle.announced_phase != "results").order_by(BudgetCycle.id)
        )
    )
    db.session.commit()
    for cycle_id in ids:
        try:
            cycle_moved, cycle_tallied = _advance(cycle_id, now)
        except Exception:
            db.session.rollback()
            log.exception("budget cycle %s: tick failed at %s; the next tick retries", cycle_id, now.isoformat())
            failed.append(cycle_id)
            continue
        moved += cycle_moved
        tallied += cycle_tallied
    return {"moved": moved, "tallied": tallied, "failed": failed}


def _advance(cycle_id: int, now: datetime) -> tuple[int, int]:
    cycle = db.session.get(BudgetCycle, cycle_id)
    phase = cycle.phase_at(now)
    action = reaching(phase)
    moved = tallied = 0
    # Straight to the phase the dates give, however many phases missed ticks skipped, with one event
    # for the phase reached (budgeting/lifecycle.py); none for the phase already announced, or back.
    if action and CYCLE.allows(cycle.announced_phase, action):
        # Conditional on the phase we read: a concurrent tick that got there first changes nothing here.
        changed = db.session.execute(
            CYCLE.update(BudgetCycle, action, BudgetCycle.id == cycle_id, from_state=cycle.announced_phase)
        ).rowcount
        if changed:
            outbox.record("budget.phase_changed", now, cycle_id=cycle_id, phase=phase)
            moved = 1
        db.session.commit()
    if phase == "counting":
        tallied = tally_cycle(cycle_id, now)
        db.session.commit()
    else:
        db.session.rollback()  # end the read; SQLite holds its write lock for the whole transaction
    return moved, tallied
