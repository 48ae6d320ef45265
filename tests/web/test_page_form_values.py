"""Every field of every page form, sent odd text (what a form's string can hold where a number, a
choice, a date or a JWS is wanted), answers below 500, and a refused post writes nothing. The
poster holds every role and lives in the rural district, so each form reaches its use case."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.budgeting.conftest import (
    DISTRICT,
    VILLAGE_1,
    VILLAGE_2,
    eligible_projects,
    implementation_jws,
    move_to,
    paper_jws,
    proposal_body,
    screen_jws,
    user_of,
)
from tests.budgeting.conftest import make_cycle as budget_cycle_fixture
from tests.conftest import answer_fields
from tests.petitions.conftest import BODY, form_data
from tests.petitions.test_pages import sign_in_page
from tests.petitions.test_transitions import make_petition
from tests.test_wrong_types import rows_everywhere

make_cycle = budget_cycle_fixture

ODD = ["", " ", "\t\n", "x" * 20_000, "1e400", "-1", "0", "9" * 40, "１２３", "1_000", "0x1F", "true", "[]", "{}",
       "null", "é\u202e", "0001-01-01T00:00", "9999-12-31T23:59", "2026-02-30", "0001-01-01", "9999-12-31",
       ["a", "b"]]


@pytest.fixture
def scene(app, client, make_citizen, make_cycle):
    """The forms' URLs and valid data, for a poster who may use each of them."""
    from auth import services
    from budgeting import services as budget
    from budgeting.lifecycle import PROPOSAL
    from budgeting.models import Proposal
    from extensions import db

    now = datetime.now(UTC)
    poster, other = make_citizen(kato=VILLAGE_1), make_citizen(kato=VILLAGE_2)
    for role, scope in (("moderator", None), ("reviewer", "government"), ("budget_officer", DISTRICT),
                        ("secretary", DISTRICT), ("admin", None)):
        services.grant_role(poster.iin, role, scope, now)
    officer = make_citizen(kato=DISTRICT)
    services.grant_role(officer.iin, "budget_officer", DISTRICT, now)
    db.session.commit()

    draft = make_petition("draft", poster.iin, now)
    moderated = make_petition("moderation", other.iin, now)
    reviewed = make_petition("under_review", other.iin, now)

    proposing = make_cycle("proposals")
    submitted = budget.create_proposal(proposing, user_of(other), proposal_body(), now)
    PROPOSAL.move(submitted, "submit")
    submitted.submitted_at = now
    counted = make_cycle("proposals")
    funded = eligible_projects(counted, other, officer, [300_000])[0]
    move_to(counted, "counting")
    counted.result = {"rule": "greedy", "amount": counted.amount, "ballots": 1, "funded": [funded], "not_funded": [],
                      "votes": {str(funded): 1}, "pb_sha256": "0" * 64}
    db.session.commit()
    voting = make_cycle("proposals")
    on_ballot = eligible_projects(voting, other, officer, [200_000])
    move_to(voting, "voting")

    poster.official("budget_officer", DISTRICT)
    poster.official("secretary", DISTRICT)
    funded_doc = db.session.get(Proposal, funded).signed_doc()
    soon = (now + timedelta(days=30)).strftime("%Y-%m-%dT10:00")

    def act(petition, purpose, role, **fields):
        return poster.act(purpose, petition.signed_doc(), role=role, **fields)

    reject = {"decision": "reject", "reason": "duplicate", "comment": "Мұндай петиция бар."}
    place = "Әкімдік, мәжіліс залы"
    # a supporting answer: its measures are rows of the form (measures-N-body, …), each odd in turn below
    answer = answer_fields("supported")
    year = now.year
    sign_in_page(client, poster)
    return {
        "new_petition": ("/petitions/new", {"title": "Ауыл көшесін жөндеу керек", "body": BODY, "language": "kk",
                                            "addressee": "government", "territory": ""}),
        "edit_petition": (f"/petitions/{draft.id}/edit", {"title": "Ауыл көшесін жөндеу керек!", "body": BODY,
                                                          "language": "ru"}),
        "submit_petition": (f"/petitions/{draft.id}/submit", {"confirm": "y", "jws": "a.b.c"}),
        # an official's page posts the act the browser signed, with the fields it signed (static/js/act-sign.js)
        "reject": (f"/moderation/{moderated.id}", {"jws": act(moderated, "petition.moderate", "moderator", **reject),
                                                   **reject}),
        "discussion": (f"/review/{reviewed.id}/discussion",
                       {"jws": act(reviewed, "petition.discussion", "reviewer", at=soon + ":00+05:00", place=place),
                        "at": soon, "place": place}),
        "answer": (f"/review/{reviewed.id}/answer", {"jws": act(reviewed, "petition.answer", "reviewer", **answer),
                                                     **form_data(answer)}),
        "new_cycle": ("/budget/new", {"kato": DISTRICT, "year": str(year + 4), "amount": "5000000", "ballot": "approval",
                                      "rule": "greedy", "min_choices": "", "max_choices": "",
                                      "proposals_open": f"{year + 4}-03-01T09:00", "proposals_close": f"{year + 4}-03-31T18:00",
                                      "voting_open": f"{year + 4}-04-10T09:00", "voting_close": f"{year + 4}-04-20T20:00",
                                      "confirmed": "yes"}),
        "propose": (f"/budget/{proposing.id}/propose", {"title": "Көше жарығы", "description": proposal_body()["description"],
                                                        "category": "lighting", "settlement": VILLAGE_1, "cost": "300000"}),
        # the officials' acts: the decision is in the signed JWS, the fields beside it are never read
        "screen": (f"/budget/proposals/{submitted.id}/screening",
                   {"cost": "250000", "jws": screen_jws(poster, submitted.signed_doc(), cost=250_000)}),
        "implementation": (f"/budget/proposals/{funded}/implementation",
                           {"status": "in_progress", "spent": "1000",
                            "jws": implementation_jws(poster, funded_doc, "in_progress", 1000)}),
        "paper": (f"/budget/{voting.id}/paper", {"projects": [str(i) for i in on_ballot],
                                                "jws": paper_jws(poster, voting.id, other.iin, on_ballot)}),
        "calendar": ("/admin/calendar", {"day": f"{year + 1}-05-08", "kind": "off", "note": "Decree No. 1"}),
        "calendar_remove": ("/admin/calendar/remove", {"day": f"{year + 1}-05-08"}),
        "account": ("/account", {"email": "aigerim@example.kz"}),
        "language": ("/lang", {"lang": "ru", "next": "/petitions"}),
        "login": ("/login", {"jws": "a.b.c", "next": "/account"}),
    }


