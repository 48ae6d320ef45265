"""Turnout: how many of a cycle's eligible residents have voted, for its page and its JSON alike.

Who is eligible is the ballot's own rule (budgeting/services.py: cast_ballot, record_paper_ballot):
a person the population registry places in the cycle's rural district (or a settlement under it),
`MIN_AGE` or older on the Kazakhstan day. Counted on the day the figures are for: today while the
voting is on (or before it), its last day once it has closed, so a closed cycle's figure stays put.
Only the cycle's total is published: no breakdown by village (kernel/disclosure.py says why a live
one cannot be safe; the results page has the votes by village, under its own small-cell rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from sqlalchemy import func, select

from auth.iin import born_by
from auth.models import Person
from budgeting.models import BudgetCycle
from budgeting.services import ballot_count
from extensions import db
from kernel.kazakhstan_time import local_date
from kernel.territories import Territory

__all__ = ["Turnout", "turnout", "eligible_residents", "counted_on"]

_PLACES = Decimal("0.1")  # the percentage to one decimal place


@dataclass(frozen=True)
class Turnout:
    """`voted` ballots (one a voter, online or on paper) of `eligible` residents, counted on `as_of`."""

    voted: int
    eligible: int
    as_of: date

    @property
    def percent(self) -> Decimal | None:
        """voted / eligible as a percentage, rounded half up to 0.1; None when nobody is eligible."""
        if not self.eligible:
            return None
        return (Decimal(self.voted) * 100 / Decimal(self.eligible)).quantize(_PLACES, rounding=ROUND_HALF_UP)

    def to_json(self) -> dict:
        percent = self.percent
        return {
            "voted": self.voted,
            "eligible": self.eligible,
            "percent": None if percent is None else float(percent),
            "as_of": self.as_of.isoformat(),
        }


def counted_on(cycle: BudgetCycle, now: datetime) -> date:
    """The day eligibility is counted on: today, or the last day of a voting that has closed."""
    return local_date(min(now, cycle.voting_close - timedelta(microseconds=1)))


def _district(kato: str):
    """The rural district and every territory under it, as a subquery of KATO codes."""
    tree = select(Territory.kato).where(Territory.kato == kato).cte("district", recursive=True)
    tree = tree.union_all(select(Territory.kato).where(Territory.parent == tree.c.kato))
    return select(tree.c.kato)


def eligible_residents(kato: str, day: date) -> int:
    """Registry persons living in the rural district `kato` who are of voting age on `day`."""
    latest_birth = born_by(day, current_app.config["MIN_AGE"])
    return db.session.scalar(
        select(func.count(Person.iin)).where(Person.kato.in_(_district(kato)), Person.birth_date <= latest_birth)
    )


def turnout(cycle: BudgetCycle, now: datetime) -> Turnout:
    """The cycle's turnout at `now`: what its page shows and its JSON carries (`turnout`)."""
    day = counted_on(cycle, now)
    return Turnout(ballot_count(cycle.id), eligible_residents(cycle.kato, day), day)
