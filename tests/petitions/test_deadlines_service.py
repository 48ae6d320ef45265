"""Deadlines the services store, pinned to real dates across Nauryz, New Year and a weekend transfer.

Every expected date is counted by hand in the comment next to it (the Kazakhstan
production calendar for 2024-2025), never by calling the function under test.
Instants are UTC; the services count in Kazakhstan's day (Asia/Almaty, UTC+5).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from petitions.models import Petition
from tests.petitions.test_transitions import ca_2024, keys_at, make_petition, official_at, signed  # noqa: F401 - fixtures


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def author(app, make_citizen, keys_at):  # noqa: F811 - the imported fixture
    from auth.services import account_for
    from extensions import db

    citizen = make_citizen(kato="113243200")
    user = account_for(citizen.iin, datetime.now(UTC))
    db.session.commit()
    return citizen, user, keys_at


def _submit(author, when: datetime) -> Petition:
    from extensions import db
    from petitions import services

    citizen, user, issue_keys = author
    keys = issue_keys(citizen.iin, when)
    petition = make_petition("draft", citizen.iin, when)
    services.submit(petition, user, signed(keys, "petition.submit", petition, when), when)
    db.session.commit()
    return petition


def test_moderation_is_due_twenty_working_days_after_a_submission_before_nauryz(app, author):
    # Submitted Wednesday 19 March 2025. Thu 20 (1); Nauryz 21-23, and 24-25 off for the
    # weekend days of it; 26, 27, 28 (4); 31 (5); 1-4 April (9); 7-11 (14); 14-18 (19);
    # Monday 21 April is the 20th working day.
    petition = _submit(author, at("2025-03-19T05:00:00"))
    assert petition.state == "moderation"
    assert petition.moderation_due_on == date(2025, 4, 21)


def test_an_admin_transfer_changes_a_newly_computed_deadline_and_not_a_stored_one(app, author):
    from extensions import db
    from petitions.calendar import remove_transfer, set_transfer

    before = _submit(author, at("2025-03-19T05:00:00"))
    # A decree makes Friday 4 April 2025 a day off: the 20th working day moves to Tuesday 22 April.
    set_transfer(date(2025, 4, 4), False, "Қаулы № 1 (сынақ)", at("2025-03-18T05:00:00"))
    db.session.commit()
    moved_later = _submit(author, at("2025-03-19T05:00:00"))
    assert moved_later.moderation_due_on == date(2025, 4, 22)
    # Instead Saturday 29 March 2025 is worked: 20 (1), 26-28 (4), Sat 29 (5), 31 (6),
    # 1-4 April (10), 7-11 (15), 14-18 (20): Friday 18 April.
    remove_transfer(date(2025, 4, 4), at("2025-03-18T05:00:00"))
    set_transfer(date(2025, 3, 29), True, "Қаулы № 2 (сынақ)", at("2025-03-18T05:00:00"))
    db.session.commit()
    moved_earlier = _submit(author, at("2025-03-19T05:00:00"))
    assert moved_earlier.moderation_due_on == date(2025, 4, 18)
    db.session.expire_all()
    assert db.session.get(Petition, before.id).moderation_due_on == date(2025, 4, 21)  # stored, never recomputed


@pytest.mark.parametrize(
    ("approved", "restricted_until"),
    [
        # Friday 27 Dec 2024: Mon 30 (1), Tue 31 (2); 1-2 Jan New Year, Fri 3 Jan off by transfer,
        # Sat 4 off, Sun 5 Jan worked (3), Mon 6 (4), Tue 7 Orthodox Christmas off, 8, 9, 10 (7),
        # 13, 14, 15 (10): Wednesday 15 January 2025.
        ("2024-12-27T06:00:00", date(2025, 1, 15)),
        # Tuesday 31 Dec 2024: Sun 5 Jan (1), 6 (2), 8, 9, 10 (5), 13-17 (10): Friday 17 January.
        ("2024-12-31T06:00:00", date(2025, 1, 17)),
        # 19:30 UTC on Monday 30 Dec is already 00:30 on Tuesday 31 Dec in Kazakhstan: as above,
        # the 17th (counted from the 30th it would be Thursday 16 January).
        ("2024-12-30T19:30:00", date(2025, 1, 17)),
    ],
)
def test_the_restricted_phase_ends_ten_working_days_after_approval_across_new_year(
    app, make_citizen, author, approved, restricted_until
):
    from auth.services import account_for, grant_role
    from extensions import db
    from petitions import services

    moderator = make_citizen()
    grant_role(moderator.iin, "moderator", None, datetime.now(UTC))
    petition = make_petition("moderation", make_citizen().iin, at(approved))
    keys = official_at(moderator.iin, at(approved))
    act = {"purpose": "petition.moderate", "iat": int(at(approved).timestamp()), "doc": petition.signed_doc(),
           "decision": "approve"}
    services.moderate(petition, account_for(moderator.iin, at(approved)), keys.jws(act), at(approved))
    db.session.commit()
    assert petition.state == "restricted"
    assert petition.restricted_until == restricted_until


def _reach_threshold(author, when: datetime, addressee: str = "government", territory: str | None = None) -> Petition:
    """Two real signatures at pinned instants carry a restricted petition to its threshold of 2."""
    from extensions import db
    from petitions import count_moves, signing

    citizen, _, issue_keys = author
    petition = make_petition("restricted", citizen.iin, when, addressee=addressee, territory=territory, threshold=2)
    for signer_iin in _residents(2):
        keys = issue_keys(signer_iin, when)
        signing.sign(petition, signed(keys, "petition.sign", petition, when), when)
        db.session.commit()
        count_moves.advance(petition.id, when)
        db.session.commit()
    db.session.expire_all()
    return db.session.get(Petition, petition.id)


_made = iter(range(5000, 9000))


def _residents(n: int) -> list[str]:
    from auth import services
    from auth.iin import make
    from extensions import db

    iins = []
    for _ in range(n):
        iin = make(date(1985, 2, 3), "M", next(_made))
        services.add_person(iin=iin, surname="Бекұлы", given_name="Асқар", kato="113243100")
        iins.append(iin)
    db.session.commit()
    return iins


def test_review_of_a_central_body_is_due_forty_working_days_from_the_day_after(app, author):
    app.config.update(PETITION_RESTRICTED_SUPPORTERS=1)
    # Threshold reached Friday 14 March 2025. March: 17-20, 26-28, 31 (8); April: 1-4, 7-11,
    # 14-18, 21-25, 28-30 (30); May: 1 off, 2 (31), 5, 6 (33), 7 off, 8 (34), 9 off,
    # 12-16 (39), Monday 19 May is the 40th.
    petition = _reach_threshold(author, at("2025-03-14T06:00:00"))
    assert petition.state == "under_review"
    assert petition.threshold_reached_at == at("2025-03-14T06:00:00")
    assert petition.review_due_on == date(2025, 5, 19)
    # Opened by the first signature the same morning: six months of collection.
    assert petition.collection_ends_at == at("2025-09-14T06:00:00")


def test_review_of_a_local_body_is_due_twenty_working_days_from_the_day_after(app, author):
    app.config.update(PETITION_RESTRICTED_SUPPORTERS=1)
    # Regional akimat of Akmola. From Friday 14 March 2025: March 17-20, 26-28, 31 (8);
    # April 1-4 (12), 7-11 (17), 14, 15, 16: Wednesday 16 April is the 20th.
    petition = _reach_threshold(author, at("2025-03-14T06:00:00"), "region_akimat", "110000000")
    assert petition.state == "under_review"
    assert petition.review_due_on == date(2025, 4, 16)


@pytest.mark.parametrize(
    ("reached", "due"),
    [
        # 20:00 UTC on Thursday 13 March is 01:00 on Friday 14 March in Kazakhstan: as above, 19 May.
        ("2025-03-13T20:00:00", date(2025, 5, 19)),
        # 18:30 UTC is still 23:30 on Thursday 13 March: Fri 14 (1), March 17-20, 26-28, 31 (9);
        # April (31); May 2, 5, 6, 8 (35), 12-16: Friday 16 May is the 40th.
        ("2025-03-13T18:30:00", date(2025, 5, 16)),
    ],
)
def test_the_review_deadline_counts_from_the_kazakhstan_day_not_the_utc_day(app, author, reached, due):
    app.config.update(PETITION_RESTRICTED_SUPPORTERS=1)
    petition = _reach_threshold(author, at(reached))
    assert petition.review_due_on == due
