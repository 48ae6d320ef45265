"""Petition rows: the petition (a guarded state machine), signatures, counter shards, milestones."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import UtcDateTime, db
from petitions.lifecycle import PETITION

# The states in which anyone may read a petition (petitions.queries.PUBLIC_STATES), as the index of
# the public list's order names them.
PUBLIC_STATES = ("open", "under_review", "answered", "closed")
PUBLIC_STATES_SQL = text("state IN (" + ", ".join(f"'{state}'" for state in PUBLIC_STATES) + ")")

# The table of moves is petitions/lifecycle.py; these names stay for the code and tests that read them.
TRANSITIONS = PETITION.moves
ACTIONS = list(PETITION.actions)
next_state = PETITION.next


class Petition(db.Model):
    """An e-petition. Deadlines are computed on the working-day calendar and stored."""

    __tablename__ = "petition"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_iin: Mapped[str] = mapped_column(ForeignKey("person.iin"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    # visible_text.look_alike_key(title): petitions a reader could take for one another share it
    title_key: Mapped[str | None] = mapped_column(String(64), index=True)
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2))
    addressee: Mapped[str] = mapped_column(String(20), index=True)
    territory: Mapped[str | None] = mapped_column(ForeignKey("territory.kato"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    threshold: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    submit_jws: Mapped[str | None] = mapped_column(Text)
    moderation_due_on: Mapped[date | None] = mapped_column(Date)
    moderated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    rejection_reason: Mapped[str | None] = mapped_column(String(60))
    rejection_comment: Mapped[str | None] = mapped_column(Text)
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    restricted_until: Mapped[date | None] = mapped_column(Date)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    collection_ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lapsed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    threshold_reached_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    review_due_on: Mapped[date | None] = mapped_column(Date)
    discussion_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    discussion_place: Mapped[str | None] = mapped_column(String(300))
    answer_decision: Mapped[str | None] = mapped_column(String(20))
    answer_text: Mapped[str | None] = mapped_column(Text)
    answer_official: Mapped[str | None] = mapped_column(String(300))
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # after the answer (DOMAIN.md "After the answer"): the report the answer promised, the rating
    # window, a contested answer's follow-up
    report_due_on: Mapped[date | None] = mapped_column(Date)
    rating_closes_on: Mapped[date | None] = mapped_column(Date)
    contested_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    follow_up_due_on: Mapped[date | None] = mapped_column(Date)
    follow_up_text: Mapped[str | None] = mapped_column(Text)
    follow_up_official: Mapped[str | None] = mapped_column(String(300))
    follow_up_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    report_text: Mapped[str | None] = mapped_column(Text)
    report_official: Mapped[str | None] = mapped_column(String(300))
    reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # the retention job stripped its signatures of personal data (counts and regions are kept)
    signatures_anonymised_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    author = relationship("Person", lazy="joined")

    __table_args__ = (
        PETITION.check_constraint(),
        CheckConstraint("language IN ('kk','ru')", name="language"),
        CheckConstraint(
            "addressee IN ('government','region_akimat','region_maslikhat','city_akimat','city_maslikhat')",
            name="addressee",
        ),
        CheckConstraint("(addressee = 'government') = (territory IS NULL)", name="local_has_territory"),
        CheckConstraint("threshold > 0", name="threshold_positive"),
        CheckConstraint(
            "answer_decision IS NULL OR answer_decision IN ('supported','partly_supported','not_supported')",
            name="decision",
        ),
        CheckConstraint("state != 'answered' OR answered_at IS NOT NULL", name="answered_has_answer"),
        CheckConstraint("state != 'under_review' OR review_due_on IS NOT NULL", name="review_has_due_date"),
        CheckConstraint("contested_at IS NULL OR follow_up_due_on IS NOT NULL", name="contested_has_follow_up_due"),
        # the public list's order (petitions.queries.public_list, newest first: the index read backwards),
        # so a page costs the same with ten petitions or a country's history of them
        Index("ix_petition_public_newest", "published_at", "id", postgresql_where=PUBLIC_STATES_SQL,
              sqlite_where=PUBLIC_STATES_SQL),
    )

    def _move(self, action: str) -> None:
        PETITION.move(self, action)

    def document(self) -> dict:
        """What the author signs: the canonical document whose digest the JWS names."""
        return {
            "type": "petition",
            "id": self.id,
            "title": self.title,
            "body": self.body,
            "language": self.language,
            "addressee": self.addressee,
            "territory": self.territory,
        }

    def signed_doc(self) -> dict:
        return {"type": "petition", "id": self.id, "digest": self.digest}

    def edit(self, title: str, body: str, language: str) -> None:
        self._move("edit")
        self.title, self.body, self.language = title, body, language

    def submit(self, now: datetime, moderation_due_on: date, jws: str) -> None:
        self._move("submit")
        self.submitted_at = now
        self.moderation_due_on = moderation_due_on
        self.submit_jws = jws

    def approve(self, now: datetime, restricted_until: date) -> None:
        self._move("approve")
        self.moderated_at = self.approved_at = now
        self.restricted_until = restricted_until

    def reject(self, now: datetime, reason: str, comment: str) -> None:
        self._move("reject")
        self.moderated_at = now
        self.rejection_reason = reason
        self.rejection_comment = comment

    def schedule_discussion(self, at: datetime, place: str) -> None:
        self._move("schedule_discussion")
        self.discussion_at = at
        self.discussion_place = place

    def give_answer(self, now: datetime, decision: str, text: str, official: str) -> None:
        self._move("answer")
        self.answer_decision = decision
        self.answer_text = text
        self.answer_official = official
        self.answered_at = now


class PetitionMeasure(db.Model):
    """A measure an answer promised: who does what by when; the report says whether it was done."""

    __tablename__ = "petition_measure"
    petition_id: Mapped[int] = mapped_column(ForeignKey("petition.id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)  # the measure's `id`: 1, 2, … in the answer's order
    body: Mapped[str] = mapped_column(String(300))
    what: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    done: Mapped[bool | None] = mapped_column(Boolean)  # None until the report
    note: Mapped[str | None] = mapped_column(Text)


class PetitionRating(db.Model):
    """A citizen's rating of the answer, once per citizen (keyed hash of the IIN, as signatures)."""

    __tablename__ = "petition_rating"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petition.id"), index=True)
    rater_hash: Mapped[str] = mapped_column(String(64))
    rating: Mapped[int] = mapped_column(SmallInteger)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    rated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    receipt: Mapped[str] = mapped_column(String(40), unique=True)
    jws: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("petition_id", "rater_hash", name="uq_petition_rating_one_per_citizen"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
    )


