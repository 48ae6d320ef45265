"""The petition state machine: every state x every action, on the table, on real rows and over the API.

Also home to the helpers the other petition-core test modules share: petitions
made directly in any state, a before/after snapshot of everything a refusal
must leave alone, and a CA dated 2024 so signatures can be made at pinned instants.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select, update

from kernel.digests import digest
from kernel.errors import DomainError
from petitions.models import (
    ACTIONS,
    COUNTER_SHARDS,
    Petition,
    PetitionCounter,
    PetitionMilestone,
    Signature,
    next_state,
)
from petitions.rules import STATES
from tests.conftest import ANSWER_TEXT, Citizen, _pem_blocks, answer_fields, pem_to_b64_der
from tests.petitions.conftest import BODY

# The published lifecycle, written out by hand (not read from the code under test).
EXPECTED: dict[tuple[str, str], str] = {
    ("draft", "edit"): "draft",
    ("draft", "submit"): "moderation",
    ("moderation", "approve"): "restricted",
    ("moderation", "reject"): "rejected",
    ("restricted", "sign"): "restricted",
    ("restricted", "open"): "open",
    ("restricted", "lapse"): "lapsed",
    ("open", "sign"): "open",
    ("open", "reach_threshold"): "under_review",
    ("open", "close"): "closed",
    ("under_review", "schedule_discussion"): "under_review",
    ("under_review", "answer"): "answered",
    ("answered", "rate"): "answered",
    ("answered", "contest"): "answered",
    ("answered", "follow_up"): "answered",
    ("answered", "report"): "answered",
}
ALL_STATES = ("draft", "moderation", "rejected", "restricted", "lapsed", "open", "closed", "under_review", "answered")
ALL_ACTIONS = (
    "answer", "approve", "close", "contest", "edit", "follow_up", "lapse", "open", "rate", "reach_threshold", "reject",
    "report", "schedule_discussion", "sign", "submit",
)


# --- shared helpers -------------------------------------------------------------------------------


def make_petition(
    state: str, author_iin: str, now: datetime, *, addressee: str = "government", territory: str | None = None,
    threshold: int = 3, counters: bool | None = None, **overrides,
) -> Petition:
    """A committed petition in `state`, with the dates that state implies (all relative to `now`).

    Approved petitions get their counter shards (as approval makes them); `counters=True`
    gives them to any state, so a test can give a draft a count.
    """
    from extensions import db
    from kernel.kazakhstan_time import local_date

    today = local_date(now)
    petition = Petition(
        author_iin=author_iin, title="Ауыл көшесін жөндеу керек", body=BODY, language="kk", addressee=addressee,
        territory=territory, state=state, threshold=threshold, digest="", created_at=now - timedelta(days=40),
    )
    if state != "draft":
        petition.submitted_at = now - timedelta(days=39)
        petition.moderation_due_on = today + timedelta(days=1)
        petition.submit_jws = "signed-at-submission"
    if state == "rejected":
        petition.moderated_at = now - timedelta(days=30)
        petition.rejection_reason, petition.rejection_comment = "duplicate", "Бұндай петиция бар"
    if state in ("restricted", "lapsed", "open", "closed", "under_review", "answered"):
        petition.moderated_at = petition.approved_at = now - timedelta(days=30)
        petition.restricted_until = today + timedelta(days=5) if state == "restricted" else today - timedelta(days=16)
    if state == "lapsed":
        petition.lapsed_at = now - timedelta(days=15)
    if state in ("open", "closed", "under_review", "answered"):
        petition.published_at = now - timedelta(days=20)
        petition.collection_ends_at = now + timedelta(days=160) if state == "open" else now - timedelta(days=1)
    if state == "closed":
        petition.closed_at = now - timedelta(hours=23)
    if state in ("under_review", "answered"):
        petition.threshold_reached_at = now - timedelta(days=10)
        petition.review_due_on = today + timedelta(days=30)
    if state == "answered":
        petition.answer_decision, petition.answer_text = "supported", "Ұсыныс қолдау тапты, жұмыс жоспарға енгізілді."
        petition.answer_official, petition.answered_at = "Үкімет өкілі", now - timedelta(days=1)
    for key, value in overrides.items():
        setattr(petition, key, value)
    db.session.add(petition)
    db.session.flush()  # the id, which the document names
    petition.digest = digest(petition.document())
    if counters or (counters is None and state not in ("draft", "moderation", "rejected")):
        db.session.execute(
            insert(PetitionCounter),
            [{"petition_id": petition.id, "shard": shard, "count": 0} for shard in range(COUNTER_SHARDS)],
        )
    db.session.commit()
    return petition


def set_count(petition_id: int, count: int) -> None:
    """Put the whole count on shard 0 and zero the others (no signature rows: drift, if any)."""
    from extensions import db

    db.session.execute(update(PetitionCounter).where(PetitionCounter.petition_id == petition_id).values(count=0))
    db.session.execute(
        update(PetitionCounter)
        .where(PetitionCounter.petition_id == petition_id, PetitionCounter.shard == 0)
        .values(count=count)
    )
    db.session.commit()


def add_signature_rows(petition_id: int, n: int, at: datetime) -> None:
    """`n` signature rows and their counts, as committed signers leave them (no advance made)."""
    from extensions import db

    for i in range(n):
        db.session.add(
            Signature(
                petition_id=petition_id, signer_hash=f"{petition_id:08d}{i:056d}", display_name="Асқар Б.",
                region="110000000", signed_at=at, receipt=f"r-{petition_id}-{i}-{time.monotonic_ns()}",
            )
        )
        db.session.execute(
            update(PetitionCounter)
            .where(PetitionCounter.petition_id == petition_id, PetitionCounter.shard == i % COUNTER_SHARDS)
            .values(count=PetitionCounter.count + 1)
        )
    db.session.commit()


def snapshot(petition_id: int) -> dict:
    """Everything a refused action must leave as it was: the row, its signatures, count, events."""
    from auth.models import User
    from extensions import db
    from workers.outbox import OutboxEvent
    from workers.queues import wait_for_inprocess

    db.session.commit()  # whatever is pending counts as changed; and SQLite's writer lock is free
    wait_for_inprocess()  # deliveries of earlier events make accounts: let them finish first
    db.session.expire_all()
    row = db.session.execute(select(Petition.__table__).where(Petition.__table__.c.id == petition_id)).mappings().one()
    return {
        "row": dict(row),
        "signatures": db.session.scalar(select(func.count()).where(Signature.petition_id == petition_id)),
        "count": db.session.scalar(
            select(func.coalesce(func.sum(PetitionCounter.count), 0)).where(PetitionCounter.petition_id == petition_id)
        ),
        "shards": db.session.scalar(select(func.count()).where(PetitionCounter.petition_id == petition_id)),
        "events": db.session.scalar(select(func.count(OutboxEvent.id))),
        "milestones": db.session.scalar(select(func.count()).select_from(PetitionMilestone)),
        "accounts": db.session.scalar(select(func.count(User.id))),
    }


def events(name: str, petition_id: int | None = None) -> list:
    from extensions import db
    from workers.outbox import OutboxEvent

    rows = db.session.scalars(select(OutboxEvent).where(OutboxEvent.event == name).order_by(OutboxEvent.id)).all()
    return [row for row in rows if petition_id is None or row.payload.get("petition_id") == petition_id]


def signed(citizen: Citizen, purpose: str, petition: Petition, at: datetime | None = None, doc: dict | None = None,
           **fields) -> str:
    iat = int((at or datetime.now(UTC)).timestamp())
    return citizen.jws({"purpose": purpose, "iat": iat, "doc": doc or petition.signed_doc(), **fields})


def act(official: Citizen, purpose: str, petition: Petition, when: datetime | None = None, **fields) -> str:
    """An official act on the petition, signed with the official's certificate (API.md "Official acts")."""
    iat = int((when or datetime.now(UTC)).timestamp())
    return official.act(purpose, petition.signed_doc(), iat=iat, **fields)