FORMS = ["new_petition", "edit_petition", "submit_petition", "reject", "discussion", "answer", "new_cycle", "propose",
         "screen", "implementation", "paper", "calendar", "calendar_remove", "account", "language", "login"]


@pytest.mark.parametrize("form", FORMS)
def test_odd_text_in_any_field_of_a_page_form_is_no_5xx_and_a_refusal_writes_nothing(app, client, scene, form):
    from flask import g

    path, valid = scene[form]
    wrong = []
    before = rows_everywhere()
    for name in valid:
        for value in ODD:
            g.pop("_login_user", None)  # each request loads its own user, as in production
            response = client.post(path + "?lang=en", data={**valid, name: value})
            after = rows_everywhere()
            if response.status_code >= 500:
                wrong.append(f"{name}={str(value)[:30]!r}: {response.status_code}")
            elif response.status_code != 302 and after != before:
                wrong.append(f"{name}={str(value)[:30]!r}: {response.status_code} and wrote "
                             f"{ {t: after[t] - before[t] for t in after if after[t] != before[t]} }")
            before = after
    assert wrong == []


@pytest.mark.parametrize("form", [f for f in FORMS if f not in ("submit_petition", "login")])  # those two need a real JWS
def test_the_valid_data_of_each_form_is_accepted(app, client, scene, form):
    """The battery's baseline is valid, so each odd value above is what the form refused."""
    path, valid = scene[form]
    response = client.post(path, data=valid)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


JWS_INPUT = re.compile(r'<input\b[^>]*\bname="jws"[^>]*>')
SIGNED_FORMS = ["submit_petition", "reject", "discussion", "answer", "screen", "implementation", "paper", "login"]


@pytest.mark.parametrize("form", SIGNED_FORMS)
def test_a_refused_signature_is_never_shown_again_to_be_sent_twice(app, client, scene, form):
    """A page that refuses a signed post shows its forms again with an empty `jws`: the browser's
    script sends a filled one as it is (static/js/act-sign.js, eds.js), so a JWS kept in the page
    would go again on the next click, stale, or as the other button's decision."""
    path, valid = scene[form]
    refused = valid["jws"][:-6] + ("AAAAAA" if not valid["jws"].endswith("AAAAAA") else "BBBBBB")  # the signature broken
    before = rows_everywhere()
    response = client.post(path + "?lang=en", data={**valid, "jws": refused})
    assert response.status_code in (400, 403, 409, 422), response.status_code
    assert rows_everywhere() == before
    page = response.get_data(as_text=True)
    assert refused not in page
    inputs = JWS_INPUT.findall(page)
    assert inputs, "the page shows its signed form again"
    assert [i for i in inputs if re.search(r'\bvalue="[^"]', i)] == []
