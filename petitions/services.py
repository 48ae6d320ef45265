"""Petition use cases of authors, moderators and reviewers. They never commit or send.

Each checks who may do it itself, whichever page, endpoint or command calls it: the author their
own draft, a moderator (the whole platform) their decisions, a reviewer of exactly the petition's
body (its addressee and territory) the discussion and the answer (auth.access.require_role).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from audit import services as audit
from auth import acts, eds
from auth.access import require_role
from auth.iin import age_on
from auth.models import User
from extensions import db
from kernel import instants
from kernel.digests import digest
from kernel.errors import DomainError
from kernel.kazakhstan_time import local_date
from kernel.territories import Territory, territory_chain
from kernel.text_checks import checked_prose, checked_title
from kernel.visible_text import look_alike_key
from kernel.work_calendar import load_work_calendar
from kernel.working_days import add_working_days
from petitions import accountability, rules
from petitions.lifecycle import PETITION
from petitions.models import COUNTER_SHARDS, Petition, PetitionCounter
from workers import outbox

TITLE_LENGTH = (10, 200)
BODY_LENGTH = (50, 10_000)
PLACE_LENGTH = (1, 300)
# How far ahead a discussion may be published (a sanity bound, not a rule of the law: the review it
# belongs to is due in weeks). The page says "a year" (forms.FIELD_MESSAGES["at"]).
DISCUSSION_AT_MOST_AHEAD = timedelta(days=365)


def body_of(petition: Petition) -> tuple[str, str | None]:
    """The body a petition is addressed to, as a reviewer's grant names it: (scope, body).

    ('government', None) for the Government; (the region's or city's KATO, the addressee) for a
    local body, so the akimat's reviewers never pass for the maslikhat's of the same place.
    """
    if petition.addressee == rules.GOVERNMENT:
        return rules.GOVERNMENT, None
    return petition.territory, petition.addressee


def _validate_text(title: object, body: object, language: object) -> tuple[str, str, str]:
    fields: dict[str, str] = {}
    title = checked_title(title, TITLE_LENGTH, fields)
    body = checked_prose(body, fields, "body")
    if "body" not in fields and not BODY_LENGTH[0] <= len(body) <= BODY_LENGTH[1]:
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
        author_iin=person.iin, title=title, title_key=look_alike_key(title), body=body, language=language,
        addressee=addressee, territory=territory, state=PETITION.initial, threshold=needed, digest="", created_at=now,
    )
    db.session.add(petition)
    db.session.flush()
    petition.digest = digest(petition.document())
    return petition


def edit_draft(petition: Petition, author: User, *, title: object, body: object, language: object) -> Petition:
    _require_author(petition, author)
    title, body, language = _validate_text(title, body, language)
    _lock(petition)
    petition.edit(title, body, language)
    petition.title_key = look_alike_key(title)
    petition.digest = digest(petition.document())
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


def is_own(petition: Petition, official: User) -> bool:
    """True when the official wrote the petition: they never decide on it (another official does)."""
    return petition.author_iin == official.iin


OWN_PETITION_MODERATION = _l("You wrote this petition: another moderator decides on it.")
OWN_PETITION_REVIEW = _l("You wrote this petition: another reviewer of the body answers it.")


def _refuse_own(petition: Petition, official: User, message: object) -> None:
    if is_own(petition, official):
        raise DomainError("forbidden", message)


def submit(petition: Petition, author: User, jws: object, now: datetime) -> Petition:
    """The author signs the draft with the SIGN key; moderation is due in N working days."""
    _require_author(petition, author)
    _lock(petition)
    next_state_check(petition, "submit")
    signer = eds.verify(jws, "petition.submit", now, expected_doc=petition.signed_doc())
    if signer.iin != author.iin:
        raise DomainError("forbidden", _l("The petition must be signed by its author: choose your own SIGN key files."))
    days = current_app.config["PETITION_MODERATION_WORKING_DAYS"]
    petition.submit(now, add_working_days(load_work_calendar(), local_date(now), days), jws)
    return petition


def next_state_check(petition: Petition, action: str) -> None:
    from petitions.models import next_state

    next_state(petition.state, action)


def moderate(petition: Petition, moderator: User, jws: object, now: datetime) -> Petition:
    """Approve (the restricted phase starts) or reject with a published reason code; the author is told.

    The decision is the moderator's signed act `petition.moderate` (API.md "Official acts"): what it
    says is what is done, and it is kept whole and logged. Only by a moderator, and never by the
    petition's own author, whichever page or endpoint asks.
    """
    require_moderator(moderator)
    _refuse_own(petition, moderator, OWN_PETITION_MODERATION)
    _lock(petition)
    signer = acts.verify_act(jws, "petition.moderate", moderator, now, doc=petition.signed_doc(), role="moderator")
    act = acts.act_fields(signer, {"decision": str}, {"reason": str, "comment": str})
    decision, reason = act["decision"], act.get("reason")
    if decision == "approve":
        if reason is not None:
            raise DomainError("validation_error", fields={"reason": "only a rejection has a reason"})
        days = current_app.config["PETITION_RESTRICTED_WORKING_DAYS"]
        petition.approve(now, add_working_days(load_work_calendar(), local_date(now), days))
        db.session.execute(
            insert(PetitionCounter),
            [{"petition_id": petition.id, "shard": shard, "count": 0} for shard in range(COUNTER_SHARDS)],
        )
        outbox.record("petition.approved", now, petition_id=petition.id)
    elif decision == "reject":
        fields: dict[str, str] = {}
        if reason not in rules.REJECTION_REASONS:
            fields["reason"] = "one of the published rejection reasons"
        comment = checked_prose(act.get("comment"), fields, "comment")
        if not comment and "comment" not in fields:
            fields["comment"] = "explain the decision to the author"
        if fields:
            raise DomainError("validation_error", fields=fields)
        petition.reject(now, reason, comment)
        outbox.record("petition.rejected", now, petition_id=petition.id)
    else:
        raise DomainError("validation_error", fields={"decision": "approve or reject"})
    acts.record(signer, jws, "petition", petition.id, now)
    details = {"decision": decision} | ({"reason": reason} if decision == "reject" else {})
    audit.record("petition.moderate", moderator, "petition", petition.id, now, **details)
    return petition


def require_moderator(user: User) -> None:
    """A moderator: the role serves the whole platform, so no petition is outside it."""
    require_role(user, "moderator")


def require_reviewer(petition: Petition, user: User) -> None:
    """A reviewer of exactly the petition's body: its addressee and its territory."""
    require_role(user, "reviewer", *body_of(petition))


