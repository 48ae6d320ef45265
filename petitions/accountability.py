"""After the answer (DOMAIN.md "After the answer", API.md "Accountability"): what an answer promises,
citizens' ratings of it, a contested answer's follow-up and the report on the measures.

Every number is a setting (PETITION_ANSWER_MIN_CHARS, …_REPORT_MAX_MONTHS, …_RATING_WORKING_DAYS,
…_CONTEST_MIN_RATINGS, …_CONTEST_PERCENT, …_FOLLOW_UP_WORKING_DAYS). Like petitions.services, the use
cases check who may act themselves, never commit and never send: the outbox does.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError

from auth import eds
from extensions import db
from jsonapi import typed
from kernel import instants
from kernel.errors import DomainError
from kernel.kazakhstan_time import local_date
from kernel.keyed_hashes import signer_hash
from kernel.text_checks import checked_prose, checked_title
from kernel.work_calendar import load_work_calendar
from kernel.working_days import add_working_days
from petitions import eligibility
from petitions.body_statistics import share
from petitions.lifecycle import PETITION
from petitions.models import Petition, PetitionMeasure, PetitionRating
from publiclog import entries as log_entries
from workers import outbox

# Rating reason codes (API.md "Accountability"): why an answer left a citizen dissatisfied.
REASONS = {
    "late": _l("It came late"),
    "formal": _l("It is a formality, with no substance"),
    "incomplete": _l("It does not answer every point"),
    "off_topic": _l("It answers something else"),
    "not_implemented": _l("What was promised was not done"),
}
RATINGS = range(1, 6)
LOW_RATINGS_WITH_REASONS = 3  # reason codes go with ratings 1 to 3
DISSATISFIED = 2  # a rating of 1 or 2 counts towards contesting the answer
MEASURES_AT_MOST = 30
MEASURE_ID_AT_MOST = 2**31 - 1  # the column's range
MEASURE_BODY_LENGTH = (2, 300)
REPORT_MIN_CHARS = 20
NOTE_AT_MOST = 2000
PROMISING = ("supported", "partly_supported")  # decisions that name measures and a report date


def _settings() -> dict:
    return current_app.config


# --- the answer's substance -------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    number: int
    body: str
    what: str
    due_on: date


@dataclass(frozen=True)
class Substance:
    """What a valid answer act promises: its text, measures and report date (none for a refusal)."""

    text: str
    measures: tuple[Measure, ...]
    report_due_on: date | None


def answer_substance(act: dict, decision: str, today: date, fields: dict) -> Substance:
    """Read the answer act's text, measures and report date, each refusal into `fields`.

    The text is at least PETITION_ANSWER_MIN_CHARS; a supporting answer names one or more measures
    (responsible body, what, due date) and a report date after today and no later than
    PETITION_REPORT_MAX_MONTHS from it; a refusal promises neither.
    """
    config = _settings()
    least = config["PETITION_ANSWER_MIN_CHARS"]
    text = checked_prose(act.get("text"), fields, "text")
    if "text" not in fields and len(text) < least:
        fields["text"] = f"the reasoning, at least {least} characters"
    latest = today + relativedelta(months=config["PETITION_REPORT_MAX_MONTHS"])
    report_due_on = None
    if "report_due_on" in act:
        try:
            report_due_on = instants.day(act["report_due_on"])
        except instants.DateRefused as refused:
            fields["report_due_on"] = str(refused)
        else:
            if not today < report_due_on <= latest:
                fields["report_due_on"] = f"a day after the answer and no later than {latest.isoformat()}"
    raw_measures = act.get("measures") or []
    measures = _measures(raw_measures, today, latest, fields)
    if decision in PROMISING:
        if not raw_measures and "measures" not in fields:
            fields["measures"] = "a supporting answer names its measures: body, what and due date"
        if "report_due_on" not in act and "report_due_on" not in fields:
            fields["report_due_on"] = "a supporting answer names the day its report is due"
    else:
        if raw_measures:
            fields["measures"] = "an answer that does not support the petition promises no measures"
        if "report_due_on" in act:
            fields.setdefault("report_due_on", "an answer that does not support the petition promises no report")
    return Substance(text, measures, report_due_on)


def _measures(raw: list, today: date, latest: date, fields: dict) -> tuple[Measure, ...]:
    """The answer's measures. Each may name its `id` (a whole number from 1, as the petition JSON then
    shows it and the report names it): all of them or none, each once; without, they are 1, 2, … in order."""
    if len(raw) > MEASURES_AT_MOST:
        fields["measures"] = f"at most {MEASURES_AT_MOST} measures"
        return ()
    measures = []
    named: list[object] = []
    shape = "{body, what, due_on, id?}"
    for position, name, values in _signed_objects(raw, shape, fields, body=str, what=str, due_on=str, id=int):
        body = checked_title(values.get("body"), MEASURE_BODY_LENGTH, fields, f"{name}.body")
        what = checked_prose(values.get("what"), fields, f"{name}.what")
        if not what and f"{name}.what" not in fields:
            fields[f"{name}.what"] = "what will be done"
        due_on = None
        try:
            due_on = instants.day(values.get("due_on"))
        except instants.DateRefused as refused:
            fields[f"{name}.due_on"] = str(refused)
        else:
            if not today <= due_on <= latest:
                fields[f"{name}.due_on"] = f"from today to {latest.isoformat()}"
        number = values.get("id")
        named.append(number)
        if number is not None and not 1 <= number <= MEASURE_ID_AT_MOST:
            fields[f"{name}.id"] = f"a whole number from 1 to {MEASURE_ID_AT_MOST}"
        elif number is not None and named.count(number) > 1:
            fields[f"{name}.id"] = "each measure's id once"
        if body and what and due_on:
            measures.append(Measure(number or position + 1, body, what, due_on))
    if any(n is None for n in named) and any(n is not None for n in named) and "measures" not in fields:
        fields["measures"] = "give every measure an id, or none"
    return tuple(measures)


def _signed_objects(raw: list, shape: str, fields: dict, **kinds: type) -> Iterator[tuple[int, str, dict]]:
    """The objects of a signed list (`measures`) that have only the members `kinds` names, each of its
    JSON type: (position, field name `measures[N]`, typed members); every other one refused into `fields`."""
    for position, item in enumerate(raw):
        name = f"measures[{position}]"
        extra = sorted(set(item) - set(kinds)) if isinstance(item, dict) else []
        if not isinstance(item, dict) or extra:
            fields[name] = f"an object {shape}" + (": unknown members " + ", ".join(extra) if extra else "")
            continue
        try:
            values = typed(item, **kinds)
        except DomainError as wrong:
            fields.update({f"{name}.{member}": why for member, why in wrong.fields.items()})
            continue
        yield position, name, values


def keep_substance(petition: Petition, substance: Substance, today: date) -> None:
    """Store what the answer promised, and open its rating window (in the caller's transaction)."""
    for measure in substance.measures:
        db.session.add(
            PetitionMeasure(
                petition_id=petition.id, number=measure.number, body=measure.body, what=measure.what,
                due_on=measure.due_on,
            )
        )
    petition.report_due_on = substance.report_due_on
    petition.rating_closes_on = add_working_days(
        load_work_calendar(), today, _settings()["PETITION_RATING_WORKING_DAYS"]
    )


def measures_of(petition_id: int) -> list[PetitionMeasure]:
    return list(
        db.session.scalars(
            select(PetitionMeasure).where(PetitionMeasure.petition_id == petition_id).order_by(PetitionMeasure.number)
        )
    )


def measures_json(petition_id: int) -> list[dict]:
    return [
        {"id": m.number, "body": m.body, "what": m.what, "due_on": m.due_on.isoformat(), "done": m.done,
         **({"note": m.note} if m.note else {})}
        for m in measures_of(petition_id)
    ]


# --- ratings ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rated:
    receipt: str
    contested: bool  # this rating made the answer contested


def rating_open(petition: Petition, today: date) -> bool:
    """Whether the answer may still be rated today (the window's last day included)."""
    return (
        PETITION.allows(petition.state, "rate")
        and petition.rating_closes_on is not None
        and today <= petition.rating_closes_on
    )


def _rating_values(payload: dict) -> tuple[int, list[str]]:
    """The signed rating and its reasons, or validation_error naming each wrong member."""
    values = typed(payload, rating=int, reasons=list)
    fields: dict[str, str] = {}
    rating = values.get("rating")
    if rating not in RATINGS:
        fields["rating"] = "a whole number from 1 to 5"
    reasons = values.get("reasons") or []
    if not all(isinstance(code, str) and code in REASONS for code in reasons):
        fields["reasons"] = "reason codes: " + ", ".join(REASONS)
    elif len(set(reasons)) != len(reasons):
        fields["reasons"] = "each reason once"
    elif reasons and "rating" not in fields and rating > LOW_RATINGS_WITH_REASONS:
        fields["reasons"] = f"reasons go with a rating of {LOW_RATINGS_WITH_REASONS} or less"
    if fields:
        raise DomainError("validation_error", fields=fields)
    return rating, sorted(reasons)


def _lock(petition: Petition) -> None:
    db.session.execute(select(Petition.id).where(Petition.id == petition.id).with_for_update())
    db.session.refresh(petition)


def rate(petition: Petition, jws: object, now: datetime) -> Rated:
    """A citizen rates the answer with a `petition.rate` JWS: the author or a signer, once, within the
    rating window; the rating is logged. Ratings of one petition are taken one at a time (a row
    lock), so the one that makes the answer contested is exactly one, whatever runs concurrently.
    """
    signer = eds.verify(jws, "petition.rate", now, expected_doc=petition.signed_doc())
    _lock(petition)
    if not rating_open(petition, local_date(now)):
        raise DomainError("wrong_state", _l("This answer cannot be rated now: it is not published or its rating window has closed."))
    hashed = signer_hash(signer.iin)
    refusal = eligibility.to_rate(petition, signer.iin)
    if refusal is not None:
        raise refusal
    rating, reasons = _rating_values(signer.payload)
    receipt = secrets.token_urlsafe(18)
    try:
        with db.session.begin_nested():
            db.session.add(
                PetitionRating(
                    petition_id=petition.id, rater_hash=hashed, rating=rating, reasons=reasons, rated_at=now,
                    receipt=receipt, jws=jws,
                )
            )
            db.session.flush()
    except IntegrityError:
        raise DomainError("already_rated", eligibility.ALREADY_RATED) from None
    log_entries.append("rating", "petition", petition.id, now, jws, receipt, "petition.rate")
    return Rated(receipt, _contest_if_due(petition, now))


def rating_summary(petition_id: int | None) -> dict:
    """The petition's ratings as API.md shows them, with the distribution of 1–5 (an extension);
    None: a petition not answered, which has none (and costs no query)."""
    rows = [] if petition_id is None else db.session.execute(
        select(PetitionRating.rating, PetitionRating.reasons).where(PetitionRating.petition_id == petition_id)
    ).all()
    distribution = {str(value): 0 for value in RATINGS}
    reasons = {code: 0 for code in REASONS}
    for value, codes in rows:
        distribution[str(value)] += 1
        for code in codes or ():
            reasons[code] = reasons.get(code, 0) + 1
    count = len(rows)
    total = sum(value for value, _ in rows)
    low = sum(1 for value, _ in rows if value <= DISSATISFIED)
    return {
        "count": count,
        # rounded half up, exactly as the body record rounds them (petitions.body_statistics.share)
        "mean": share(total, count, 2),
        "dissatisfied_share": share(low, count, 4),
        "reasons": reasons,
        "distribution": distribution,
    }


def _contest_if_due(petition: Petition, now: datetime) -> bool:
    """Contest the answer once enough ratings are in and enough of them are 1 or 2 (under the
    petition's row lock, so exactly once); the reviewers and the admins are told, a follow-up is due."""
    if petition.contested_at is not None:
        return False
    config = _settings()
    count, low = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((PetitionRating.rating <= DISSATISFIED, 1), else_=0)), 0))
        .where(PetitionRating.petition_id == petition.id)
    ).one()
    if count < config["PETITION_CONTEST_MIN_RATINGS"] or low * 100 < config["PETITION_CONTEST_PERCENT"] * count:
        return False
    due = add_working_days(load_work_calendar(), local_date(now), config["PETITION_FOLLOW_UP_WORKING_DAYS"])
    changed = db.session.execute(
        PETITION.update(
            Petition, "contest", Petition.id == petition.id, Petition.contested_at.is_(None),
            contested_at=now, follow_up_due_on=due,
        )
    ).rowcount
    if not changed:
        return False
    db.session.refresh(petition)
    outbox.record("petition.contested", now, petition_id=petition.id, due_on=due.isoformat())
    return True