@pytest.fixture(scope="session")
def ca_2024(tmp_path_factory):
    """A simulated NCA made on 1 June 2024, so keys can be issued (and used) at pinned instants."""
    from auth import pki

    return pki.load_or_create(tmp_path_factory.mktemp("ca-2024"), datetime(2024, 6, 1, tzinfo=UTC))


@pytest.fixture
def keys_at(app, ca_2024):
    """This app trusts the 2024 CA; `keys_at(iin, at)` issues that person a key set valid from `at`."""
    from auth import services
    from auth.models import Person
    from extensions import db

    app.extensions["dauys_ca"] = ca_2024
    app.extensions.pop("dauys_trust", None)

    def issue(iin: str, at: datetime) -> Citizen:
        key_set = services.issue_key_set(db.session.get(Person, iin), "ec", at - timedelta(minutes=5))
        db.session.commit()
        return Citizen(
            iin=iin, auth_key=key_set.auth.key_pem, auth_cert=key_set.auth.cert_pem, sign_key=key_set.sign.key_pem,
            sign_cert=key_set.sign.cert_pem, chain=[pem_to_b64_der(b) for b in _pem_blocks(key_set.chain_pem)],
        )

    return issue


def official_at(iin: str, at: datetime, role: str | None = None):
    """The official certificate of a person's role grant, valid from just before `at` (under the CA
    keys_at installed), as `flask eds issue-official` issues one: for acts at pinned instants."""
    from auth import services
    from auth.models import Person
    from extensions import db
    from tests.conftest import OfficialKeys

    issued = services.issue_official_key_set(
        db.session.get(Person, iin), services.official_grant(iin, role), "ec", at - timedelta(minutes=5))
    db.session.commit()
    return OfficialKeys(key=issued.key.key_pem, cert=issued.key.cert_pem, staff_serial=issued.staff_serial,
                        chain=[pem_to_b64_der(b) for b in _pem_blocks(issued.chain_pem)])


