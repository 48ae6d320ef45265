"""An outside client using only API.md runs a village budget from creation to a result anyone can recount.

The recount uses pabutools (a test-only oracle, GPL, never a runtime dependency) on the published `.pb` file.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.budgeting.conftest import DISTRICT, VILLAGE_1, VILLAGE_2, move_to, paper_jws, proposal_body, screen_via_api

# (title, estimated cost, checked cost or None to keep the estimate, village); amounts kept small so the
# oracle's 1-tenge Add1 steps are quick.
ITEMS = {
    "A": ("Мектеп жанындағы жаяу жүргінші жолы", 45_000, 50_000, VILLAGE_2),
    "B": ("Орталық саябаққа орындықтар", 40_000, None, VILLAGE_2),
    "C": ("Клуб шатырын жөндеу", 30_000, None, VILLAGE_2),
    "D": ("Домбыралы ауылына су құбыры", 20_000, None, VILLAGE_1),
    "E": ("Домбыралы балалар алаңы", 15_000, None, VILLAGE_1),
}
# Six voters of the big village want A and B; three of the small one want D and E.
BALLOTS = [("A", "B")] * 5 + [("A", "C"), ("D", "E"), ("D", "E"), ("D",)]
AMOUNT = 100_000
EXPECTED = {"greedy": {"A", "B"}, "mes": {"A", "D", "E"}}  # MES with Add1 is fair to the small village


def cli(app, *args: str):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output.strip()


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def recount(pb_path, rule: str) -> set[str]:
    """The funded projects by pabutools: greedy by votes, or MES (cost satisfaction) with Add1 completion."""
    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

    instance, profile = parse_pabulib(str(pb_path))
    if rule == "greedy":
        # with cost satisfaction, welfare per tenge is the number of approvals: most votes first
        allocation = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
    else:
        allocation = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, voter_budget_increment=1)
    return {project.name for project in allocation}


@pytest.mark.parametrize("rule", ["greedy", "mes"])
def test_a_budget_cycle_runs_over_the_api_and_its_ballot_file_recounts_to_the_result(
    app, client, resident, actor, tmp_path, rule
):
    from pabutools.election import parse_pabulib

    from budgeting.jobs import tick
    from budgeting.models import BudgetCycle
    from extensions import db

    now = datetime.now(UTC)
    officer, secretary = resident(kato=DISTRICT), resident(kato=VILLAGE_1)
    cli(app, "roles", "grant", "--iin", officer.iin, "--role", "budget_officer", "--scope", DISTRICT)
    cli(app, "roles", "grant", "--iin", secretary.iin, "--role", "secretary", "--scope", DISTRICT)

    # 1. The akimat's operator creates the cycle: proposals open now.
    cycle_id = int(cli(
        app, "budget", "create-cycle", "--kato", DISTRICT, "--year", "2027", "--amount", str(AMOUNT),
        "--ballot", "approval", "--rule", rule,
        "--proposals-open", iso(now - timedelta(hours=1)), "--proposals-close", iso(now + timedelta(days=1)),
        "--voting-open", iso(now + timedelta(days=2)), "--voting-close", iso(now + timedelta(days=3)),
    ))
    cycle = client.get(f"/api/v1/budget/cycles/{cycle_id}").get_json()
    assert (cycle["phase"], cycle["amount"], cycle["ballot"], cycle["rule"]) == ("proposals", AMOUNT, "approval", rule)

    def set_phase(phase: str) -> None:
        move_to(db.session.get(BudgetCycle, cycle_id), phase)
        assert client.get(f"/api/v1/budget/cycles/{cycle_id}").get_json()["phase"] == phase

    # 2. Residents propose and sign their proposals with the SIGN key.
    proposers = {VILLAGE_1: actor(resident(kato=VILLAGE_1)), VILLAGE_2: actor(resident(kato=VILLAGE_2))}
    ids: dict[str, int] = {}
    for label, (title, cost, _checked, village) in {**ITEMS, "F": ("Аудан орталығына жол", 90_000, None, VILLAGE_2)}.items():
        author = proposers[village]
        draft = author.post(f"/api/v1/budget/cycles/{cycle_id}/proposals", proposal_body(title=title, cost=cost, settlement=village))
        assert draft.status_code == 201, draft.get_json()
        proposal = draft.get_json()
        doc = {"type": "proposal", "id": proposal["id"], "digest": proposal["digest"]}
        jws = author.citizen.jws({"purpose": "proposal.submit", "iat": int(time.time()), "doc": doc})
        submitted = author.post(f"/api/v1/budget/proposals/{proposal['id']}/submit", {"jws": jws})
        assert submitted.status_code == 200, submitted.get_json()
        ids[label] = proposal["id"]
    label_of = {str(pid): label for label, pid in ids.items()}

    # 3. The budget officer screens: costs checked, one item out of the rural district's remit.
    set_phase("screening")
    officer_api = actor(officer)
    for label, (_title, _cost, checked, _village) in ITEMS.items():
        screened = screen_via_api(officer_api, officer, ids[label], True, cost=checked)
        assert screened.status_code == 200 and screened.get_json()["state"] == "eligible", screened.get_json()
    refused = screen_via_api(officer_api, officer, ids["F"], False, reason="Аудан бюджетінің ісі")
    assert refused.get_json()["state"] == "ineligible"
    assert [act["purpose"] for act in refused.get_json()["acts"]] == ["proposal.screen"]

    # 4. Residents vote: online with the SIGN key, or on paper at the community meeting.
    set_phase("voting")
    projects = {p["id"]: p for p in client.get(f"/api/v1/budget/cycles/{cycle_id}").get_json()["projects"]}
    assert projects[ids["A"]]["checked_cost"] == 50_000 and projects[ids["F"]]["state"] == "ineligible"
    secretary_api = actor(secretary)
    voters = []
    for index, choice in enumerate(BALLOTS):
        voter = resident(kato=VILLAGE_2 if "A" in choice else VILLAGE_1)
        voters.append(voter)
        chosen = sorted(ids[label] for label in choice)
        if index % 3 == 1:
            response = secretary_api.post(f"/api/v1/budget/cycles/{cycle_id}/paper-ballots",
                                          {"jws": paper_jws(secretary, cycle_id, voter.iin, chosen)})
        else:
            jws = voter.jws({"purpose": "ballot.cast", "iat": int(time.time()), "ballot": {"cycle": cycle_id, "projects": chosen}})
            response = client.post(f"/api/v1/budget/cycles/{cycle_id}/ballots", json={"jws": jws})
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["receipt"]
    twice = secretary_api.post(f"/api/v1/budget/cycles/{cycle_id}/paper-ballots",
                               {"jws": paper_jws(secretary, cycle_id, voters[0].iin, [ids["C"]])})
    assert (twice.status_code, twice.get_json()["error"]["code"]) == (409, "already_voted")
    assert client.get(f"/api/v1/budget/cycles/{cycle_id}").get_json()["ballots"] == len(BALLOTS)

    # 5. Voting closes; the scheduled tick counts.
    set_phase("counting")
    early = client.get(f"/api/v1/budget/cycles/{cycle_id}/results")
    assert (early.status_code, early.get_json()["error"]["code"]) == (409, "wrong_state")
    assert client.get(f"/api/v1/budget/cycles/{cycle_id}/ballots.pb").status_code == 409
    db.session.rollback()
    assert tick()["tallied"] == 1
    db.session.rollback()
    assert client.get(f"/api/v1/budget/cycles/{cycle_id}").get_json()["phase"] == "results"

    # 6. The published result, and the frozen ballot file anyone can download and check.
    results = client.get(f"/api/v1/budget/cycles/{cycle_id}/results")
    assert results.status_code == 200
    result = results.get_json()
    funded = {label_of[str(pid)] for pid in result["funded"]}
    assert result["rule"] == rule
    assert funded == EXPECTED[rule]
    assert {label_of[str(item["id"])] for item in result["not_funded"]} == set(ITEMS) - funded
    assert all(item["reason"] for item in result["not_funded"])

    pb = client.get(f"/api/v1/budget/cycles/{cycle_id}/ballots.pb")
    assert pb.status_code == 200
    assert hashlib.sha256(pb.data).hexdigest() == result["pb_sha256"] == pb.headers["X-Content-SHA256"]
    text = pb.get_data(as_text=True)
    assert not any(person.iin in text for person in voters + [secretary, officer])
    path = tmp_path / "ballots.pb"
    path.write_bytes(pb.data)

    # 7. The recount with an independent implementation gives the published funded set, for both rules.
    instance, profile = parse_pabulib(str(path))
    assert instance.budget_limit == AMOUNT
    assert profile.num_ballots() == len(BALLOTS)
    assert {p.name for p in instance} == {str(ids[label]) for label in ITEMS}
    assert {label_of[name] for name in recount(path, rule)} == funded
    other = "mes" if rule == "greedy" else "greedy"
    assert {label_of[name] for name in recount(path, other)} == EXPECTED[other]
    if rule == "mes":
        assert {label_of[str(pid)] for pid in result["greedy_funded"]} == EXPECTED["greedy"]
