"""A proposal's submission and a ballot compare what they sign with what the server expects
exactly, JSON type and all (tests/petitions/test_signed_types.py: why, and the petitions' side)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from tests.budgeting.conftest import (
    VILLAGE_1,
    VILLAGE_2,
    eligible_projects,
    move_to,
    proposal_body,
    user_of,
)
from tests.petitions.conftest import Actor
from tests.petitions.test_signed_types import count, doc_spellings, id_spellings, purpose_spellings, signed, unlike

# --- proposal.submit ---------------------------------------------------------------------------


def test_a_proposal_submission_for_the_document_in_other_json_types_is_refused(app, client, make_cycle, resident):
    from budgeting import services
    from budgeting.models import Proposal
    from extensions import db

    cycle = make_cycle("proposals")
    author_citizen = resident(kato=VILLAGE_1)
    proposal = services.create_proposal(cycle, user_of(author_citizen), proposal_body(), datetime.now(UTC))
    db.session.commit()
    assert proposal.id == 1
    author = Actor(client, author_citizen)
    doc, url = proposal.signed_doc(), f"/api/v1/budget/proposals/{proposal.id}/submit"

    tokens = [signed(author_citizen, "proposal.submit", wrong) for wrong in doc_spellings(doc)]
    tokens += [signed(author_citizen, "proposal.submit", doc, spelled) for spelled in purpose_spellings("proposal.submit")]
    answers = [author.post(url, {"jws": token}) for token in tokens]

    assert unlike(answers, "digest_mismatch") == []
    db.session.rollback()
    stored = db.session.get(Proposal, proposal.id)
    assert (stored.state, stored.submit_jws, stored.submitted_at) == ("draft", None, None)
    assert author.post(url, {"jws": signed(author_citizen, "proposal.submit", doc)}).status_code == 200


# --- ballot.cast ---------------------------------------------------------------------------------


def ballot_with(citizen, ballot: object, purpose: object = "ballot.cast") -> str:
    return citizen.jws({"purpose": purpose, "iat": int(time.time()), "ballot": ballot})


@pytest.fixture
def first_cycle(make_cycle, resident, officials):
    cycle = make_cycle("proposals")
    assert cycle.id == 1
    ids = eligible_projects(cycle, resident(kato=VILLAGE_1), officials["officer"], [200_000, 300_000])
    move_to(cycle, "voting")
    return cycle.id, ids


def test_a_ballot_for_the_cycle_in_other_json_types_is_refused(app, client, first_cycle, resident):
    from budgeting.models import Ballot

    cycle_id, ids = first_cycle
    voter = resident(kato=VILLAGE_2)
    url = f"/api/v1/budget/cycles/{cycle_id}/ballots"

    wrong = [{"cycle": spelling, "projects": [ids[0]]} for spelling in id_spellings(cycle_id)]
    tokens = [ballot_with(voter, ballot) for ballot in wrong]
    tokens += [ballot_with(voter, [{"cycle": cycle_id, "projects": [ids[0]]}])]
    tokens += [ballot_with(voter, {"cycle": cycle_id, "projects": [ids[0]]}, spelled) for spelled in purpose_spellings("ballot.cast")]
    answers = [client.post(url, json={"jws": token}) for token in tokens]

    assert unlike(answers, "digest_mismatch") == []
    assert count(Ballot) == 0
    assert client.post(url, json={"jws": ballot_with(voter, {"cycle": cycle_id, "projects": [ids[0]]})}).status_code == 201


def test_a_ballot_whose_choices_are_not_json_integers_is_refused(app, client, first_cycle, resident):
    from budgeting.models import Ballot

    cycle_id, ids = first_cycle
    voter = resident(kato=VILLAGE_2)
    url = f"/api/v1/budget/cycles/{cycle_id}/ballots"
    assert ids[0] == 1

    choices = [[True], [1.0], ["1"], [[1]], [{"id": 1}], [1.0, ids[1]], "1", 1, {"1": True}]
    answers = [client.post(url, json={"jws": ballot_with(voter, {"cycle": cycle_id, "projects": c})}) for c in choices]

    assert unlike(answers, "validation_error") == []
    assert count(Ballot) == 0
    assert client.post(url, json={"jws": ballot_with(voter, {"cycle": cycle_id, "projects": [1]})}).status_code == 201
