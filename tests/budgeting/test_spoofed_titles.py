"""Budget proposal titles follow the title rules of visible_text (and descriptions its text rules), on the API and
the proposal form, with nothing written on refusal."""

from __future__ import annotations

from tests.budgeting.conftest import VILLAGE_1, proposal_body
from tests.petitions.test_pages import sign_in_page
from tests.petitions.test_spoofed_titles import SPOOFED_TITLES, count


def test_budget_proposal_titles_follow_the_same_rules_on_the_api_and_the_form(client, make_cycle, resident, actor, subtests):
    from budgeting.models import Proposal

    cycle = make_cycle("proposals")
    proposer = resident(kato=VILLAGE_1)
    api = actor(proposer)
    for name, title in SPOOFED_TITLES.items():
        with subtests.test(api=name):
            refused = api.post(f"/api/v1/budget/cycles/{cycle.id}/proposals", proposal_body(title=title))
            assert refused.status_code == 422 and "title" in refused.get_json()["error"]["fields"], refused.get_json()
    sign_in_page(client, proposer)
    for name, title in SPOOFED_TITLES.items():
        with subtests.test(page=name):
            page = client.post(f"/budget/{cycle.id}/propose?lang=en", data={**proposal_body(title=title), "cost": "300000"})
            assert page.status_code == 422, name
            assert 'id="title-error"' in page.get_data(as_text=True)
    with subtests.test(description="right-to-left override"):
        refused = api.post(f"/api/v1/budget/cycles/{cycle.id}/proposals", proposal_body(description="Шам \u202eорнату керек, балалар қараңғыда жүреді."))
        assert refused.status_code == 422 and "description" in refused.get_json()["error"]["fields"]
    assert count(Proposal) == 0
