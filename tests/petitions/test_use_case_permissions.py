"""Each official petition act checks its actor itself, called directly (no page, no endpoint, no decorator):
a citizen, an official of another role, an official of another body (or a grant of the wrong shape) are
refused with `forbidden` and leave nothing written; the right official's act goes through."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from kernel.errors import DomainError
from kernel.kazakhstan_time import local_date
from tests.conftest import answer_fields
from tests.petitions.test_transitions import make_petition, snapshot

ASTANA = "710000000"
ALMATY = "750000000"
DISTRICT = "113243000"


@pytest.fixture
def people(app, make_citizen):
    """Accounts by name: each holds the grants listed (role, scope, body), written as rows."""
    from auth.models import RoleGrant
    from auth.services import account_for
    from extensions import db

    now = datetime.now(UTC)
    grants = {
        "author": (),
        "citizen": (),
        "moderator": (("moderator", None, None),),
        "admin": (("admin", None, None),),
        "budget_officer": (("budget_officer", DISTRICT, None),),
        "government_reviewer": (("reviewer", "government", None),),
        "akimat_reviewer": (("reviewer", ASTANA, "city_akimat"),),
        "maslikhat_reviewer": (("reviewer", ASTANA, "city_maslikhat"),),
        "almaty_maslikhat_reviewer": (("reviewer", ALMATY, "city_maslikhat"),),
        # grants of a shape the role never takes serve nothing: a moderator for one city, a
        # reviewer of a KATO without a body, a reviewer of every body
        "city_moderator": (("moderator", ASTANA, None),),
        "bodiless_reviewer": (("reviewer", ASTANA, None),),
        "wildcard_reviewer": (("reviewer", None, None),),
    }
    users = People()
    for name, held in grants.items():
        citizen = make_citizen(kato=ASTANA)
        for role, scope, body in held:
            db.session.add(RoleGrant(iin=citizen.iin, role=role, scope=scope, body=body, granted_at=now))
        users[name] = account_for(citizen.iin, now)
        users.citizens[name] = citizen
    db.session.commit()
    return users


class People(dict):
    """Accounts by name; `citizens` holds their keys. `act` is the act each would sign: with their
    official certificate when their grant can have one, else with what they hold (their SIGN key)."""

    def __init__(self):
        super().__init__()
        self.citizens = {}

    def act(self, name: str, purpose: str, petition, **fields) -> str:
        citizen, doc = self.citizens[name], petition.signed_doc()
        try:
            return citizen.act(purpose, doc, **fields)
        except DomainError:  # no grant of a shape an official certificate is issued for
            return citizen.jws({"purpose": purpose, "iat": int(time.time()), "doc": doc, **fields})


def audit_entries() -> int:
    from audit.models import AuditEntry
    from extensions import db

    return db.session.scalar(select(func.count(AuditEntry.id)))


def refused_and_untouched(act, petition_id: int) -> None:
    before, logged = snapshot(petition_id), audit_entries()
    with pytest.raises(DomainError) as refused:
        act()
    assert refused.value.code == "forbidden" and refused.value.status == 403
    from extensions import db

    db.session.rollback()
    assert snapshot(petition_id) == before and audit_entries() == logged


def test_only_a_moderator_moderates(app, people):
    from petitions import services

    now = datetime.now(UTC)
    petition = make_petition("moderation", people["author"].iin, now)

    def moderate(name, decision="approve"):
        fields = {"reason": "duplicate", "comment": "Бұндай петиция бар"} if decision == "reject" else {}
        jws = people.act(name, "petition.moderate", petition, decision=decision, **fields)
        return lambda: services.moderate(petition, people[name], jws, now)

    for name in ("citizen", "admin", "government_reviewer", "budget_officer", "city_moderator"):
        for decision in ("approve", "reject"):
            refused_and_untouched(moderate(name, decision), petition.id)
    moderate("moderator")()
    assert petition.state == "restricted"


@pytest.mark.parametrize("act", ["schedule_discussion", "answer"])
def test_only_a_reviewer_of_exactly_the_petitions_body_reviews_it(app, people, act):
    from petitions import services

    now = datetime.now(UTC)
    petition = make_petition("under_review", people["author"].iin, now, addressee="city_maslikhat", territory=ASTANA)

    def review(name):
        if act == "schedule_discussion":
            jws = people.act(name, "petition.discussion", petition, at=(now + timedelta(days=7)).isoformat(),
                             place="Астана, мәслихат үйі")
            return lambda: services.schedule_discussion(petition, people[name], jws, now)
        jws = people.act(name, "petition.answer", petition, **answer_fields("partly_supported", local_date(now)))
        return lambda: services.answer(petition, people[name], jws, now)

    for name in (
        "citizen", "moderator", "admin", "budget_officer",  # another role
        "akimat_reviewer", "almaty_maslikhat_reviewer", "government_reviewer",  # another body
        "bodiless_reviewer", "wildcard_reviewer",  # a grant of the wrong shape
    ):
        refused_and_untouched(review(name), petition.id)
    review("maslikhat_reviewer")()
    if act == "schedule_discussion":
        assert petition.discussion_place == "Астана, мәслихат үйі"
    else:
        assert petition.state == "answered"


def test_the_governments_reviewer_answers_only_the_government(app, people):
    from petitions import services

    now = datetime.now(UTC)
    petition = make_petition("under_review", people["author"].iin, now)
    def answer(name):
        jws = people.act(name, "petition.answer", petition, **answer_fields("not_supported"))
        return lambda: services.answer(petition, people[name], jws, now)

    for name in ("akimat_reviewer", "maslikhat_reviewer", "moderator"):
        refused_and_untouched(answer(name), petition.id)
    answer("government_reviewer")()
    assert petition.state == "answered"
