"""Screenings and paper ballots land in the audit log: who, what, when, from where; no IIN."""

from __future__ import annotations

import json

from tests.budgeting.conftest import VILLAGE_2
from tests.budgeting.test_ballots import ballot_cycle, secretary, vote_on_paper  # noqa: F401
from tests.petitions.test_audit_log import audit_rows


def test_screenings_and_a_paper_ballot_are_audited_without_the_voters_iin(app, ballot_cycle, resident, secretary):  # noqa: F811
    cycle, ids = ballot_cycle()
    voter = resident(kato=VILLAGE_2)

    assert vote_on_paper(secretary, cycle.id, voter.iin, [ids[1]]).status_code == 201

    screenings = audit_rows("proposal.screen")
    assert [(r.subject_type, int(r.subject_id)) for r in screenings] == [("proposal", i) for i in ids]
    # screened by the services in-process (no web request): the origin says so
    assert all(r.details["eligible"] is True and r.actor_user_id and r.origin == "cli" for r in screenings)
    (paper,) = audit_rows("ballot.paper")
    assert paper.actor_user_id is not None and paper.origin == "127.0.0.1"
    assert paper.details["cycle"] == cycle.id and paper.details["receipt"]
    row = json.dumps({c: str(getattr(paper, c)) for c in ("actor", "subject_id", "details", "origin")})
    assert voter.iin not in row and secretary.citizen.iin not in row
