"""Budget rows: the cycle (rules fixed before proposals open), proposals, ballots, the frozen result.

The cycle's and the proposal's lifecycles are budgeting/lifecycle.py: their CHECKs and ORM guards
come from those tables.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from budgeting.lifecycle import CYCLE, PROPOSAL
from extensions import UtcDateTime, db

CATEGORIES = ("landscaping", "lighting", "roads", "playgrounds_sport", "water", "culture", "other")
IMPLEMENTATION = ("planned", "in_progress", "done")


class BudgetCycle(db.Model):
    """One participatory budget of a rural district for a year."""

    __tablename__ = "budget_cycle"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kato: Mapped[str] = mapped_column(ForeignKey("territory.kato"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigInteger)
    ballot: Mapped[str] = mapped_column(String(10))
    min_choices: Mapped[int | None] = mapped_column(Integer)
    max_choices: Mapped[int | None] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(String(10))
    proposals_open: Mapped[datetime] = mapped_column(UtcDateTime)
    proposals_close: Mapped[datetime] = mapped_column(UtcDateTime)
    voting_open: Mapped[datetime] = mapped_column(UtcDateTime)
    voting_close: Mapped[datetime] = mapped_column(UtcDateTime)
    # The phase last announced (by the tick, or the tally's results); the phase is `phase_at(now)`.
    announced_phase: Mapped[str] = mapped_column("phase", String(12), default=CYCLE.initial, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    tallied_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    result: Mapped[dict | None] = mapped_column(JSON)
    pb_file: Mapped[str | None] = mapped_column(Text)
    pb_sha256: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("kato", "year", name="uq_budget_cycle_one_per_district_year"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("ballot IN ('approval','knapsack')", name="ballot"),
        CheckConstraint("rule IN ('greedy','mes')", name="rule"),
        CYCLE.check_constraint(),
        CheckConstraint(
            "proposals_open < proposals_close AND proposals_close <= voting_open AND voting_open < voting_close",
            name="dates_in_order",
        ),
        CheckConstraint(
            "min_choices IS NULL OR max_choices IS NULL OR min_choices <= max_choices", name="choices_range"
        ),
    )

    def phase_at(self, now: datetime) -> str:
        """The phase the dates give at `now` (results come only when the tally has run)."""
        if now < self.proposals_open:
            return "scheduled"
        if now < self.proposals_close:
            return "proposals"
        if now < self.voting_open:
            return "screening"
        if now < self.voting_close:
            return "voting"
        return "results" if self.tallied_at else "counting"


class Proposal(db.Model):
    """A resident's budget item; screened eligible (with a checked cost) or ineligible (with a reason)."""

    __tablename__ = "budget_proposal"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("budget_cycle.id"), index=True)
    author_iin: Mapped[str] = mapped_column(ForeignKey("person.iin"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(20))
    settlement: Mapped[str] = mapped_column(ForeignKey("territory.kato"))
    cost: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(12), default=PROPOSAL.initial, index=True)
    digest: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    submit_jws: Mapped[str | None] = mapped_column(Text)
    checked_cost: Mapped[int | None] = mapped_column(BigInteger)
    ineligible_reason: Mapped[str | None] = mapped_column(Text)
    screened_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    implementation: Mapped[str | None] = mapped_column(String(12))
    spent: Mapped[int | None] = mapped_column(BigInteger)
    # The petition it takes up (DOMAIN.md "After the answer": from petition to budget), a public one
    petition_id: Mapped[int | None] = mapped_column(ForeignKey("petition.id"), index=True)

    __table_args__ = (
        CheckConstraint("cost > 0", name="cost_positive"),
        PROPOSAL.check_constraint(),
        CheckConstraint(
            "category IN ('landscaping','lighting','roads','playgrounds_sport','water','culture','other')",
            name="category",
        ),
        CheckConstraint("state != 'eligible' OR checked_cost > 0", name="eligible_has_cost"),
        CheckConstraint("implementation IS NULL OR implementation IN ('planned','in_progress','done')", name="impl"),
    )

    def document(self) -> dict:
        """What the author signs (its digest): the petition it cites is part of it, named only when
        there is one, so a proposal citing none keeps the digest it was signed with before."""
        document = {
            "type": "proposal", "id": self.id, "cycle": self.cycle_id, "title": self.title,
            "description": self.description, "category": self.category, "settlement": self.settlement,
            "cost": self.cost,
        }
        if self.petition_id is not None:
            document["petition"] = self.petition_id
        return document

    def signed_doc(self) -> dict:
        return {"type": "proposal", "id": self.id, "digest": self.digest}


class Ballot(db.Model):
    """One resident's final ballot, online (EDS-signed) or on paper; one per voter per cycle."""

    __tablename__ = "budget_ballot"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("budget_cycle.id"))
    voter_hash: Mapped[str] = mapped_column(String(64))
    settlement: Mapped[str] = mapped_column(String(9))
    method: Mapped[str] = mapped_column(String(6))
    projects: Mapped[list] = mapped_column(JSON)
    cast_at: Mapped[datetime] = mapped_column(UtcDateTime)
    receipt: Mapped[str] = mapped_column(String(40), unique=True)
    jws: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    notify: Mapped[bool] = mapped_column(Boolean, default=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    __table_args__ = (
        UniqueConstraint("cycle_id", "voter_hash", name="uq_budget_ballot_one_per_voter"),
        CheckConstraint("method IN ('online','paper')", name="method"),
    )


class BudgetFollower(db.Model):
    """A resident who asked to hear about a cycle's phase changes and results."""

    __tablename__ = "budget_follower"
    cycle_id: Mapped[int] = mapped_column(ForeignKey("budget_cycle.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)


CYCLE.guard(BudgetCycle)
PROPOSAL.guard(Proposal)
