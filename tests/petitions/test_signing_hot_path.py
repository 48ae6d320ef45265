"""The hot path skips the after-commit recount only where the shards prove it cannot matter."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from petitions import counter, signing
from petitions.models import COUNTER_SHARDS, PetitionCounter
from petitions.signing_facts import signing_facts
from tests.petitions.test_transitions import cast, make_petition, signed  # noqa: F401


def fill_shards(petition_id: int, each: int) -> None:
    from extensions import db

    db.session.execute(update(PetitionCounter).where(PetitionCounter.petition_id == petition_id).values(count=each))
    db.session.commit()


@pytest.mark.parametrize(
    ("threshold", "per_shard_before", "may_move"),
    [
        (50_000, 100, False),  # 1,600 of 50,000: nowhere near
        (50_000, 2_700, False),  # ~43,200: more than six standard deviations (5,196) short
        (50_000, 2_800, True),  # ~44,800: within them, recount after every signature
        (999, 0, True),  # a small target is always recounted
    ],
)
def test_a_signer_recounts_unless_the_shards_say_the_target_is_far(app, cast, threshold, per_shard_before, may_move):  # noqa: F811
    people, _ = cast
    now = datetime.now(UTC)
    petition = make_petition("open", people["author"].iin, now, threshold=threshold)
    fill_shards(petition.id, per_shard_before)

    result = signing.sign(petition, signed(people["signer"], "petition.sign", petition, now), now)

    assert result.may_move is may_move


def test_the_crossing_signature_of_a_large_threshold_moves_the_petition_at_once(app, client, cast):  # noqa: F811
    from extensions import db

    people, _ = cast
    now = datetime.now(UTC)
    petition = make_petition("open", people["author"].iin, now, threshold=50_000)
    fill_shards(petition.id, 50_000 // COUNTER_SHARDS)  # 49,999 after this shard's correction below
    db.session.execute(
        update(PetitionCounter)
        .where(PetitionCounter.petition_id == petition.id, PetitionCounter.shard == 0)
        .values(count=PetitionCounter.count - 1)
    )
    db.session.commit()

    response = client.post(
        f"/api/v1/petitions/{petition.id}/signatures",
        json={"jws": signed(people["signer"], "petition.sign", petition, now)},
    )

    assert response.status_code == 201
    assert response.get_json()["moves"] == ["reach_threshold"]
    assert client.get(f"/api/v1/petitions/{petition.id}/count").get_json() == {
        "signature_count": 50_000, "threshold": 50_000, "state": "under_review",
    }


def _move_behind_this_process(petition_id: int, **values) -> None:
    """Another process moves the petition: a Core UPDATE, so this process's caches are not told."""
    from extensions import db
    from petitions.models import Petition

    db.session.execute(update(Petition).where(Petition.id == petition_id).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def _signature_rows(petition_id: int) -> int:
    from sqlalchemy import func, select

    from extensions import db
    from petitions.models import Signature

    return db.session.scalar(select(func.count()).where(Signature.petition_id == petition_id))


def test_a_signer_meeting_stale_facts_is_written_against_fresh_ones(app, client, cast):  # noqa: F811
    from datetime import timedelta

    people, _ = cast
    now = datetime.now(UTC)
    petition = make_petition("restricted", people["author"].iin, now, threshold=50_000)
    assert signing_facts(petition.id).state == "restricted"  # this process keeps them
    _move_behind_this_process(petition.id, state="open", published_at=now,
                              collection_ends_at=now + timedelta(days=180))

    response = client.post(
        f"/api/v1/petitions/{petition.id}/signatures",
        json={"jws": signed(people["signer"], "petition.sign", petition, now)},
    )

    assert response.status_code == 201, response.get_json()
    assert _signature_rows(petition.id) == 1 == counter.exact_count(petition.id)
    assert signing_facts(petition.id).state == "open"


def test_a_petition_closed_behind_stale_facts_takes_no_signature(app, client, cast):  # noqa: F811
    people, _ = cast
    now = datetime.now(UTC)
    petition = make_petition("open", people["author"].iin, now, threshold=50_000)
    assert signing_facts(petition.id).state == "open"
    _move_behind_this_process(petition.id, state="closed")

    response = client.post(
        f"/api/v1/petitions/{petition.id}/signatures",
        json={"jws": signed(people["signer"], "petition.sign", petition, now)},
    )

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "wrong_state"
    assert _signature_rows(petition.id) == 0 == counter.exact_count(petition.id)


def test_a_signer_without_an_account_who_asks_to_be_told_gets_one_on_the_statement_at_a_time_path(
    app, client, cast, make_citizen  # noqa: F811
):
    """On PostgreSQL the signing request's statements commit one by one (no transaction to save a
    point in): the quiet account for a signer who asks to be told must still be made, once."""
    from sqlalchemy import select

    from auth.models import User
    from extensions import db
    from petitions.models import Signature

    people, _ = cast
    now = datetime.now(UTC)
    petition = make_petition("open", people["author"].iin, now, threshold=50_000)
    citizen = make_citizen()
    url, jws = f"/api/v1/petitions/{petition.id}/signatures", signed(citizen, "petition.sign", petition, now)
    petition_id = petition.id
    db.session.remove()  # as in production: the request starts with no transaction open

    response = client.post(url, json={"jws": jws, "notify": True})

    assert response.status_code == 201, response.get_json()
    account = db.session.scalar(select(User).where(User.iin == citizen.iin))
    signature = db.session.scalar(select(Signature).where(Signature.petition_id == petition_id))
    assert account is not None and signature.user_id == account.id and signature.notify is True


def test_the_use_case_commits_the_signature_and_the_move_it_makes(app, cast):  # noqa: F811
    """sign_petition owns its transactions: what it returns is committed, the move and its event too."""
    from sqlalchemy import func, select

    from extensions import db
    from petitions.models import Petition, Signature
    from workers.outbox import OutboxEvent

    people, _ = cast
    now = datetime.now(UTC)
    petition = make_petition("open", people["author"].iin, now, threshold=1)
    petition_id, jws = petition.id, signed(people["signer"], "petition.sign", petition, now)

    result = signing.sign_petition(petition_id, jws, now)

    assert result.may_move is True and result.moves == ("reach_threshold",)
    assert not db.session().in_transaction()
    with db.engine.connect() as other:  # another connection sees it all
        assert other.scalar(select(func.count()).where(Signature.petition_id == petition_id)) == 1
        assert other.scalar(select(Petition.state).where(Petition.id == petition_id)) == "under_review"
        assert other.scalar(select(func.count()).where(OutboxEvent.event == "petition.threshold_reached")) == 1


def test_a_body_for_a_petition_that_is_not_there_is_not_found_whatever_it_is(app, client, cast):  # noqa: F811
    people, _ = cast
    now = datetime.now(UTC)
    draft = make_petition("draft", people["author"].iin, now)
    petition = make_petition("open", people["author"].iin, now)

    for path in ("/api/v1/petitions/999999/signatures", f"/api/v1/petitions/{draft.id}/signatures"):
        for body in ("{", '{"jws": 5}', '{"jws": "x"}'):
            response = client.post(path, data=body, content_type="application/json")
            assert (response.status_code, response.get_json()["error"]["code"]) == (404, "not_found"), (path, body)
    for body in ("{", '{"jws": 5}'):
        response = client.post(f"/api/v1/petitions/{petition.id}/signatures", data=body, content_type="application/json")
        assert response.get_json()["error"]["code"] == "validation_error", body


def test_the_hot_path_names_no_state_it_asks_the_lifecycle_table():
    """Signability, the phases and the moves come from PETITION (petitions/lifecycle.py); a state's
    name written in these modules would be a second table. ("open" is also an action's name.)"""
    import ast
    from pathlib import Path

    from petitions.lifecycle import PETITION

    states = set(PETITION.states) - set(PETITION.actions)
    root = Path(__file__).resolve().parents[2] / "petitions"
    for name in ("signing", "signing_facts", "signature_sql", "counter", "count_moves"):
        tree = ast.parse((root / f"{name}.py").read_text(encoding="utf-8"))
        written = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and node.value in states}
        assert not written, f"petitions/{name}.py names {sorted(written)}"
