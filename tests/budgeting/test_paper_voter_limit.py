"""The paper-ballot form's voter check is rate-limited per secretary (DAUYS_RATELIMIT_VOTER_CHECK): a run
of typed IINs is cut off with 429, and another secretary of the same meeting (behind the same address)
is still answered."""

from __future__ import annotations

import uuid

import pytest

from tests.budgeting.conftest import DISTRICT, VILLAGE_1, VILLAGE_2, user_of
from tests.budgeting.test_paper_voter_check import answer, check
from tests.conftest import make_app, wipe
from tests.petitions.test_pages import sign_in_page


@pytest.fixture
def app(database_url, instance_dir):
    prefix = f"dauys-test-{uuid.uuid4().hex[:8]}"
    app = make_app(database_url, RATELIMIT_ENABLED=True, RATELIMIT_VOTER_CHECK="3/minute", RATELIMIT_KEY_PREFIX=prefix)
    with app.app_context():
        yield app
    wipe(app)


def test_the_check_is_rate_limited_per_secretary(app, make_cycle, officials, resident):
    from auth import services
    from extensions import db

    cycle = make_cycle("voting")
    voter = resident(kato=VILLAGE_2)
    second = resident(kato=VILLAGE_1)  # another secretary of the same meeting
    services.grant_role(second.iin, "secretary", DISTRICT, cycle.voting_open)
    db.session.commit()
    user_of(second)
    client = app.test_client()
    sign_in_page(client, officials["secretary"])
    answers = [check(client, cycle, voter.iin) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert voter.iin not in answers[3].get_data(as_text=True)
    assert 0 < int(answers[3].headers["Retry-After"]) <= 60
    other = app.test_client()
    sign_in_page(other, second)
    assert answer(check(other, cycle, voter.iin))["status"] == "eligible"
