"""Budget pages with the Flask test client: who may see and do what, phases gating pages, each form's one service call."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.budgeting.conftest import (
    DISTRICT,
    OTHER_DISTRICT,
    OTHER_VILLAGE,
    VILLAGE_1,
    VILLAGE_2,
    eligible_projects,
    implementation_jws,
    move_to,
    paper_jws,
    screen_jws,
    submit_jws,
)
from tests.petitions.test_pages import sign_in_page, sign_out_page


def text(response) -> str:
    return response.get_data(as_text=True)


def proposal(proposal_id: int):
    from budgeting.models import Proposal
    from extensions import db

    db.session.expire_all()
    return db.session.get(Proposal, proposal_id)


@pytest.fixture
def cycle(make_cycle):
    return make_cycle("proposals")


def test_public_pages_show_cycles_rules_and_timeline(client, cycle):
    listing = text(client.get("/budget?lang=en"))
    assert "Кеңес ауылдық округі" in listing and "1,000,000" in listing and "Proposals" in listing
    page = client.get(f"/budget/{cycle.id}?lang=en")
    assert page.status_code == 200
    body = text(page)
    assert "Approval ballot" in body and "Greedy" in body
    assert body.count('<li class="step') == 5
    assert re.search(r'step-current" aria-current="step">\s*<span class="step-label">Proposals', body)
    assert f"/budget/{cycle.id}/propose" in body and f"/budget/{cycle.id}/vote" not in body
    assert 'id="follow"' not in body  # only for signed-in residents
    assert client.get("/budget/999999").status_code == 404


def test_official_pages_refuse_strangers_residents_and_other_districts(client, make_cycle, officials, resident):
    cycle = make_cycle("voting")
    paths = (f"/budget/{cycle.id}/screening", f"/budget/{cycle.id}/paper", "/budget/new")
    for path in paths:  # anonymous: to the sign-in page, and back here after it
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == f"/login?next={path}", path
    sign_in_page(client, resident(kato=VILLAGE_1))
    for path in paths:
        assert client.get(path).status_code == 403, path
    sign_out_page(client)
    sign_in_page(client, officials["other_officer"])
    assert client.get(f"/budget/{cycle.id}/screening").status_code == 403
    assert client.get("/budget/new").status_code == 200  # for their own district
    sign_out_page(client)
    sign_in_page(client, officials["other_secretary"])
    assert client.get(f"/budget/{cycle.id}/paper").status_code == 403
    sign_out_page(client)
    sign_in_page(client, officials["officer"])
    assert client.get(f"/budget/{cycle.id}/screening").status_code == 200
    assert client.get(f"/budget/{cycle.id}/paper").status_code == 403  # the secretary's job
    sign_out_page(client)
    sign_in_page(client, officials["secretary"])
    assert client.get(f"/budget/{cycle.id}/paper").status_code == 200
    assert client.get(f"/budget/{cycle.id}/screening").status_code == 403


def test_phases_gate_the_propose_vote_paper_and_results_pages(client, make_cycle, officials, resident):
    cycle = make_cycle("scheduled")
    sign_in_page(client, resident(kato=VILLAGE_1))
    assert client.get(f"/budget/{cycle.id}/propose").status_code == 409
    assert client.get(f"/budget/{cycle.id}/vote").status_code == 409
    assert client.get(f"/budget/{cycle.id}/results").status_code == 409
    move_to(cycle, "proposals")
    assert client.get(f"/budget/{cycle.id}/propose").status_code == 200
    assert client.get(f"/budget/{cycle.id}/vote").status_code == 409
    move_to(cycle, "voting")
    assert client.get(f"/budget/{cycle.id}/propose").status_code == 409
    assert client.get(f"/budget/{cycle.id}/vote").status_code == 200
    move_to(cycle, "counting")
    assert client.get(f"/budget/{cycle.id}/vote").status_code == 409
    sign_out_page(client)
    sign_in_page(client, officials["secretary"])
    assert client.get(f"/budget/{cycle.id}/paper").status_code == 409


def test_propose_page_needs_sign_in(client, cycle):
    response = client.get(f"/budget/{cycle.id}/propose")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_resident_proposes_then_signs_and_submits(client, cycle, resident):
    author = resident(kato=VILLAGE_2)
    sign_in_page(client, author)
    form = text(client.get(f"/budget/{cycle.id}/propose?lang=en"))
    assert "Street lighting" in form and "Домбыралы ауылы" in form and "Кеңес ауылы" in form
    refused = client.post(f"/budget/{cycle.id}/propose", data={"title": "x", "description": "short", "category": "lighting",
                                                              "settlement": VILLAGE_1, "cost": "-5"})
    assert refused.status_code == 422
    response = client.post(f"/budget/{cycle.id}/propose", data={
        "title": "Көше жарығы", "description": "Домбыралы ауылының орталық көшесіне 40 шам орнату керек.",
        "category": "lighting", "settlement": VILLAGE_1, "cost": "300000",
    })
    assert response.status_code == 302
    proposal_id = int(re.search(r"/budget/proposals/(\d+)/submit", response.headers["Location"]).group(1))
    draft = proposal(proposal_id)
    assert draft.state == "draft" and draft.cost == 300_000
    page = text(client.get(f"/budget/proposals/{proposal_id}/submit"))
    assert draft.digest in page and "budget-submit.js" in page
    assert client.post(f"/budget/proposals/{proposal_id}/submit", data={"jws": ""}).status_code == 422
    done = client.post(f"/budget/proposals/{proposal_id}/submit", data={"jws": submit_jws(author, draft.signed_doc())})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/budget/{cycle.id}#proposal-{proposal_id}")
    assert proposal(proposal_id).state == "submitted"


def test_someone_elses_draft_is_not_found(client, cycle, resident):
    from budgeting import services
    from extensions import db
    from tests.budgeting.conftest import proposal_body, user_of

    draft = services.create_proposal(cycle, user_of(resident(kato=VILLAGE_1)), proposal_body(), datetime.now(UTC))
    db.session.commit()
    sign_in_page(client, resident(kato=VILLAGE_1))
    assert client.get(f"/budget/proposals/{draft.id}/submit").status_code == 404
    assert "Көше жарығы" not in text(client.get(f"/budget/{cycle.id}"))


def _submitted(cycle, author) -> int:
    from budgeting import services
    from extensions import db
    from tests.budgeting.conftest import proposal_body, user_of

    now = datetime.now(UTC)
    user = user_of(author)
    draft = services.create_proposal(cycle, user, proposal_body(), now)
    services.submit_proposal(draft, user, submit_jws(author, draft.signed_doc()), now)
    db.session.commit()
    return draft.id


def test_officer_screens_eligible_with_checked_cost_or_ineligible_with_reason(client, cycle, officials, resident):
    first, second = _submitted(cycle, resident(kato=VILLAGE_1)), _submitted(cycle, resident(kato=VILLAGE_2))
    officer = officials["officer"]
    first_doc, second_doc = proposal(first).signed_doc(), proposal(second).signed_doc()
    sign_in_page(client, resident(kato=VILLAGE_1))
    assert client.post(f"/budget/proposals/{first}/screening", data={"jws": screen_jws(officer, first_doc)}).status_code == 403
    sign_out_page(client)
    sign_in_page(client, officer)
    page = text(client.get(f"/budget/{cycle.id}/screening?lang=en"))
    assert "2 proposals wait" in page
    # each decision is its own form, signed in the browser (act-sign.js) with the official key
    assert f'id="screen-eligible-{first}"' in page and f'id="screen-ineligible-{first}"' in page
    assert 'data-act-purpose="proposal.screen"' in page and 'id="official-key-file"' in page and "act-sign.js" in page
    unsigned = client.post(f"/budget/proposals/{first}/screening?lang=en", data={"cost": "280000"})
    assert unsigned.status_code == 422 and "official.key.pem" in text(unsigned)
    assert proposal(first).state == "submitted"
    ok = client.post(f"/budget/proposals/{first}/screening",
                     data={"cost": "280000", "jws": screen_jws(officer, first_doc, cost=280_000)})
    assert ok.status_code == 302
    assert proposal(first).state == "eligible" and proposal(first).checked_cost == 280_000
    no_reason = client.post(f"/budget/proposals/{second}/screening?lang=en",
                            data={"reason": "", "jws": screen_jws(officer, second_doc, False, reason="")})
    assert no_reason.status_code == 422 and "Tell the proposer why" in text(no_reason)
    assert proposal(second).state == "submitted"
    reason = "Жер телімі жеке меншікте."
    client.post(f"/budget/proposals/{second}/screening", data={"reason": reason, "jws": screen_jws(officer, second_doc, False, reason=reason)})
    assert proposal(second).state == "ineligible"
    public = text(client.get(f"/budget/{cycle.id}?lang=en"))
    assert "Жер телімі жеке меншікте." in public and "280,000" in public
    # the acts, public: who signed, in which role, for which body; each JWS whole
    assert f'id="acts-{first}"' in public and "1 signed decision" in public and "budget officer" in public
    assert "Akimat of" in public
    from auth.models import OfficialAct
    from extensions import db

    kept = db.session.scalars(select(OfficialAct.jws).where(OfficialAct.subject_id == first)).one()
    assert kept in public


def test_secretary_records_paper_ballots_with_clear_refusals(client, make_cycle, officials, resident):
    from budgeting.models import Ballot
    from extensions import db

    cycle = make_cycle()
    ids = eligible_projects(cycle, resident(kato=VILLAGE_1), officials["officer"], [300_000, 200_000])
    move_to(cycle, "voting")
    voter, stranger = resident(kato=VILLAGE_2), resident(kato=OTHER_VILLAGE)
    secretary = officials["secretary"]
    sign_in_page(client, secretary)
    page = text(client.get(f"/budget/{cycle.id}/paper"))
    assert "Жоба №1" in page and 'data-act-purpose="ballot.paper"' in page
    assert re.search(r'<input id="voter-iin"(?![^>]*name=)[^>]*>', page), "the IIN is signed, never posted beside the JWS"

    def paper(iin, projects):
        return {"projects": [str(p) for p in projects], "jws": paper_jws(secretary, cycle.id, iin, sorted(projects))}

    ok = client.post(f"/budget/{cycle.id}/paper?lang=en", data=paper(voter.iin, [ids[1], ids[0]]), follow_redirects=True)
    assert "The paper ballot is recorded" in text(ok)
    db.session.expire_all()
    ballot = db.session.scalar(select(Ballot).where(Ballot.cycle_id == cycle.id))
    assert ballot.method == "paper" and ballot.projects == sorted(ids)
    again = client.post(f"/budget/{cycle.id}/paper?lang=en", data=paper(voter.iin, [ids[0]]))
    assert again.status_code == 409 and "already voted" in text(again) and voter.iin not in text(again)
    outsider = client.post(f"/budget/{cycle.id}/paper?lang=en", data=paper(stranger.iin, [ids[0]]))
    assert outsider.status_code == 403 and "does not live in this rural district" in text(outsider)
    assert stranger.iin not in text(outsider)
    bad = client.post(f"/budget/{cycle.id}/paper?lang=en", data=paper("123456789012", [ids[0]]))
    assert bad.status_code == 422 and "Enter the 12 digits of a valid IIN." in text(bad)
    assert "123456789012" not in text(bad)


def test_officer_creates_a_cycle_in_astana_time_for_their_district_only(client, territories, officials):
    from budgeting.models import BudgetCycle
    from extensions import db

    sign_in_page(client, officials["officer"])
    form = text(client.get("/budget/new"))
    assert DISTRICT in form and OTHER_DISTRICT not in form
    data = {"kato": DISTRICT, "year": "2031", "amount": "5000000", "ballot": "knapsack", "rule": "mes",
            "proposals_open": "2031-03-01T09:00", "proposals_close": "2031-03-31T18:00",
            "voting_open": "2031-04-10T09:00", "voting_close": "2031-04-20T20:00"}
    assert client.post("/budget/new", data={**data, "kato": OTHER_DISTRICT}).status_code == 422
    wrong = client.post("/budget/new?lang=en", data={**data, "voting_open": "2031-03-15T09:00"})
    assert wrong.status_code == 422 and "must come in order" in text(wrong)
    preview = client.post("/budget/new?lang=en", data=data)  # shown back first: nothing is created yet
    assert preview.status_code == 200 and 'id="cycle-preview"' in text(preview)
    assert db.session.scalar(select(BudgetCycle).where(BudgetCycle.year == 2031)) is None
    response = client.post("/budget/new", data={**data, "confirmed": "yes"})
    assert response.status_code == 302
    db.session.expire_all()
    cycle = db.session.scalar(select(BudgetCycle).where(BudgetCycle.year == 2031))
    assert cycle.ballot == "knapsack" and cycle.rule == "mes" and cycle.amount == 5_000_000
    assert cycle.proposals_open == datetime(2031, 3, 1, 4, 0, tzinfo=UTC)  # 09:00 in Astana is 04:00 UTC
    assert client.post("/budget/new?lang=en", data={**data, "confirmed": "yes"}).status_code == 422  # one per district and year


def test_follow_button_for_residents(client, cycle, resident):
    from budgeting.models import BudgetFollower
    from extensions import db

    sign_in_page(client, resident(kato=VILLAGE_1))
    assert 'id="follow"' in text(client.get(f"/budget/{cycle.id}"))
    client.post(f"/budget/{cycle.id}/follow")
    db.session.expire_all()
    assert db.session.scalar(select(BudgetFollower).where(BudgetFollower.cycle_id == cycle.id)) is not None
    assert 'id="following"' in text(client.get(f"/budget/{cycle.id}"))


def test_outsiders_get_no_follow_button(client, cycle, resident, other_district):
    sign_in_page(client, resident(kato=OTHER_VILLAGE))
    assert 'id="follow"' not in text(client.get(f"/budget/{cycle.id}"))
    response = client.post(f"/budget/{cycle.id}/follow?lang=en", follow_redirects=True)
    assert "Only residents of this rural district" in text(response)


def test_ballot_page_lists_eligible_projects_with_the_knapsack_bar(client, make_cycle, officials, resident):
    cycle = make_cycle(ballot="knapsack", amount=500_000)
    ids = eligible_projects(cycle, resident(kato=VILLAGE_1), officials["officer"], [300_000, 250_000])
    move_to(cycle, "voting")
    page = text(client.get(f"/budget/{cycle.id}/vote?lang=en"))
    assert 'id="ballot-bar"' in page and 'max="500000"' in page
    for pid in ids:
        assert f'id="project-{pid}"' in page
    assert f"/api/v1/budget/cycles/{cycle.id}/ballots?lang=en" in page
    assert "<script>" not in page and "style=" not in page


def test_results_page_words_every_reason_and_shows_the_recount(client, make_cycle, officials, resident):
    from extensions import db

    cycle = make_cycle(rule="mes", amount=1_000_000)
    ids = eligible_projects(cycle, resident(kato=VILLAGE_1), officials["officer"], [600_000, 500_000, 300_000, 200_000, 100_000])
    move_to(cycle, "counting")
    a, b, c, d, e = ids
    cycle.result = {
        "rule": "mes", "amount": 1_000_000, "ballots": 7, "funded": [a, c],
        "not_funded": [
            {"id": b, "reason": {"kind": "did_not_fit", "left": 100_000}},
            {"id": d, "reason": {"kind": "lost_tie", "to": c}},
            {"id": e, "reason": {"kind": "no_votes"}},
        ],
        "votes": {str(a): 5, str(b): 4, str(c): 3, str(d): 3, str(e): 0},
        "pb_sha256": "ab" * 32, "greedy_funded": [a, b],
    }
    cycle.tallied_at = datetime.now(UTC) - timedelta(minutes=1)
    cycle.pb_file = "META\n"
    db.session.commit()
    page = text(client.get(f"/budget/{cycle.id}/results?lang=en"))
    assert "did not fit the 100,000" in page
    assert "lost the tie to «Жоба №3»" in page
    assert "nobody voted for it" in page
    assert "ab" * 32 in page and f"/api/v1/budget/cycles/{cycle.id}/ballots.pb" in page
    assert "What the greedy rule would have funded" in page
    assert page.count('<g class="is-funded"') == 2 and page.count('<g class="is-not-funded"') == 3  # a bar each
    kk = text(client.get(f"/budget/{cycle.id}/results?lang=kk"))
    assert "Жоба №1" in kk
    cycle.result = {**cycle.result, "not_funded": [{"id": b, "reason": {"kind": "not_affordable"}}], "rule": "mes"}
    db.session.commit()
    assert "its supporters" in text(client.get(f"/budget/{cycle.id}/results?lang=en"))
    assert client.get(f"/budget/{cycle.id}?lang=en").get_data(as_text=True).count(f"/budget/{cycle.id}/results") == 1


def test_officer_records_implementation_of_funded_items(client, make_cycle, officials, resident):
    from extensions import db

    cycle = make_cycle()
    ids = eligible_projects(cycle, resident(kato=VILLAGE_1), officials["officer"], [600_000, 500_000])
    move_to(cycle, "counting")
    cycle.result = {"rule": "greedy", "amount": 1_000_000, "ballots": 1, "funded": [ids[0]],
                    "not_funded": [{"id": ids[1], "reason": {"kind": "did_not_fit", "left": 400_000}}],
                    "votes": {str(ids[0]): 1, str(ids[1]): 1}, "pb_sha256": "0" * 64}
    cycle.tallied_at = datetime.now(UTC)
    db.session.commit()
    sign_in_page(client, officials["officer"])
    page = text(client.get(f"/budget/{cycle.id}/screening"))
    assert f'id="implementation-{ids[0]}"' in page and f'id="implementation-{ids[1]}"' not in page
    assert 'data-act-purpose="proposal.implementation"' in page
    act = implementation_jws(officials["officer"], proposal(ids[0]).signed_doc(), "in_progress", 250_000)
    done = client.post(f"/budget/proposals/{ids[0]}/implementation", data={"status": "in_progress", "spent": "250000", "jws": act})
    assert done.status_code == 302
    assert proposal(ids[0]).implementation == "in_progress" and proposal(ids[0]).spent == 250_000
    results = text(client.get(f"/budget/{cycle.id}/results?lang=en"))
    assert "In progress" in results and "spent 250,000" in results
