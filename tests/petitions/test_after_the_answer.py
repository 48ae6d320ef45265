"""After the answer (DOMAIN.md "After the answer", API.md "Accountability"): substance, ratings,
contested answers and their follow-ups, reports on measures. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import ANSWER_TEXT, answer_fields
from tests.petitions import test_jobs
from tests.petitions.conftest import sign
from tests.petitions.test_jobs import at, inbox, state_of, tick
from tests.petitions.test_transitions import events, make_petition, snapshot

people = test_jobs.people  # the author, a government reviewer and an admin (a fixture)


def refused(response, status: int, code: str, field: str | None = None) -> dict:
    body = response.get_json()
    assert response.status_code == status, body
    assert body["error"]["code"] == code, body
    if field is not None:
        assert field in body["error"]["fields"], body
    return body


def rating_jws(citizen, petition: dict, rating: int, reasons=(), **extra) -> str:
    doc = {"type": "petition", "id": petition["id"], "digest": petition["digest"]}
    payload = {"purpose": "petition.rate", "iat": int(time.time()), "doc": doc, "rating": rating, "reasons": list(reasons)}
    return citizen.jws(payload | extra)


def rate(client, citizen, petition: dict, rating: int, reasons=(), **extra):
    return client.post(f"/api/v1/petitions/{petition['id']}/ratings", json={"jws": rating_jws(citizen, petition, rating, reasons, **extra)})


@pytest.fixture
def scene(app, client, make_citizen, officials, small_thresholds):
    """A government petition under review: its author and three signers (one opted in to news)."""
    author = make_citizen(email="author@example.kz")
    petition = make_petition("open", author.iin, datetime.now(UTC))
    row = {"id": petition.id, "digest": petition.digest}
    signers = [make_citizen(kato="710000000", email=f"signer{n}@example.kz") for n in range(3)]
    for n, citizen in enumerate(signers):
        assert sign(client, citizen, row, notify=n == 0).status_code == 201
    assert state_of(petition.id).state == "under_review"
    return {"author": author, "signers": signers, "petition": row, "reviewer": officials["reviewer"],
            "officials": officials}


def answered(scene, decision="supported", **overrides) -> dict:
    response = scene["reviewer"].review(scene["petition"]["id"], "petition.answer", **answer_fields(decision, **overrides))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _counts(petition_id: int) -> dict:
    from extensions import db
    from petitions.models import PetitionMeasure, PetitionRating
    from publiclog.models import LogEntry

    return snapshot(petition_id) | {
        "measures": db.session.scalar(select(func.count()).select_from(PetitionMeasure)),
        "ratings": db.session.scalar(select(func.count()).select_from(PetitionRating)),
        "log": db.session.scalar(select(func.count()).select_from(LogEntry)),
    }


# --- 1. answers with substance -------------------------------------------------------------------


NO_SUBSTANCE = (
        ({"measures": None}, "measures"),
        ({"measures": []}, "measures"),
        ({"report_due_on": None}, "report_due_on"),
        ({"text": ANSWER_TEXT[:199]}, "text"),
        ({"text": "Жіберілді. " * 5}, "text"),  # "forwarded to the competent body": a formality
        ({"report_due_on": "2099-01-01"}, "report_due_on"),  # more than 12 months away
        ({"report_due_on": "2020-01-01"}, "report_due_on"),  # in the past
        ({"report_due_on": "01.02.2027"}, "report_due_on"),
        ({"measures": [{"body": "Әкімдік", "what": "Жөндеу"}]}, "measures[0].due_on"),
        ({"measures": [{"body": "Әкімдік", "what": "Жөндеу", "due_on": "2020-01-01"}]}, "measures[0].due_on"),
        ({"measures": [{"body": "", "what": "Жөндеу", "due_on": "2027-01-01"}]}, "measures[0].body"),
        ({"measures": [{"body": "Әкімдік", "what": 5, "due_on": "2027-01-01"}]}, "measures[0].what"),
        ({"measures": [{"body": "Әкімдік", "what": "Жөндеу", "due_on": "2027-01-01", "cost": 1}]}, "measures[0]"),
        ({"measures": ["Жөндеу"]}, "measures[0]"),
        ({"measures": {"body": "Әкімдік"}}, "measures"),
)


def test_a_supporting_answer_without_substance_is_refused_with_a_field_error_and_changes_nothing(scene):
    before = _counts(scene["petition"]["id"])
    for overrides, field in NO_SUBSTANCE:
        fields = {k: v for k, v in (answer_fields("supported") | overrides).items() if v is not None}
        refused(scene["reviewer"].review(scene["petition"]["id"], "petition.answer", **fields), 422, "validation_error", field)
    assert _counts(scene["petition"]["id"]) == before


@pytest.mark.parametrize("extra", [{"measures": answer_fields()["measures"]}, {"report_due_on": answer_fields()["report_due_on"]}])
def test_an_answer_that_does_not_support_promises_nothing(scene, extra):
    fields = answer_fields("not_supported") | extra
    refused(scene["reviewer"].review(scene["petition"]["id"], "petition.answer", **fields), 422, "validation_error")


def test_a_supported_answer_publishes_its_measures_report_date_and_rating_window(scene):
    from kernel.kazakhstan_time import local_date
    from kernel.work_calendar import load_work_calendar
    from kernel.working_days import add_working_days

    fields = answer_fields("partly_supported")
    petition = answered(scene, "partly_supported")
    assert petition["state"] == "answered" and petition["answer"]["text"] == ANSWER_TEXT
    assert petition["measures"] == [
        {"id": n + 1, "body": m["body"], "what": m["what"], "due_on": m["due_on"], "done": None}
        for n, m in enumerate(fields["measures"])
    ]
    assert petition["report_due_on"] == fields["report_due_on"]
    today = local_date(datetime.now(UTC))
    assert petition["rating_closes_on"] == add_working_days(load_work_calendar(), today, 30).isoformat()
    assert petition["ratings"]["count"] == 0 and petition["ratings"]["mean"] is None
    assert petition["contested_at"] is None and petition["follow_up_due_on"] is None
    assert [a["purpose"] for a in petition["acts"]][-1] == "petition.answer"


def test_the_answer_invites_its_author_and_opted_in_signers_to_rate_it(scene):
    from auth.models import User
    from extensions import db
    from notifications.services import render

    petition = answered(scene)
    for citizen in (scene["author"], scene["signers"][0]):
        (item,) = inbox(citizen.iin, "petition.answered")
        user = db.session.get(User, item.user_id)
        _, text = render("petition.answered", user, item.data, locale="en")
        assert "you may rate it" in text and date.fromisoformat(petition["rating_closes_on"]).year == int(
            text.split("until ")[1].split(".")[0].split(", ")[-1].strip()[:4]
        ), text


# --- 2. ratings ----------------------------------------------------------------------------------


def test_the_author_and_each_signer_rate_once_and_the_petition_shows_count_mean_and_reasons(scene, client):
    petition = answered(scene)
    author, signers = scene["author"], scene["signers"]
    given = rate(client, author, petition, 2, ["formal", "incomplete"])
    assert given.status_code == 201, given.get_json()
    receipt = given.get_json()["receipt"]
    assert rate(client, signers[0], petition, 5).status_code == 201
    assert rate(client, signers[1], petition, 1, ["late", "formal"]).status_code == 201
    refused(rate(client, signers[0], petition, 4), 409, "already_rated")
    refused(rate(client, author, petition, 2, ["formal"]), 409, "already_rated")

    shown = client.get(f"/api/v1/petitions/{petition['id']}").get_json()["ratings"]
    assert shown["count"] == 3 and shown["mean"] == round(8 / 3, 2) and shown["dissatisfied_share"] == round(2 / 3, 4)
    assert shown["reasons"] == {"late": 1, "formal": 2, "incomplete": 1, "off_topic": 0, "not_implemented": 0}
    assert shown["distribution"] == {"1": 1, "2": 1, "3": 0, "4": 0, "5": 1}
    # each rating is an entry of the public log, with no personal data
    proof = client.get(f"/api/v1/log/proof?receipt={_receipt_hash(receipt)}")
    if proof.status_code == 200:  # integrated already (the background integrator may lag)
        assert '"kind":"rating"' in proof.get_json()["entry"]
    from extensions import db
    from publiclog.models import LogEntry

    entries = db.session.scalars(select(LogEntry.entry).where(LogEntry.receipt_hash == _receipt_hash(receipt))).all()
    assert len(entries) == 1 and '"kind":"rating"' in entries[0] and '"purpose":"petition.rate"' in entries[0]
    assert author.iin not in entries[0]


def _receipt_hash(receipt: str) -> str:
    from publiclog.entries import receipt_hash

    return receipt_hash(receipt)


def test_a_citizen_who_did_not_sign_cannot_rate(scene, client, make_citizen):
    petition = answered(scene)
    before = _counts(petition["id"])
    refused(rate(client, make_citizen(kato="710000000"), petition, 1, ["formal"]), 403, "not_eligible")
    assert _counts(petition["id"]) == before


def test_a_rating_after_the_window_or_before_the_answer_is_wrong_state(scene, client):
    from extensions import db
    from petitions.models import Petition

    refused(rate(client, scene["signers"][0], scene["petition"], 3), 409, "wrong_state")  # not answered yet
    petition = answered(scene)
    row = db.session.get(Petition, petition["id"])
    row.rating_closes_on = date.today() - timedelta(days=2)
    db.session.commit()
    before = _counts(petition["id"])
    refused(rate(client, scene["signers"][0], petition, 3), 409, "wrong_state")
    assert _counts(petition["id"]) == before


MALFORMED_RATINGS = (
        (0, [], "rating"), (6, [], "rating"), ("5", [], "rating"), (True, [], "rating"), (4.5, [], "rating"),
        (None, [], "rating"), (2, ["rude"], "reasons"), (2, ["late", "late"], "reasons"), (5, ["late"], "reasons"),
        (2, "late", "reasons"), (2, [1], "reasons"),
)


def test_a_malformed_rating_is_a_field_error_and_changes_nothing(scene, client):
    petition = answered(scene)
    before = _counts(petition["id"])
    for rating, reasons, field in MALFORMED_RATINGS:
        refused(rate(client, scene["signers"][0], petition, rating, reasons), 422, "validation_error", field)
    assert _counts(petition["id"]) == before
    assert rate(client, scene["signers"][0], petition, 3, ["incomplete"]).status_code == 201  # then a good one


def test_a_rating_signed_with_the_auth_key_or_for_another_petition_is_refused(scene, client, make_citizen):
    petition = answered(scene)
    doc = {"type": "petition", "id": petition["id"], "digest": petition["digest"]}
    wrong_key = scene["signers"][0].jws({"purpose": "petition.rate", "iat": int(time.time()), "doc": doc, "rating": 1}, usage="auth")
    refused(client.post(f"/api/v1/petitions/{petition['id']}/ratings", json={"jws": wrong_key}), 400, "wrong_key_usage")
    other = {**petition, "digest": "sha256:" + "0" * 64}
    refused(rate(client, scene["signers"][0], other, 1), 400, "digest_mismatch")
    refused(client.post(f"/api/v1/petitions/{petition['id']}/ratings", json={"jws": 5}), 422, "validation_error")
    refused(client.post("/api/v1/petitions/999999/ratings", json={"jws": "a.b.c"}), 404, "not_found")


# --- 3. contested answers and follow-ups --------------------------------------------------------


def _rated_petition(app, make_citizen, raters: int, now: datetime):
    """An answered petition with `raters` signers (Signature rows keyed as signing keys them)."""
    from extensions import db
    from kernel.keyed_hashes import signer_hash
    from petitions.models import Signature

    author = make_citizen()
    petition = make_petition("answered", author.iin, now, rating_closes_on=date.today() + timedelta(days=30))
    citizens = [make_citizen(kato="710000000") for _ in range(raters)]
    for n, citizen in enumerate(citizens):
        db.session.add(Signature(petition_id=petition.id, signer_hash=signer_hash(citizen.iin), display_name="А. Б.",
                                 region="710000000", signed_at=now, receipt=f"r{petition.id}-{n}", notify=False))
    db.session.commit()
    return petition, citizens


def test_an_answer_is_contested_once_the_ratings_say_so_and_its_people_are_told_once(app, client, officials, make_citizen):
    app.config.update(PETITION_CONTEST_MIN_RATINGS=4, PETITION_CONTEST_PERCENT=50)
    petition, citizens = _rated_petition(app, make_citizen, 6, datetime.now(UTC))
    row = {"id": petition.id, "digest": petition.digest}
    for citizen, value in zip(citizens[:3], (1, 5, 2), strict=True):
        assert rate(client, citizen, row, value).get_json()["contested"] is False
    assert client.get(f"/api/v1/petitions/{petition.id}").get_json()["contested_at"] is None
    # the fourth: 4 ratings, 2 of them 1 or 2 (50 %)
    assert rate(client, citizens[3], row, 4).get_json()["contested"] is True
    assert rate(client, citizens[4], row, 1).get_json()["contested"] is False  # once
    shown = client.get(f"/api/v1/petitions/{petition.id}").get_json()
    assert shown["contested_at"] is not None and shown["follow_up_due_on"] is not None
    assert len(events("petition.contested", petition.id)) == 1
    assert len(inbox(officials["reviewer"].citizen.iin, "petition.contested")) == 1
    assert len(inbox(officials["admin"].citizen.iin, "petition.contested")) == 1


def test_a_satisfied_majority_does_not_contest(app, client, make_citizen):
    app.config.update(PETITION_CONTEST_MIN_RATINGS=3, PETITION_CONTEST_PERCENT=50)
    petition, citizens = _rated_petition(app, make_citizen, 4, datetime.now(UTC))
    row = {"id": petition.id, "digest": petition.digest}
    for citizen, value in zip(citizens, (1, 3, 4, 5), strict=True):
        assert rate(client, citizen, row, value).get_json()["contested"] is False
    assert events("petition.contested", petition.id) == []


def _contest(app, scene, client, petition: dict) -> dict:
    app.config.update(PETITION_CONTEST_MIN_RATINGS=3, PETITION_CONTEST_PERCENT=50)
    for citizen in scene["signers"]:
        assert rate(client, citizen, petition, 1, ["formal"]).status_code == 201
    shown = client.get(f"/api/v1/petitions/{petition['id']}").get_json()
    assert shown["contested_at"] is not None
    return shown


def test_a_follow_up_is_due_only_on_a_contested_answer_once(app, scene, client):
    reviewer = scene["reviewer"]
    pid = scene["petition"]["id"]
    refused(reviewer.review(pid, "petition.follow_up", text=ANSWER_TEXT), 409, "wrong_state")  # under review
    petition = answered(scene)
    refused(reviewer.review(pid, "petition.follow_up", text=ANSWER_TEXT), 409, "wrong_state")  # not contested
    _contest(app, scene, client, petition)
    refused(reviewer.review(pid, "petition.follow_up", text="Қайта қаралды."), 422, "validation_error", "text")
    refused(reviewer.review(pid, "petition.follow_up", text=ANSWER_TEXT, extra=1), 422, "validation_error", "extra")
    done = reviewer.review(pid, "petition.follow_up", text=ANSWER_TEXT)
    assert done.status_code == 200, done.get_json()
    shown = done.get_json()
    assert shown["follow_up"]["text"] == ANSWER_TEXT and shown["follow_up"]["official"]
    assert shown["acts"][-1]["purpose"] == "petition.follow_up"
    refused(reviewer.review(pid, "petition.follow_up", text=ANSWER_TEXT), 409, "wrong_state")
    assert len(inbox(scene["signers"][0].iin, "petition.followed_up")) == 1
    # another body's reviewer may not
    refused(scene["officials"]["reviewer_astana"].review(pid, "petition.follow_up", text=ANSWER_TEXT), 403, "forbidden")


def _answered_row(people, now: datetime, **overrides):
    return make_petition("answered", people["author"], now, rating_closes_on=date(2025, 7, 1), **overrides).id


def test_follow_up_reminders_and_the_escalation_come_once_each_on_a_pinned_clock(app, people):
    # Follow-up due Monday 19 May 2025: reminders 12 May (5 left) and 16 May (1 left), overdue 20 May.
    pid = _answered_row(people, at("2025-04-01T06:00:00"), contested_at=at("2025-04-20T06:00:00"),
                        follow_up_due_on=date(2025, 5, 19))
    _run_days(date(2025, 5, 1), date(2025, 5, 25))
    reminders = events("petition.follow_up_reminder", pid)
    assert [(r.payload["days_left"], r.created_at) for r in reminders] == [
        (5, at("2025-05-12T04:00:00")), (1, at("2025-05-16T04:00:00")),
    ]
    assert [o.created_at for o in events("petition.follow_up_overdue", pid)] == [at("2025-05-20T04:00:00")]
    assert len(inbox(people["reviewer"], "petition.follow_up_reminder")) == 2
    assert len(inbox(people["admin"], "petition.follow_up_overdue")) == 1
    assert events("petition.report_reminder", pid) == []  # a petition without a report date owes none


def test_a_published_follow_up_stops_its_reminders(app, people):
    pid = _answered_row(people, at("2025-04-01T06:00:00"), contested_at=at("2025-04-20T06:00:00"),
                        follow_up_due_on=date(2025, 5, 19), follow_up_at=at("2025-05-13T06:00:00"),
                        follow_up_text=ANSWER_TEXT, follow_up_official="Үкімет өкілі")
    _run_days(date(2025, 5, 14), date(2025, 5, 25))
    assert events("petition.follow_up_reminder", pid) == [] and events("petition.follow_up_overdue", pid) == []


def _run_days(first: date, last: date) -> None:
    day = first
    while day <= last:
        for hour, minute in ((4, 0), (4, 0), (18, 30)):  # 09:00 twice and 23:30 in Kazakhstan
            tick(datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC))
        day += timedelta(days=1)


# --- 4. reports on measures -----------------------------------------------------------------------


def test_a_report_says_for_each_measure_whether_it_was_done_once(scene, client):
    reviewer = scene["reviewer"]
    pid = scene["petition"]["id"]
    refused(reviewer.review(pid, "petition.report", text="Орындалды, толығырақ.", measures=[]), 409, "wrong_state")
    petition = answered(scene)
    text = "Көше жарығы орнатылды, көпір бағдарламаға енді."
    for measures, field in (
        ([{"id": 1, "done": True}], "measures"),  # measure 2 is missing
        ([{"id": 1, "done": True}, {"id": 7, "done": False}], "measures[1].id"),
        ([{"id": 1, "done": True}, {"id": 1, "done": False}], "measures[1].id"),
        ([{"id": 1, "done": "yes"}, {"id": 2, "done": False}], "measures[0].done"),
        ([{"id": 1}, {"id": 2, "done": False}], "measures[0].done"),
        ([{"id": "1", "done": True}, {"id": 2, "done": False}], "measures[0].id"),
        ([{"id": 1, "done": True, "cost": 5}, {"id": 2, "done": False}], "measures[0]"),
    ):
        refused(reviewer.review(pid, "petition.report", text=text, measures=measures), 422, "validation_error", field)
    refused(reviewer.review(pid, "petition.report", text="Иә", measures=[{"id": 1, "done": True}, {"id": 2, "done": True}]),
            422, "validation_error", "text")
    done = reviewer.review(pid, "petition.report", text=text,
                           measures=[{"id": 2, "done": False, "note": "Облыс бағдарламасы 2028 жылға қалдырды"}, {"id": 1, "done": True}])
    assert done.status_code == 200, done.get_json()
    shown = done.get_json()
    assert [(m["id"], m["done"]) for m in shown["measures"]] == [(1, True), (2, False)]
    assert shown["measures"][1]["note"].startswith("Облыс") and shown["report"]["text"] == text
    assert shown["acts"][-1]["purpose"] == "petition.report"
    refused(reviewer.review(pid, "petition.report", text=text, measures=[{"id": 1, "done": True}, {"id": 2, "done": True}]),
            409, "wrong_state")
    # opted-in signers are told; the others are not
    assert len(inbox(scene["signers"][0].iin, "petition.reported")) == 1
    assert inbox(scene["signers"][1].iin, "petition.reported") == []
    assert petition["report_due_on"] == shown["report_due_on"]


def test_a_refusal_owes_no_report(scene):
    answered(scene, "not_supported")
    refused(scene["reviewer"].review(scene["petition"]["id"], "petition.report", text="Орындалды, толығырақ.", measures=[]),
            409, "wrong_state")


def test_report_reminders_and_the_escalation_come_once_each_on_a_pinned_clock(app, people):
    pid = _answered_row(people, at("2025-04-01T06:00:00"), report_due_on=date(2025, 5, 19))
    _run_days(date(2025, 5, 1), date(2025, 5, 25))
    assert [(r.payload["days_left"], r.created_at) for r in events("petition.report_reminder", pid)] == [
        (5, at("2025-05-12T04:00:00")), (1, at("2025-05-16T04:00:00")),
    ]
    assert [o.created_at for o in events("petition.report_overdue", pid)] == [at("2025-05-20T04:00:00")]
    assert len(inbox(people["reviewer"], "petition.report_reminder")) == 2
    assert len(inbox(people["admin"], "petition.report_overdue")) == 1
    assert state_of(pid).state == "answered"


def test_retention_strips_ratings_of_their_jws_and_keyed_hash_and_keeps_the_figures(scene, client):
    from extensions import db
    from petitions import retention
    from petitions.models import PetitionRating

    petition = answered(scene)
    assert rate(client, scene["signers"][0], petition, 2, ["formal"]).status_code == 201
    before = client.get(f"/api/v1/petitions/{petition['id']}").get_json()["ratings"]
    retention.anonymise(petition["id"], datetime.now(UTC))
    db.session.commit()
    (row,) = db.session.scalars(select(PetitionRating).where(PetitionRating.petition_id == petition["id"])).all()
    assert row.jws is None and row.rater_hash.startswith("anonymised:")
    assert client.get(f"/api/v1/petitions/{petition['id']}").get_json()["ratings"] == before


def test_an_answer_may_name_its_measures_ids_all_or_none_and_the_report_uses_them(scene):
    reviewer, pid = scene["reviewer"], scene["petition"]["id"]
    measures = answer_fields()["measures"]
    for ids, field in (((7, None), "measures"), ((7, 7), "measures[1].id"), ((0, 2), "measures[0].id"),
                       (("1", 2), "measures[0].id"), ((True, 2), "measures[0].id")):
        named = [m | ({"id": n} if n is not None else {}) for m, n in zip(measures, ids, strict=True)]
        refused(reviewer.review(pid, "petition.answer", **answer_fields(measures=named)), 422, "validation_error", field)
    named = [m | {"id": n} for m, n in zip(measures, (20, 10), strict=True)]
    shown = reviewer.review(pid, "petition.answer", **answer_fields(measures=named)).get_json()
    assert [(m["id"], m["what"]) for m in shown["measures"]] == [(10, measures[1]["what"]), (20, measures[0]["what"])]
    refused(reviewer.review(pid, "petition.report", text="Екеуі де орындалды, толығырақ.",
                            measures=[{"id": 1, "done": True}, {"id": 2, "done": True}]), 422, "validation_error")
    done = reviewer.review(pid, "petition.report", text="Екеуі де орындалды, толығырақ.",
                           measures=[{"id": 10, "done": True}, {"id": 20, "done": False}])
    assert done.status_code == 200, done.get_json()
    assert [(m["id"], m["done"]) for m in done.get_json()["measures"]] == [(10, True), (20, False)]
