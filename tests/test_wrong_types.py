"""Every field of every JSON endpoint is read by its type before it is used: a wrong-typed value
(an array, an object, a boolean, a number where text is wanted, text or a boolean where a number
is, a list of the wrong elements; `true` is no number though Python's True is an int) is 422
validation_error naming the field, never a 5xx and never a write, whoever sends it. Each endpoint
is called as the person it serves, on a document in the state it acts on, with an otherwise valid
body, so the wrong value is the one thing that can be refused."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.budgeting import conftest as budget_fixtures
from tests.budgeting.conftest import (
    DISTRICT,
    VILLAGE_1,
    VILLAGE_2,
    ballot_jws,
    eligible_projects,
    implementation_jws,
    move_to,
    paper_jws,
    proposal_body,
    screen_jws,
    submit_jws,
    user_of,
)
from tests.conftest import ANSWER_TEXT, answer_fields
from tests.petitions.conftest import BODY, Actor
from tests.petitions.test_transitions import make_petition

ASTANA = "710000000"
make_cycle = budget_fixtures.make_cycle  # the budget package's fixture, for the budget endpoints

TEXT = [[], {}, [1], ["x"], {"a": "b"}, True, False, 0, 1, -1, 1.5, 2**53]
BOOLEAN = [1, 0, "true", "false", "", "yes", [], {}, [True], 1.0]
INTEGER = ["1", "1000", "x", "", True, False, 1.5, 1000.0, [], [1000], {}, {"a": 1}]
INTEGERS = [[True], [False], ["1"], [1.5], [[1]], [None], [{}], {}, 1, "1", True, "[1]"]
WRONG = {str: TEXT, bool: BOOLEAN, int: INTEGER, list: INTEGERS}
NOT_AN_OBJECT = [[], [{}], "x", 1, True, None]


@dataclass
class Endpoint:
    method: str
    path: str
    body: dict
    fields: dict[str, type]  # each member and the JSON type it must have (list: of whole numbers)
    headers: dict = field(default_factory=dict)


def _official(client, make_citizen, kato: str, role: str, scope: str | None, body: str | None = None) -> Actor:
    from auth import services
    from extensions import db

    citizen = make_citizen(kato=kato)
    services.grant_role(citizen.iin, role, scope, datetime.now(UTC), body=body)
    db.session.commit()
    return Actor(client, citizen)


def _petition(state: str, author_iin: str, **overrides) -> dict:
    petition = make_petition(state, author_iin, datetime.now(UTC), **overrides)
    return {"id": petition.id, "doc": petition.signed_doc()}


def _sign(citizen, purpose: str, doc: dict, usage: str = "sign") -> str:
    return citizen.jws({"purpose": purpose, "iat": int(time.time()), "doc": doc}, usage=usage)


# --- each endpoint, set up as the person it serves --------------------------------------


def create_petition(client, make_citizen, make_cycle) -> Endpoint:
    author = Actor(client, make_citizen(kato=ASTANA))
    body = {"title": "Ауыл көшесін жөндеу керек", "body": BODY, "language": "kk", "addressee": "government"}
    fields = {"title": str, "body": str, "language": str, "addressee": str, "territory": str}
    return Endpoint("POST", "/api/v1/petitions", body, fields, author.auth)


def edit_petition(client, make_citizen, make_cycle) -> Endpoint:
    author = Actor(client, make_citizen(kato=ASTANA))
    draft = _petition("draft", author.citizen.iin)
    body = {"title": "Ауыл көшесін жөндеу керек!", "body": BODY, "language": "ru"}
    return Endpoint("PATCH", f"/api/v1/petitions/{draft['id']}", body, {"title": str, "body": str, "language": str},
                    author.auth)


def submit_petition(client, make_citizen, make_cycle) -> Endpoint:
    author = Actor(client, make_citizen(kato=ASTANA))
    draft = _petition("draft", author.citizen.iin)
    body = {"jws": _sign(author.citizen, "petition.submit", draft["doc"])}
    return Endpoint("POST", f"/api/v1/petitions/{draft['id']}/submit", body, {"jws": str}, author.auth)


def _moderation(client, make_citizen, decision: str) -> Endpoint:
    moderator = _official(client, make_citizen, ASTANA, "moderator", None)
    petition = _petition("moderation", make_citizen(kato=ASTANA).iin)
    fields = {"reason": "duplicate", "comment": "Мұндай петиция бұрын жарияланған."} if decision == "reject" else {}
    body = {"jws": moderator.citizen.act("petition.moderate", petition["doc"], decision=decision, **fields)}
    return Endpoint("POST", f"/api/v1/petitions/{petition['id']}/moderation", body, {"jws": str}, moderator.auth)


def moderate_reject(client, make_citizen, make_cycle) -> Endpoint:
    return _moderation(client, make_citizen, "reject")


def moderate_approve(client, make_citizen, make_cycle) -> Endpoint:
    return _moderation(client, make_citizen, "approve")


def sign_petition(client, make_citizen, make_cycle) -> Endpoint:
    petition = _petition("open", make_citizen(kato=ASTANA).iin)
    body = {"jws": _sign(make_citizen(kato=VILLAGE_2), "petition.sign", petition["doc"]), "notify": True}
    return Endpoint("POST", f"/api/v1/petitions/{petition['id']}/signatures", body, {"jws": str, "notify": bool})


def _review(client, make_citizen, purpose: str, fields: dict, state: str = "under_review", **owed) -> Endpoint:
    reviewer = _official(client, make_citizen, ASTANA, "reviewer", "government")
    petition = _petition(state, make_citizen(kato=ASTANA).iin, **owed)
    body = {"jws": reviewer.citizen.act(purpose, petition["doc"], **fields)}
    return Endpoint("POST", f"/api/v1/petitions/{petition['id']}/review", body, {"jws": str}, reviewer.auth)


def review_discussion(client, make_citizen, make_cycle) -> Endpoint:
    at = datetime.now(UTC).replace(microsecond=0).replace(year=datetime.now(UTC).year + 1).isoformat()
    return _review(client, make_citizen, "petition.discussion", {"at": at, "place": "Әкімдік, мәжіліс залы"})


def review_answer(client, make_citizen, make_cycle) -> Endpoint:
    return _review(client, make_citizen, "petition.answer", answer_fields("supported"))


def review_follow_up(client, make_citizen, make_cycle) -> Endpoint:
    owed = {"contested_at": datetime.now(UTC), "follow_up_due_on": date.today() + timedelta(days=28)}
    return _review(client, make_citizen, "petition.follow_up", {"text": ANSWER_TEXT}, "answered", **owed)


def review_report(client, make_citizen, make_cycle) -> Endpoint:
    return _review(client, make_citizen, "petition.report", {"text": "Уәде етілгеннің бәрі орындалды.", "measures": []},
                   "answered", report_due_on=date.today() + timedelta(days=90))


def rate_answer(client, make_citizen, make_cycle) -> Endpoint:
    author = make_citizen(kato=ASTANA)
    petition = _petition("answered", author.iin, rating_closes_on=date.today() + timedelta(days=30))
    payload = {"purpose": "petition.rate", "iat": int(time.time()), "doc": petition["doc"], "rating": 2,
               "reasons": ["formal"]}
    return Endpoint("POST", f"/api/v1/petitions/{petition['id']}/ratings", {"jws": author.jws(payload)}, {"jws": str})


def auth_token(client, make_citizen, make_cycle) -> Endpoint:
    citizen = make_citizen()
    nonce = client.post("/api/v1/auth/challenge").get_json()["nonce"]  # used up only by a sign-in that succeeds
    body = {"jws": citizen.jws({"purpose": "auth", "nonce": nonce, "iat": int(time.time())}, usage="auth")}
    return Endpoint("POST", "/api/v1/auth/token", body, {"jws": str})


def create_proposal(client, make_citizen, make_cycle) -> Endpoint:
    cycle = make_cycle("proposals")
    author = Actor(client, make_citizen(kato=VILLAGE_1))
    fields = {"title": str, "description": str, "category": str, "settlement": str, "cost": int, "petition": int}
    return Endpoint("POST", f"/api/v1/budget/cycles/{cycle.id}/proposals", proposal_body(), fields, author.auth)


def _draft_proposal(make_citizen, make_cycle):
    from budgeting import services
    from extensions import db

    cycle = make_cycle("proposals")
    author = make_citizen(kato=VILLAGE_1)
    proposal = services.create_proposal(cycle, user_of(author), proposal_body(), datetime.now(UTC))
    db.session.commit()
    return cycle, author, proposal


def submit_proposal(client, make_citizen, make_cycle) -> Endpoint:
    _cycle, author, proposal = _draft_proposal(make_citizen, make_cycle)
    body = {"jws": submit_jws(author, proposal.signed_doc())}
    return Endpoint("POST", f"/api/v1/budget/proposals/{proposal.id}/submit", body, {"jws": str},
                    Actor(client, author).auth)


def _screening(client, make_citizen, make_cycle, decision: dict) -> Endpoint:
    """The decision is the signed act's (its members' types: tests/budgeting/test_signed_acts.py); the body is `{jws}`."""
    from budgeting import services
    from extensions import db

    _cycle, author, proposal = _draft_proposal(make_citizen, make_cycle)
    services.submit_proposal(proposal, user_of(author), submit_jws(author, proposal.signed_doc()), datetime.now(UTC))
    db.session.commit()
    officer = _official(client, make_citizen, DISTRICT, "budget_officer", DISTRICT)
    body = {"jws": screen_jws(officer.citizen, proposal.signed_doc(), **decision)}
    return Endpoint("POST", f"/api/v1/budget/proposals/{proposal.id}/screening", body, {"jws": str}, officer.auth)


def screen_eligible(client, make_citizen, make_cycle) -> Endpoint:
    return _screening(client, make_citizen, make_cycle, {"eligible": True, "cost": 250_000})


def screen_ineligible(client, make_citizen, make_cycle) -> Endpoint:
    return _screening(client, make_citizen, make_cycle, {"eligible": False, "reason": "Аудан бюджетінің ісі."})


def _voting_cycle(client, make_citizen, make_cycle):
    cycle = make_cycle("proposals")
    officer = make_citizen(kato=DISTRICT)
    from auth import services
    from extensions import db

    services.grant_role(officer.iin, "budget_officer", DISTRICT, datetime.now(UTC))
    db.session.commit()
    ids = eligible_projects(cycle, make_citizen(kato=VILLAGE_1), officer, [300_000, 200_000])
    move_to(cycle, "voting")
    return cycle, ids, officer


def _digest(proposal_id: int) -> str:
    from budgeting.models import Proposal
    from extensions import db

    return db.session.get(Proposal, proposal_id).digest


def implementation(client, make_citizen, make_cycle) -> Endpoint:
    from extensions import db

    cycle, ids, officer = _voting_cycle(client, make_citizen, make_cycle)
    move_to(cycle, "counting")
    cycle.result = {"rule": "greedy", "amount": cycle.amount, "ballots": 1, "funded": [ids[0]], "not_funded": [],
                    "votes": {str(ids[0]): 1}, "pb_sha256": "0" * 64}
    db.session.commit()
    body = {"jws": implementation_jws(officer, {"type": "proposal", "id": ids[0], "digest": _digest(ids[0])}, "in_progress", 1000)}
    return Endpoint("POST", f"/api/v1/budget/proposals/{ids[0]}/implementation", body, {"jws": str},
                    Actor(client, officer).auth)


def cast_ballot(client, make_citizen, make_cycle) -> Endpoint:
    cycle, ids, _officer = _voting_cycle(client, make_citizen, make_cycle)
    body = {"jws": ballot_jws(make_citizen(kato=VILLAGE_2), cycle.id, ids), "notify": True}
    return Endpoint("POST", f"/api/v1/budget/cycles/{cycle.id}/ballots", body, {"jws": str, "notify": bool})


def paper_ballot(client, make_citizen, make_cycle) -> Endpoint:
    cycle, ids, _officer = _voting_cycle(client, make_citizen, make_cycle)
    secretary = _official(client, make_citizen, VILLAGE_1, "secretary", DISTRICT)
    voter = make_citizen(kato=VILLAGE_2)
    body = {"jws": paper_jws(secretary.citizen, cycle.id, voter.iin, ids)}
    return Endpoint("POST", f"/api/v1/budget/cycles/{cycle.id}/paper-ballots", body, {"jws": str}, secretary.auth)


ENDPOINTS = [
    create_petition, edit_petition, submit_petition, moderate_reject, moderate_approve, sign_petition,
    review_discussion, review_answer, review_follow_up, review_report, rate_answer, auth_token, create_proposal, submit_proposal, screen_eligible,
    screen_ineligible, implementation, cast_ballot, paper_ballot,
]


def rows_everywhere() -> dict[str, int]:
    from extensions import db
    from workers.queues import wait_for_inprocess

    db.session.rollback()
    wait_for_inprocess()  # what the set-up started (a sign-in's welcome) is done before counting
    counts = {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}
    db.session.rollback()  # SQLite: hold no lock while a request or a job writes
    return counts


def _refusals(client, endpoint: Endpoint) -> list[str]:
    """What went wrong, one line per wrong-typed value that was not a 422 naming its field."""
    wrong = []
    cases = [("body", value, value) for value in NOT_AN_OBJECT]
    for name, kind in endpoint.fields.items():
        for value in WRONG[kind]:
            cases.append((name, value, {**endpoint.body, name: value}))
    for name, value, body in cases:
        response = client.open(endpoint.path, method=endpoint.method, json=body, headers=endpoint.headers)
        error = (response.get_json(silent=True) or {}).get("error") or {}
        if response.status_code != 422 or error.get("code") != "validation_error" or name not in (error.get("fields") or {}):
            wrong.append(f"{name}={value!r}: {response.status_code} {error.get('code')} {sorted(error.get('fields') or {})}")
    return wrong


@pytest.mark.parametrize("setup", ENDPOINTS, ids=[f.__name__ for f in ENDPOINTS])
def test_every_wrong_typed_field_is_a_field_error_that_writes_nothing(app, client, make_citizen, make_cycle, setup):
    endpoint = setup(client, make_citizen, make_cycle)
    before = rows_everywhere()

    assert _refusals(client, endpoint) == []
    assert rows_everywhere() == before


@pytest.mark.parametrize("setup", ENDPOINTS, ids=[f.__name__ for f in ENDPOINTS])
def test_the_same_body_with_the_right_types_is_accepted(app, client, make_citizen, make_cycle, setup):
    """The battery's bodies are valid but for the one wrong value: the refusals above are the types'."""
    endpoint = setup(client, make_citizen, make_cycle)
    response = client.open(endpoint.path, method=endpoint.method, json=endpoint.body, headers=endpoint.headers)
    assert response.status_code in (200, 201), response.get_json()


def test_a_ballot_signed_for_cycle_true_is_not_a_ballot_for_cycle_1(app, client, make_citizen, make_cycle):
    """Inside a signed payload too, `true` is not the number 1."""
    cycle, ids, _officer = _voting_cycle(client, make_citizen, make_cycle)
    assert cycle.id == 1  # a fresh database: the one id `true` equals in Python
    voter = make_citizen(kato=VILLAGE_2)
    payload = {"purpose": "ballot.cast", "iat": int(time.time()), "ballot": {"cycle": True, "projects": ids}}
    before = rows_everywhere()

    response = client.post(f"/api/v1/budget/cycles/{cycle.id}/ballots", json={"jws": voter.jws(payload)})

    assert response.status_code == 400 and response.get_json()["error"]["code"] == "digest_mismatch"
    assert rows_everywhere() == before