# --- the table ------------------------------------------------------------------------------------


def test_states_and_actions_are_the_published_ones():
    assert tuple(STATES) == ALL_STATES
    assert tuple(ACTIONS) == ALL_ACTIONS


@pytest.mark.parametrize("state", ALL_STATES)
@pytest.mark.parametrize("action", ALL_ACTIONS)
def test_next_state_follows_the_table_and_refuses_everything_else(state, action):
    if (state, action) in EXPECTED:
        assert next_state(state, action) == EXPECTED[(state, action)]
    else:
        with pytest.raises(DomainError) as refused:
            next_state(state, action)
        assert refused.value.code == "wrong_state"
        assert refused.value.status == 409


# --- the guarded methods and services on real rows ------------------------------------------------


@pytest.fixture
def cast(app, make_citizen):
    """An author, a moderator, a government reviewer and a signer, with accounts."""
    from auth.services import account_for, grant_role
    from extensions import db

    now = datetime.now(UTC)
    people = {role: make_citizen(kato="113243200") for role in ("author", "moderator", "reviewer", "signer")}
    grant_role(people["moderator"].iin, "moderator", None, now)
    grant_role(people["reviewer"].iin, "reviewer", "government", now)
    users = {role: account_for(citizen.iin, now) for role, citizen in people.items()}
    db.session.commit()
    return people, users


def _perform(action: str, petition: Petition, people: dict, users: dict, now: datetime) -> None:
    from petitions import services, signing

    if action == "edit":
        services.edit_draft(petition, users["author"], title="Ауыл көшесін жөндеу қажет", body=BODY, language="kk")
    elif action == "submit":
        services.submit(petition, users["author"], signed(people["author"], "petition.submit", petition, now), now)
    elif action == "approve":
        services.moderate(petition, users["moderator"], act(people["moderator"], "petition.moderate", petition, now,
                                                            decision="approve"), now)
    elif action == "reject":
        services.moderate(petition, users["moderator"], act(people["moderator"], "petition.moderate", petition, now,
                                                            decision="reject", reason="duplicate",
                                                            comment="Бұндай петиция бар"), now)
    elif action == "sign":
        signing.sign(petition, signed(people["signer"], "petition.sign", petition, now), now)
    elif action == "schedule_discussion":
        services.schedule_discussion(petition, users["reviewer"], act(
            people["reviewer"], "petition.discussion", petition, now, at=(now + timedelta(days=7)).isoformat(),
            place="Астана, Үкімет үйі"), now)
    elif action == "answer":
        services.answer(petition, users["reviewer"], act(
            people["reviewer"], "petition.answer", petition, now, **answer_fields("not_supported")), now)
    elif action == "rate":  # the author may rate; an answered petition here has its window open
        from kernel.kazakhstan_time import local_date
        from petitions import accountability

        _after_the_answer(petition, rating_closes_on=local_date(now) + timedelta(days=10))
        accountability.rate(petition, signed(people["author"], "petition.rate", petition, now, rating=3), now)
    elif action == "follow_up":
        from kernel.kazakhstan_time import local_date

        _after_the_answer(petition, contested_at=now, follow_up_due_on=local_date(now) + timedelta(days=28))
        services.follow_up(petition, users["reviewer"], act(
            people["reviewer"], "petition.follow_up", petition, now, text=ANSWER_TEXT), now)
    elif action == "report":
        from kernel.kazakhstan_time import local_date

        _after_the_answer(petition, report_due_on=local_date(now) + timedelta(days=90))
        services.report(petition, users["reviewer"], act(
            people["reviewer"], "petition.report", petition, now, text="Барлық шара орындалды.", measures=[]), now)
    else:  # pragma: no cover
        raise AssertionError(action)


