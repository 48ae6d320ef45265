"""The officials' petition forms choose nothing the official decides, and say what is wrong on the
field (issue 15, "forms that guess wrong"); every act form names its decision for the confirmation
dialog that shows it before it is signed (item 6; the browser side: tests/browser/test_act_confirm.py)."""

from __future__ import annotations

import re

import pytest

from tests.petitions.conftest import create_and_submit
from tests.petitions.test_after_answer_pages import words
from tests.petitions.test_page_forms import html, selected_option
from tests.petitions.test_pages import sign_in_page, state_of

LANGS = ("kk", "ru", "en")


@pytest.mark.parametrize("lang", LANGS)
def test_no_reject_reason_is_chosen_for_the_moderator_and_choosing_none_is_a_field_error(
    client, make_citizen, actor, officials, lang
):
    author = actor(make_citizen(kato="710000000", surname="Жұмабаев", given_name="Ерлан"))
    petition = create_and_submit(author)
    moderator = officials["moderator"]
    sign_in_page(client, moderator.citizen)
    page = html(client.get(f"/moderation/{petition['id']}?lang={lang}"))
    assert not any(selected_option(page, "reason"))  # the select shows its empty first option: "choose a reason"
    assert re.search(
        r'<select[^>]* id="reason"[^>]*>\s*<option value="">' + re.escape(words(lang, "Choose a reason")), page
    )
    comment = "Петиция мемлекеттік органның құзыретіне жатпайды."
    jws = moderator.act("petition.moderate", petition, role="moderator", decision="reject", reason="", comment=comment)
    refused = client.post(
        f"/moderation/{petition['id']}?lang={lang}", data={"jws": jws, "reason": "", "comment": comment}
    )
    assert refused.status_code == 422 and state_of(petition["id"]) == "moderation"
    page = html(refused)
    message = words(lang, "Choose one of the published reasons.")
    assert f'<p class="field-error" id="reason-error">{message}</p>' in page
    assert 'href="#reason"' in re.search(r'<section class="error-summary".*?</section>', page, re.S).group(0)
    assert '<div class="flashes"' not in page  # not a banner
    assert not any(selected_option(page, "reason"))  # still none chosen for them
    assert comment in page  # what they wrote, shown back


@pytest.mark.parametrize("lang", LANGS)
def test_each_moderation_decision_names_itself_for_the_confirmation_in_the_pages_language(
    client, make_citizen, actor, officials, lang
):
    author = actor(make_citizen(kato="710000000", surname="Жұмабаев", given_name="Ерлан"))
    petition = create_and_submit(author)
    sign_in_page(client, officials["moderator"].citizen)
    page = html(client.get(f"/moderation/{petition['id']}?lang={lang}"))
    assert page.count('<dialog class="act-confirm" id="act-confirm"') == 1  # one for the page's two forms
    for form, decision in (
        (
            "approve-form",
            "Approve petition № %(id)d: it gathers its first supporters by direct link, then is published.",
        ),
        ("reject-form", "Reject petition № %(id)d: the author is told the reason and your comment."),
    ):
        tag = re.search(rf'<form[^>]* id="{form}"[^>]*>', page, re.S).group(0)
        assert f'data-confirm-decision="{words(lang, decision, id=petition["id"])}"' in tag
        assert 'data-confirm-subject="Ауыл көшесін жөндеу керек"' in tag
    for script in ("js/act-confirm.js", "js/act-sign.js"):
        assert script in page
    assert words(lang, "Go back and change") in page and words(lang, "Sign and publish") in page