# --- the follow-up answer and the report ---------------------------------------------------------


def follow_up_owed(petition: Petition) -> bool:
    """Whether the answer is contested and its follow-up answer not yet published."""
    return PETITION.allows(petition.state, "follow_up") and petition.contested_at is not None and petition.follow_up_at is None


def report_owed(petition: Petition) -> bool:
    """Whether the answer promised a report (a report date) that is not yet published."""
    return PETITION.allows(petition.state, "report") and petition.report_due_on is not None and petition.reported_at is None


def follow_up_fields(petition: Petition, act: dict) -> str:
    """The follow-up's text, once the answer is contested and before one is published; else DomainError."""
    if not follow_up_owed(petition):
        raise DomainError("wrong_state", _l("No follow-up answer is due on this petition."))
    fields: dict[str, str] = {}
    least = _settings()["PETITION_ANSWER_MIN_CHARS"]
    text = checked_prose(act.get("text"), fields, "text")
    if "text" not in fields and len(text) < least:
        fields["text"] = f"the follow-up answer, at least {least} characters"
    if fields:
        raise DomainError("validation_error", fields=fields)
    return text


def give_follow_up(petition: Petition, text: str, official: str, now: datetime) -> None:
    petition._move("follow_up")
    petition.follow_up_text, petition.follow_up_official, petition.follow_up_at = text, official, now
    outbox.record("petition.followed_up", now, petition_id=petition.id)