def _after_the_answer(petition: Petition, **columns) -> None:
    """What an answered petition owes before the act that follows it (a window, a contest, a report
    date); other states get nothing, so their refusal is the state's alone."""
    from extensions import db

    if petition.state == "answered":
        for name, value in columns.items():
            setattr(petition, name, value)
        db.session.commit()


GUARDED = ("edit", "submit", "approve", "reject", "sign", "schedule_discussion", "answer", "rate", "follow_up", "report")


@pytest.mark.parametrize("action", GUARDED)
def test_guarded_action_moves_only_from_its_state_and_a_refusal_changes_nothing(app, cast, action):
    from extensions import db

    people, users = cast
    now = datetime.now(UTC)
    for state in ALL_STATES:
        petition = make_petition(state, people["author"].iin, now)
        before = snapshot(petition.id)
        expected = EXPECTED.get((state, action))
        if expected is None:
            with pytest.raises(DomainError) as refused:
                _perform(action, petition, people, users, now)
            assert refused.value.code == "wrong_state", (state, action)
            assert petition.state == state  # not even in memory
            db.session.commit()  # a careless caller commits anyway: there is nothing to commit
            assert snapshot(petition.id) == before, (state, action)
        else:
            _perform(action, petition, people, users, now)
            db.session.commit()
            assert snapshot(petition.id)["row"]["state"] == expected, (state, action)


def test_conditional_moves_act_only_on_their_state(app, cast):
    """open / reach_threshold (by the count), lapse and close (by the clock) are conditional UPDATEs."""
    from extensions import db
    from kernel.kazakhstan_time import local_date
    from petitions import count_moves, jobs

    people, _ = cast
    now = datetime.now(UTC)
    app.config.update(PETITION_RESTRICTED_SUPPORTERS=2)
    cases = {
        # action: (how to run it, petition overrides, count)
        "open": (lambda p: count_moves.advance(p.id, now), {"threshold": 10}, 2),
        "reach_threshold": (lambda p: count_moves.advance(p.id, now), {"threshold": 1}, 1),
        "lapse": (lambda p: jobs.lapse_restricted(now, local_date(now)), {"restricted_until": date(2024, 1, 1)}, 0),
        "close": (lambda p: jobs.close_expired(now), {"collection_ends_at": now - timedelta(seconds=1)}, 0),
    }
    for action, (run, overrides, count) in cases.items():
        for state in ALL_STATES:
            petition = make_petition(state, people["author"].iin, now, counters=True, **overrides)
            set_count(petition.id, count)
            before = snapshot(petition.id)
            run(petition)
            db.session.commit()
            after = snapshot(petition.id)
            expected = EXPECTED.get((state, action), state)
            assert after["row"]["state"] == expected, (state, action)
            if expected == state:
                assert after == before, (state, action)
            else:
                assert after["events"] == before["events"] + 1, (state, action)


