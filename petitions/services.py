"""Petition use cases of authors, moderators and reviewers. They never commit or send."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from audit import services as audit
from auth import eds
from auth.iin import age_on
from auth.models import Territory, User
from auth.services import territory_chain
from errors import DomainError
from extensions import db
from petitions import rules
from petitions.calendar import load_work_calendar, local_date
from petitions.deadlines import add_working_days
from petitions.models import COUNTER_SHARDS, Petition, PetitionCounter
from workers import outbox

TITLE_LENGTH = (10, 200)
BODY_LENGTH = (50, 10_000)


def scope_of(petition: Petition) -> str:
    """The body a petition is addressed to, as a role scope: 'government' or the territory's KATO."""
    return rules.GOVERNMENT if petition.addressee == rules.GOVERNMENT else petition.territory


def _validate_text(title: object, body: object, language: object) -> tuple[str, str, str]:
    fields = {}
    title = title.strip() if isinstance(title, str) else ""
    body = body.strip() if isinstance(body, str) else ""
    if not TITLE_LENGTH[0] <= len(title) <= TITLE_LENGTH[1]:
        fields["title"] = f"{TITLE_LENGTH[0]} to {TITLE_LENGTH[1]} characters"
    if not BODY_LENGTH[0] <= len(body) <= BODY_LENGTH[1]:
        fields["body"] = f"{BODY_LENGTH[0]} to {BODY_LENGTH[1]} characters: the arguments and the proposal"
    if language not in rules.LANGUAGES:
        fields["language"] = "kk or ru"
    if fields:
        raise DomainError("validation_error", fields=fields)
    return title, body, language


def create_draft(
    author: User, *, title: object, body: object, language: object, addressee: object,
    territory: object, now: datetime,
) -> Petition:
    """A new draft by an adult citizen; a local petition's author must live in its territory."""
    title, body, language = _validate_text(title, body, language)
    if addressee not in rules.ADDRESSEES:
        raise DomainError("validation_error", fields={"addressee": ", ".join(rules.ADDRESSEES)})
    config = current_app.config
    person = author.person
    if age_on(person.birth_date, local_date(now)) < config["MIN_AGE"]:
        raise DomainError("not_eligible")
    region_population = None
    if addressee == rules.GOVERNMENT:
        territory = None
    else:
        place = db.session.get(Territory, territory) if isinstance(territory, str) else None
        if place is None or place.level != rules.ADDRESSEE_LEVEL[addressee]:
            raise DomainError(
                "validation_error", fields={"territory": f"the KATO code of a {rules.ADDRESSEE_LEVEL[addressee]}"}
            )
        if place.kato not in territory_chain(person.kato):
            raise DomainError("not_resident")
        region_population = place.population
    try:
        needed = rules.threshold(addressee, region_population, config)
    except ValueError:
        raise DomainError("validation_error", fields={"territory": "the region has no population figure"}) from None
    petition = Petition(
        author_iin=person.iin, title=title, body=body, language=language, addressee=addressee,
        territory=territory, state="draft", threshold=needed, digest="", created_at=now,
    )
    db.session.add(petition)
    db.session.flush()
    petition.digest = rules.digest(petition.document())
    return petition


def edit_draft(petition: Petition, author: User, *, title: object, body: object, language: object) -> Petition:
    _require_author(petition, author)
    title, body, language = _validate_text(title, body, language)
    _lock(petition)
    petition.edit(title, body, language)
    petition.digest = rules.digest(petition.document())
    return petition


def _lock(petition: Petition) -> None:
    """Re-read the petition under a row lock before a guarded move.

    The view loaded the row earlier in the transaction; without the lock two
    moderators (or two reviewers) acting at once would both pass the state guard
    and both write, e.g. two rejections and two letters to the author. With it,
    the second waits for the first's commit and then sees the new state.
    """
    db.session.execute(select(Petition.id).where(Petition.id == petition.id).with_for_update())
    db.session.refresh(petition)


def _require_author(petition: Petition, user: User) -> None:
    if petition.author_iin != user.iin:
        raise DomainError("forbidden")