@dataclass(frozen=True)
class Reported:
    number: int
    done: bool
    note: str | None


def report_fields(petition: Petition, act: dict) -> tuple[str, list[Reported]]:
    """The report's text and, for each promised measure exactly once, whether it was done."""
    if not report_owed(petition):
        raise DomainError("wrong_state", _l("No report is due on this petition."))
    fields: dict[str, str] = {}
    text = checked_prose(act.get("text"), fields, "text")
    if "text" not in fields and len(text) < REPORT_MIN_CHARS:
        fields["text"] = f"what was done, at least {REPORT_MIN_CHARS} characters"
    promised = {m.number for m in measures_of(petition.id)}
    reported: list[Reported] = []
    for _, name, values in _signed_objects(act.get("measures") or [], "{id, done, note?}", fields, id=int, done=bool,
                                           note=str):
        number, done = values.get("id"), values.get("done")
        if number not in promised:
            fields[f"{name}.id"] = "the id of one of the answer's measures"
        elif any(r.number == number for r in reported):
            fields[f"{name}.id"] = "each measure once"
        if done is None:
            fields[f"{name}.done"] = "required: true or false"
        note = checked_prose(values.get("note"), fields, f"{name}.note") if values.get("note") is not None else None
        if note is not None and len(note) > NOTE_AT_MOST:
            fields[f"{name}.note"] = f"at most {NOTE_AT_MOST} characters"
        if number in promised and done is not None:
            reported.append(Reported(number, done, note or None))
    missing = promised - {r.number for r in reported}
    if missing and "measures" not in fields and not any(key.startswith("measures[") for key in fields):
        fields["measures"] = "say for each measure whether it was done: missing " + ", ".join(map(str, sorted(missing)))
    if fields:
        raise DomainError("validation_error", fields=fields)
    return text, reported


def publish_report(petition: Petition, text: str, reported: list[Reported], official: str, now: datetime) -> None:
    petition._move("report")
    for item in reported:
        db.session.execute(
            update(PetitionMeasure)
            .where(PetitionMeasure.petition_id == petition.id, PetitionMeasure.number == item.number)
            .values(done=item.done, note=item.note)
        )
    petition.report_text, petition.report_official, petition.reported_at = text, official, now
    outbox.record("petition.reported", now, petition_id=petition.id)