# --- over the API ---------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["moderation", "rejected", "lapsed", "closed", "under_review", "answered"])
def test_signing_a_petition_that_does_not_collect_is_409_wrong_state(app, client, cast, make_citizen, state):
    people, _ = cast
    now = datetime.now(UTC)
    petition = make_petition(state, people["author"].iin, now)
    before = snapshot(petition.id)
    response = client.post(
        f"/api/v1/petitions/{petition.id}/signatures",
        json={"jws": signed(make_citizen(), "petition.sign", petition), "notify": True},
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "wrong_state"
    assert snapshot(petition.id) == before


def test_signing_a_draft_over_the_api_is_not_found(app, client, cast, make_citizen):
    """A draft is the author's alone: the API does not admit it exists (the service says wrong_state)."""
    people, _ = cast
    petition = make_petition("draft", people["author"].iin, datetime.now(UTC))
    before = snapshot(petition.id)
    response = client.post(
        f"/api/v1/petitions/{petition.id}/signatures", json={"jws": signed(make_citizen(), "petition.sign", petition)}
    )
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert snapshot(petition.id) == before


@pytest.mark.parametrize(("first", "second"), [("approve", "approve"), ("approve", "reject"), ("reject", "approve"), ("reject", "reject")])
def test_moderating_twice_is_409_and_the_second_decision_changes_nothing(app, officials, make_citizen, first, second):
    author = make_citizen()
    petition = make_petition("moderation", author.iin, datetime.now(UTC))
    decisions = {
        "approve": {"decision": "approve"},
        "reject": {"decision": "reject", "reason": "no_proposal", "comment": "Ұсыныс жоқ"},
    }
    moderator = officials["moderator"]
    assert moderator.moderate(petition, **decisions[first]).status_code == 200
    before = snapshot(petition.id)
    again = moderator.moderate(petition, **decisions[second])
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "wrong_state"
    assert snapshot(petition.id) == before


def test_review_after_the_answer_and_a_second_submission_are_409(app, officials, make_citizen, actor):
    author = actor(make_citizen())
    petition = make_petition("answered", author.citizen.iin, datetime.now(UTC))
    reviewer = officials["reviewer"]
    before = snapshot(petition.id)
    for purpose, fields in (
        ("petition.answer", answer_fields("supported")),  # a valid answer, refused only for the state
        ("petition.discussion", {"at": (datetime.now(UTC) + timedelta(days=3)).isoformat(), "place": "Астана"}),
    ):
        response = reviewer.review(petition, purpose, **fields)
        assert response.status_code == 409 and response.get_json()["error"]["code"] == "wrong_state"
    assert snapshot(petition.id) == before

    moderation = make_petition("moderation", author.citizen.iin, datetime.now(UTC))
    before = snapshot(moderation.id)
    doc = moderation.signed_doc()
    response = author.post(f"/api/v1/petitions/{moderation.id}/submit", {"jws": author.sign_doc("petition.submit", doc)})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "wrong_state"
    assert snapshot(moderation.id) == before


# --- a phase that ran out: refused before the minute job lapses or closes it ----------------------


def test_signing_a_restricted_petition_after_its_last_day_is_wrong_state(app, make_citizen, keys_at):
    from extensions import db
    from petitions import signing

    last_minute = datetime(2026, 3, 13, 18, 59, tzinfo=UTC)  # 23:59 on Friday 13 March in Kazakhstan
    next_day = datetime(2026, 3, 13, 19, 1, tzinfo=UTC)  # 00:01 on the 14th; the lapse job has not run yet
    petition = make_petition("restricted", make_citizen().iin, last_minute, restricted_until=date(2026, 3, 13))
    in_time, late = keys_at(make_citizen().iin, last_minute), keys_at(make_citizen().iin, last_minute)
    signing.sign(petition, signed(in_time, "petition.sign", petition, last_minute), last_minute)
    db.session.commit()
    before = snapshot(petition.id)
    with pytest.raises(DomainError) as refused:
        signing.sign(petition, signed(late, "petition.sign", petition, next_day), next_day)
    assert refused.value.code == "wrong_state"
    assert snapshot(petition.id) == before


def test_signing_an_open_petition_after_its_collection_ended_is_wrong_state(app, make_citizen, keys_at):
    """Even a signature that would carry it over the threshold: time ran out first."""
    from extensions import db
    from petitions import count_moves, signing

    ends = datetime(2026, 9, 14, 6, 0, tzinfo=UTC)
    petition = make_petition("open", make_citizen().iin, ends - timedelta(days=1), collection_ends_at=ends, threshold=2)
    first, second = keys_at(make_citizen().iin, ends - timedelta(days=1)), keys_at(make_citizen().iin, ends - timedelta(days=1))
    signing.sign(petition, signed(first, "petition.sign", petition, ends - timedelta(seconds=1)), ends - timedelta(seconds=1))
    db.session.commit()
    before = snapshot(petition.id)
    with pytest.raises(DomainError) as refused:
        signing.sign(petition, signed(second, "petition.sign", petition, ends), ends)
    assert refused.value.code == "wrong_state"
    count_moves.advance(petition.id, ends)
    assert snapshot(petition.id) == before