def submit(petition: Petition, author: User, jws: object, now: datetime) -> Petition:
    """The author signs the draft with the SIGN key; moderation is due in N working days."""
    _require_author(petition, author)
    _lock(petition)
    next_state_check(petition, "submit")
    signer = eds.verify(jws, "petition.submit", now, expected_doc=petition.signed_doc())
    if signer.iin != author.iin:
        raise DomainError("forbidden", _l("The petition must be signed by its author."))
    days = current_app.config["PETITION_MODERATION_WORKING_DAYS"]
    petition.submit(now, add_working_days(load_work_calendar(), local_date(now), days), jws)
    return petition


def next_state_check(petition: Petition, action: str) -> None:
    from petitions.models import next_state

    next_state(petition.state, action)


def moderate(
    petition: Petition, moderator: User, *, decision: object, reason: object, comment: object, now: datetime
) -> Petition:
    """Approve (the restricted phase starts) or reject with a published reason code; the author is told."""
    _lock(petition)
    if decision == "approve":
        days = current_app.config["PETITION_RESTRICTED_WORKING_DAYS"]
        petition.approve(now, add_working_days(load_work_calendar(), local_date(now), days))
        db.session.execute(
            insert(PetitionCounter),
            [{"petition_id": petition.id, "shard": shard, "count": 0} for shard in range(COUNTER_SHARDS)],
        )
        outbox.record("petition.approved", now, petition_id=petition.id)
    elif decision == "reject":
        fields = {}
        if reason not in rules.REJECTION_REASONS:
            fields["reason"] = "one of the published rejection reasons"
        if not isinstance(comment, str) or not comment.strip():
            fields["comment"] = "explain the decision to the author"
        if fields:
            raise DomainError("validation_error", fields=fields)
        petition.reject(now, reason, comment.strip())
        outbox.record("petition.rejected", now, petition_id=petition.id)
    else:
        raise DomainError("validation_error", fields={"decision": "approve or reject"})
    details = {"decision": decision} | ({"reason": reason} if decision == "reject" else {})
    audit.record("petition.moderate", moderator, "petition", petition.id, now, **details)
    return petition


def require_reviewer(petition: Petition, user: User) -> None:
    if not user.has_role("reviewer", scope_of(petition)):
        raise DomainError("forbidden")


def schedule_discussion(petition: Petition, reviewer: User, *, at: object, place: object, now: datetime) -> Petition:
    require_reviewer(petition, reviewer)
    fields = {}
    when = None
    if isinstance(at, str):
        try:
            when = datetime.fromisoformat(at.replace("Z", "+00:00"))
        except ValueError:
            when = None
    if when is None or when.tzinfo is None:
        fields["at"] = "an ISO 8601 instant with a time zone"
    elif when < now:
        fields["at"] = "a time in the future"
    if not isinstance(place, str) or not place.strip():
        fields["place"] = "where the discussion is held"
    if fields:
        raise DomainError("validation_error", fields=fields)
    _lock(petition)
    petition.schedule_discussion(when, place.strip()[:300])
    outbox.record("petition.discussion_scheduled", now, petition_id=petition.id)
    audit.record(
        "petition.schedule_discussion", reviewer, "petition", petition.id, now, at=when.isoformat(), place=petition.discussion_place
    )
    return petition


def answer(petition: Petition, reviewer: User, *, decision: object, text: object, now: datetime) -> Petition:
    """Publish the decision, its reasoning and the responsible official; signers are told."""
    require_reviewer(petition, reviewer)
    fields = {}
    if decision not in rules.DECISIONS:
        fields["decision"] = ", ".join(rules.DECISIONS)
    if not isinstance(text, str) or len(text.strip()) < 20:
        fields["text"] = "the reasoning, at least 20 characters"
    if fields:
        raise DomainError("validation_error", fields=fields)
    _lock(petition)
    petition.give_answer(now, decision, text.strip(), reviewer.person.full_name)
    outbox.record("petition.answered", now, petition_id=petition.id)
    audit.record("petition.answer", reviewer, "petition", petition.id, now, decision=decision)
    return petition