# What POST /petitions/{id}/review takes (API.md "Official acts"): each act it dispatches to.
REVIEW_ACTS = ("petition.discussion", "petition.answer", "petition.follow_up", "petition.report")


def review(petition: Petition, reviewer: User, jws: object, now: datetime) -> Petition:
    """A reviewer's signed act on a petition of their body, whichever of REVIEW_ACTS it is."""
    require_reviewer(petition, reviewer)
    _refuse_own(petition, reviewer, OWN_PETITION_REVIEW)
    purpose = eds.signed_purpose(jws)
    if purpose == "petition.discussion":
        return schedule_discussion(petition, reviewer, jws, now)
    if purpose == "petition.answer":
        return answer(petition, reviewer, jws, now)
    if purpose == "petition.follow_up":
        return follow_up(petition, reviewer, jws, now)
    if purpose == "petition.report":
        return report(petition, reviewer, jws, now)
    raise DomainError("validation_error", fields={"jws": "an act " + " or ".join(REVIEW_ACTS)})


def _reviewer_act(petition: Petition, reviewer: User, jws: object, purpose: str, now: datetime) -> eds.OfficialSigner:
    require_reviewer(petition, reviewer)
    _refuse_own(petition, reviewer, OWN_PETITION_REVIEW)
    _lock(petition)
    scope, body = body_of(petition)
    return acts.verify_act(jws, purpose, reviewer, now, doc=petition.signed_doc(), role="reviewer", scope=scope, body=body)