class Signature(db.Model):
    """One citizen's signature. The signer is keyed by a keyed hash of the IIN, never the IIN."""

    __tablename__ = "signature"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petition.id"))
    signer_hash: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(120))
    region: Mapped[str] = mapped_column(String(9))
    signed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    receipt: Mapped[str] = mapped_column(String(40), unique=True)
    jws: Mapped[str | None] = mapped_column(Text)  # the legal evidence; dropped by the retention job
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    notify: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        UniqueConstraint("petition_id", "signer_hash", name="uq_signature_one_per_citizen"),
        Index("ix_signature_petition_signed_at", "petition_id", "signed_at"),
    )


COUNTER_SHARDS = 16


class PetitionFollower(db.Model):
    """A person who asked to hear what happens to a petition without signing it. Private: no page,
    export or API answer lists who follows, or how many (DOMAIN.md "Privacy of small groups")."""

    __tablename__ = "petition_follower"
    petition_id: Mapped[int] = mapped_column(ForeignKey("petition.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    since: Mapped[datetime] = mapped_column(UtcDateTime)


class PetitionCounter(db.Model):
    """Shards of a petition's signature count: concurrent signers add to different rows."""

    __tablename__ = "petition_counter"
    petition_id: Mapped[int] = mapped_column(ForeignKey("petition.id"), primary_key=True)
    shard: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class PetitionMilestone(db.Model):
    """A once-only event (a reminder, an escalation): the primary key makes a second one impossible."""

    __tablename__ = "petition_milestone"
    petition_id: Mapped[int] = mapped_column(ForeignKey("petition.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


PETITION.guard(Petition)
