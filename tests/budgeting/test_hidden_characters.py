"""Budget proposals meet the red team's second round as petitions do: hidden characters refused in titles, every
bidi control (direction marks too) refused in descriptions and screening reasons, on the API and the forms, with a
field error and nothing written."""

from __future__ import annotations

from tests.budgeting.conftest import VILLAGE_1, proposal_body, screen_jws
from tests.budgeting.test_pages import _submitted, proposal
from tests.petitions.test_hidden_characters import BIDI_CONTROLS, HIDDEN, inserted, with_controls
from tests.petitions.test_pages import sign_in_page, sign_out_page
from tests.petitions.test_spoofed_titles import count

TITLE = "Орталық көшеге шам орнату"


def test_hidden_characters_in_a_proposal_title_are_refused_on_the_api_and_the_form(client, make_cycle, resident, actor, subtests):
    from budgeting.models import Proposal

    cycle = make_cycle("proposals")
    proposer = resident(kato=VILLAGE_1)
    api = actor(proposer)
    sign_in_page(client, proposer)
    for name, hidden in HIDDEN.items():
        title = inserted(TITLE, hidden)
        with subtests.test(api=name):
            refused = api.post(f"/api/v1/budget/cycles/{cycle.id}/proposals", proposal_body(title=title))
            assert refused.status_code == 422 and "title" in refused.get_json()["error"]["fields"], refused.get_json()
        with subtests.test(form=name):
            page = client.post(f"/budget/{cycle.id}/propose?lang=en", data={**proposal_body(title=title), "cost": "300000"})
            assert page.status_code == 422 and 'id="title-error"' in page.get_data(as_text=True)
    assert count(Proposal) == 0


def test_every_bidi_control_in_a_description_is_refused_on_the_api_and_the_form(client, make_cycle, resident, actor, subtests):
    from budgeting.models import Proposal

    cycle = make_cycle("proposals")
    proposer = resident(kato=VILLAGE_1)
    api = actor(proposer)
    sign_in_page(client, proposer)
    for name, control in BIDI_CONTROLS.items():
        description = with_controls("Орталық көшеге 40 шам орнату: балалар қараңғыда жүреді.", control)
        with subtests.test(api=name):
            refused = api.post(f"/api/v1/budget/cycles/{cycle.id}/proposals", proposal_body(description=description))
            assert refused.status_code == 422 and "description" in refused.get_json()["error"]["fields"], refused.get_json()
        with subtests.test(form=name):
            page = client.post(
                f"/budget/{cycle.id}/propose?lang=en", data={**proposal_body(description=description), "cost": "300000"}
            )
            assert page.status_code == 422 and 'id="description-error"' in page.get_data(as_text=True)
    assert count(Proposal) == 0


def test_every_bidi_control_in_a_screening_reason_is_refused_on_the_api_and_the_form(
    client, make_cycle, officials, resident, actor, subtests
):
    cycle = make_cycle("proposals")
    submitted = _submitted(cycle, resident(kato=VILLAGE_1))
    officer = actor(officials["officer"])
    sign_out_page(client)
    sign_in_page(client, officials["officer"])
    doc = proposal(submitted).signed_doc()
    for name, control in BIDI_CONTROLS.items():
        reason = with_controls("Жер телімі жеке меншікте.", control)
        with subtests.test(api=name):
            act = screen_jws(officials["officer"], doc, False, reason=reason)
            refused = officer.post(f"/api/v1/budget/proposals/{submitted}/screening", {"jws": act})
            assert refused.status_code == 422 and "reason" in refused.get_json()["error"]["fields"], refused.get_json()
        with subtests.test(form=name):
            page = client.post(
                f"/budget/proposals/{submitted}/screening?lang=en",
                data={"reason": reason, "jws": screen_jws(officials["officer"], doc, False, reason=reason)},
            )
            assert page.status_code == 422, page.status_code
            assert "text-direction or control characters" in page.get_data(as_text=True)
    after = proposal(submitted)
    assert (after.state, after.ineligible_reason) == ("submitted", None)


def test_budget_pages_isolate_legacy_text_of_a_proposal(client, make_cycle, officials, resident, subtests):
    """A proposal stored before bidi controls were refused cannot reorder the page around it."""
    from budgeting.models import Proposal
    from tests.petitions.test_bidi_isolation import LEGACY, loose_text, write_columns

    cycle = make_cycle("proposals")
    submitted = _submitted(cycle, resident(kato=VILLAGE_1))
    write_columns(Proposal, submitted, title=LEGACY, description=LEGACY, state="ineligible", ineligible_reason=LEGACY)
    with subtests.test(page="cycle"):
        html = client.get(f"/budget/{cycle.id}").get_data(as_text=True)
        assert LEGACY in html and loose_text(html) == []
    sign_in_page(client, officials["officer"])
    with subtests.test(page="screening"):
        html = client.get(f"/budget/{cycle.id}/screening").get_data(as_text=True)
        assert LEGACY in html and loose_text(html) == []