def schedule_discussion(petition: Petition, reviewer: User, jws: object, now: datetime) -> Petition:
    """Publish (or move) the public discussion, as the reviewer's signed act `petition.discussion` says."""
    signer = _reviewer_act(petition, reviewer, jws, "petition.discussion", now)
    act = acts.act_fields(signer, {"at": str, "place": str})
    fields: dict[str, str] = {}
    when = None
    try:
        when = instants.instant(act["at"])
    except instants.DateRefused as refused:
        fields["at"] = str(refused)
    else:
        # after now (and so after the threshold, which made the petition due for review), and
        # not so far ahead that the published date means nothing
        if when <= max(now, petition.threshold_reached_at or now):
            fields["at"] = "a time in the future"
        elif when > now + DISCUSSION_AT_MOST_AHEAD:
            fields["at"] = f"at most {DISCUSSION_AT_MOST_AHEAD.days} days ahead"
    place = checked_title(act["place"], PLACE_LENGTH, fields, "place")
    if not place and "place" not in fields:
        fields["place"] = "where the discussion is held"
    if fields:
        raise DomainError("validation_error", fields=fields)
    petition.schedule_discussion(when, place)
    acts.record(signer, jws, "petition", petition.id, now)
    outbox.record("petition.discussion_scheduled", now, petition_id=petition.id)
    audit.record(
        "petition.schedule_discussion", reviewer, "petition", petition.id, now, at=when.isoformat(), place=petition.discussion_place
    )
    return petition


def answer(petition: Petition, reviewer: User, jws: object, now: datetime) -> Petition:
    """Publish the decision, its reasoning and the responsible official, as the reviewer's signed act
    `petition.answer` says, with what a supporting answer promises (petitions.accountability: its
    measures and report date); the rating window opens and signers are told."""
    signer = _reviewer_act(petition, reviewer, jws, "petition.answer", now)
    next_state_check(petition, "answer")
    act = acts.act_fields(signer, {"decision": str, "text": str}, {"measures": list, "report_due_on": str})
    fields: dict[str, str] = {}
    decision = act["decision"]
    if decision not in rules.DECISIONS:
        fields["decision"] = ", ".join(rules.DECISIONS)
    today = local_date(now)
    substance = accountability.answer_substance(act, decision, today, fields)
    if fields:
        raise DomainError("validation_error", fields=fields)
    petition.give_answer(now, decision, substance.text, reviewer.person.full_name)
    accountability.keep_substance(petition, substance, today)
    acts.record(signer, jws, "petition", petition.id, now)
    outbox.record("petition.answered", now, petition_id=petition.id)
    audit.record("petition.answer", reviewer, "petition", petition.id, now, decision=decision)
    return petition


def follow_up(petition: Petition, reviewer: User, jws: object, now: datetime) -> Petition:
    """Publish the follow-up answer a contested answer owes (`petition.follow_up`); signers are told."""
    signer = _reviewer_act(petition, reviewer, jws, "petition.follow_up", now)
    text = accountability.follow_up_fields(petition, acts.act_fields(signer, {"text": str}))
    accountability.give_follow_up(petition, text, reviewer.person.full_name, now)
    acts.record(signer, jws, "petition", petition.id, now)
    audit.record("petition.follow_up", reviewer, "petition", petition.id, now)
    return petition


def report(petition: Petition, reviewer: User, jws: object, now: datetime) -> Petition:
    """Publish the report on the answer's measures (`petition.report`): done or not, each; opted-in
    signers are told."""
    signer = _reviewer_act(petition, reviewer, jws, "petition.report", now)
    text, reported = accountability.report_fields(petition, acts.act_fields(signer, {"text": str, "measures": list}))
    accountability.publish_report(petition, text, reported, reviewer.person.full_name, now)
    acts.record(signer, jws, "petition", petition.id, now)
    audit.record("petition.report", reviewer, "petition", petition.id, now, done=sum(r.done for r in reported))
    return petition
