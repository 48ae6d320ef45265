"""The hot path skips the after-commit recount only where the shards prove it cannot matter."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from petitions import signing
from petitions.models import COUNTER_SHARDS, PetitionCounter
from tests.petitions.test_transitions import cast, make_petition, signed  # noqa: F401


def fill_shards(petition_id: int, each: int) -> None:
    from extensions import db

    db.session.execute(update(PetitionCounter).where(PetitionCounter.petition_id == petition_id).values(count=each))
    db.session.commit()


@pytest.mark.parametrize(
    ("threshold", "per_shard_before", "may_move"),
    [
        (50_000, 100, False),  # 1,600 of 50,000: nowhere near
        (50_000, 1_600, True),  # ~25,600 ≥ half the threshold: recount after every signature
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
