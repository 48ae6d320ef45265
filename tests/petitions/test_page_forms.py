"""The petition page forms guess what they know and say what is wrong where it is wrong (issue 15,
"forms that guess wrong"), in kk, ru and en: the region of a local petition is the citizen's own by
the registry, a territory they do not live in is refused on the territory's field, and a hint and its
error write their limits alike (the officials' forms: tests/petitions/test_official_forms.py)."""

from __future__ import annotations

import re

import pytest

from tests.petitions.conftest import BODY
from tests.petitions.test_after_answer_pages import words
from tests.petitions.test_eligibility_pages import ASTANA_NAMES, WRITE_PLACE
from tests.petitions.test_pages import TITLE, sign_in_page

LANGS = ("kk", "ru", "en")
ABAI = "100000000"  # a region before Akmola in KATO order: the first of the list, and not the citizen's


@pytest.fixture
def abai(app, territories):
    from extensions import db
    from kernel.territories import Territory

    db.session.add(
        Territory(
            kato=ABAI,
            name_kk="Абай облысы",
            name_ru="Абайская область",
            name_en="Abai Region",
            level="region",
            population=603000,
        )
    )
    db.session.commit()


def html(response) -> str:
    return response.get_data(as_text=True)


def selected_option(page: str, select_id: str) -> list[str]:
    """The values of the options the page marks selected in the select `select_id`."""
    select = re.search(rf'<select[^>]* id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert select, select_id
    options = select.group(1)  # the page's own select writes `value` first, WTForms' `selected` first
    return re.findall(r'<option value="([^"]*)" selected>', options) + re.findall(
        r'<option selected value="([^"]*)">', options
    )


def number(lang: str, n: int) -> str:
    from flask_babel import format_number

    from tests.petitions.test_after_answer_pages import _request

    with _request(lang):
        return format_number(n)


@pytest.mark.parametrize("lang", LANGS)
def test_a_local_petition_is_addressed_to_the_citizens_own_region_not_the_first_of_the_list(
    client, make_citizen, abai, lang
):
    villager = make_citizen(kato="113243200")  # Кеңес ауылы: Akmola region, by the registry
    sign_in_page(client, villager)
    page = html(client.get(f"/petitions/new?lang={lang}"))
    assert selected_option(page, "territory") == ["110000000"]
    assert 'data-home-region="110000000"' in page  # for petition-form.js, when the addressee's level changes
    assert "data-home-city" not in page  # a villager lives in no city of republican significance


@pytest.mark.parametrize("lang", LANGS)
def test_a_city_dweller_starts_with_their_city(client, make_citizen, abai, lang):
    sign_in_page(client, make_citizen(kato="710000000"))
    page = html(client.get(f"/petitions/new?lang={lang}"))
    assert selected_option(page, "territory") == ["710000000"] and 'data-home-city="710000000"' in page
    if lang == "ru":  # the page's language, when a petition may be written in it
        assert '<input checked id="language-1" name="language" required type="radio" value="ru">' in page


@pytest.mark.parametrize("lang", LANGS)
def test_a_territory_the_author_does_not_live_in_is_refused_on_the_field_not_in_a_banner(client, make_citizen, lang):
    sign_in_page(client, make_citizen(kato="113243200"))  # lives in Akmola region, not in Astana
    response = client.post(
        f"/petitions/new?lang={lang}",
        data={"title": TITLE, "body": BODY, "language": "kk", "addressee": "city_akimat", "territory": "710000000"},
    )
    assert response.status_code == 403
    page = html(response)
    message = words(lang, WRITE_PLACE, place=ASTANA_NAMES[lang])  # the rule, in petitions/eligibility.py's words
    assert f'<p class="field-error" id="territory-error">{message}</p>' in page
    select = re.search(r'<select[^>]* id="territory"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in select and "territory-error" in select
    assert '<div class="flashes"' not in page  # not a banner
    summary = re.search(r'<section class="error-summary".*?</section>', page, re.S).group(0)
    assert 'href="#territory"' in summary and message in summary
    assert selected_option(page, "territory") == ["710000000"]  # what they chose, shown back


@pytest.mark.parametrize("lang", LANGS)
def test_a_hint_and_its_error_write_the_same_numbers(client, make_citizen, lang):
    sign_in_page(client, make_citizen(kato="113243200"))
    most, least = number(lang, 10_000), number(lang, 50)
    hint = re.search(
        r'<p class="hint" id="body-hint">(.*?)</p>', html(client.get(f"/petitions/new?lang={lang}"))
    ).group(1)
    short = client.post(
        f"/petitions/new?lang={lang}",
        data={"title": TITLE, "body": "Қысқа.", "language": "kk", "addressee": "government"},
    )
    assert short.status_code == 422
    error = re.search(r'<p class="field-error" id="body-error">(.*?)</p>', html(short)).group(1)
    for text in (hint, error):
        assert most in text and least in text, (lang, text)
    assert "10000" not in error and "10000" not in hint
    title_hint = re.search(r'<p class="hint" id="title-hint">(.*?)</p>', html(short)).group(1)
    assert number(lang, 10) in title_hint and number(lang, 200) in title_hint
