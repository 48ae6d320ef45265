"""Who may not take part is told so before any form is filled (issue 15, item 7), with the Flask test
client in kk, ru and en: a 16-year-old and a non-resident read the rule in plain words (DOMAIN.md
"E-petitions": a citizen aged 18+; a local petition counts only the residents of its territory) on
every petition page that would take their signature, and get no form; the API's refusal keeps its
code (API.md) and says the same. No page prints the person's IIN or birth date."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from html import unescape

import pytest

from tests.petitions.conftest import sign
from tests.petitions.test_after_answer_pages import _request, words
from tests.petitions.test_after_the_answer import answered, rate, scene  # noqa: F401 (scene: a fixture)
from tests.petitions.test_pages import sign_in_page, sign_out_page
from tests.petitions.test_transitions import make_petition

LANGS = ("kk", "ru", "en")
ASTANA = "710000000"
VILLAGE = "113243200"  # Кеңес ауылы, Akmola region: not Astana
SIGN_AGE = (
    "Petitions can be signed by citizens aged %(age)d and over. By the population registry you are not %(age)d yet."
)
WRITE_AGE = (
    "Petitions can be submitted by citizens aged %(age)d and over. By the population registry you are not %(age)d yet."
)
SIGN_PLACE = (
    "This petition is addressed to a local body: only residents of %(place)s can sign it. "
    "By the population registry you live elsewhere."
)
WRITE_PLACE = (
    "A petition to a regional or city body can be submitted only by its residents. "
    "By the population registry you do not live in %(place)s."
)
HOME = (
    "Besides the Government, a petition can go only to the akimat or maslikhat of where you live: "
    "by the population registry, %(places)s."
)
ASTANA_NAMES = {"kk": "Астана қаласы", "ru": "город Астана", "en": "Astana"}
AKMOLA_NAMES = {"kk": "Ақмола облысы", "ru": "Акмолинская область", "en": "Akmola Region"}


def sixteen_years_ago() -> date:
    today = date.today()
    return today.replace(year=today.year - 16, day=min(today.day, 28))


@pytest.fixture
def teenager(make_citizen):
    """A 16-year-old of Astana, in the registry with their own key set."""
    return make_citizen(kato=ASTANA, born=sixteen_years_ago(), given_name="Әли", surname="Серіков")


@pytest.fixture
def villager(make_citizen):
    """An adult of an Akmola village: not a resident of Astana."""
    return make_citizen(kato=VILLAGE, given_name="Асхат", surname="Нұрланов")


def page(client, path: str, lang: str, status: int = 200) -> str:
    """The page's HTML, its character references read back (a page writes «'» as «&#39;»)."""
    response = client.get(f"{path}?lang={lang}")
    assert response.status_code == status, path
    return unescape(response.get_data(as_text=True))


def private_facts_absent(html: str, citizen, born: date | None = None) -> None:
    assert citizen.iin not in html
    if born is not None:
        assert born.isoformat() not in html and born.strftime("%d.%m.%Y") not in html


@pytest.fixture
def petitions(app, make_citizen):
    """A Government petition and one to the akimat of Astana, both collecting signatures."""
    author = make_citizen(kato=ASTANA)
    now = datetime.now(UTC)
    government = make_petition("open", author.iin, now)
    local = make_petition("open", author.iin, now, addressee="city_akimat", territory=ASTANA)
    return {
        "government": {"id": government.id, "digest": government.digest},
        "local": {"id": local.id, "digest": local.digest},
    }


@pytest.mark.parametrize("lang", LANGS)
def test_a_sixteen_year_old_reads_the_age_rule_instead_of_the_signing_form(client, teenager, petitions, lang):
    pid = petitions["government"]["id"]
    assert 'id="petition-sign"' in page(client, f"/petitions/{pid}", lang)  # anyone may sign: the JWS names them
    sign_in_page(client, teenager)
    html = page(client, f"/petitions/{pid}", lang)
    assert 'id="sign-refusal"' in html
    assert words(lang, SIGN_AGE, age=18) in html
    assert 'id="petition-sign"' not in html and "petition-sign.js" not in html and 'id="sign-key-file"' not in html
    private_facts_absent(html, teenager, sixteen_years_ago())


@pytest.mark.parametrize("lang", LANGS)
def test_a_non_resident_reads_the_residency_rule_instead_of_the_signing_form(
    client, villager, make_citizen, petitions, lang
):
    local, government = petitions["local"]["id"], petitions["government"]["id"]
    sign_in_page(client, villager)
    html = page(client, f"/petitions/{local}", lang)
    assert words(lang, SIGN_PLACE, place=ASTANA_NAMES[lang]) in html
    assert 'id="petition-sign"' not in html and "petition-sign.js" not in html
    private_facts_absent(html, villager)
    assert 'id="petition-sign"' in page(client, f"/petitions/{government}", lang)  # the Government's is anyone's
    sign_in_page(client, make_citizen(kato=ASTANA))  # a resident of Astana signs the local one
    html = page(client, f"/petitions/{local}", lang)
    assert 'id="petition-sign"' in html and 'id="sign-refusal"' not in html


@pytest.mark.parametrize("lang", LANGS)
def test_one_who_signed_reads_so_instead_of_the_form(client, make_citizen, petitions, lang):
    from kernel.errors import DomainError

    signer = make_citizen(kato=ASTANA)
    assert sign(client, signer, petitions["government"]).status_code == 201
    sign_in_page(client, signer)
    html = page(client, f"/petitions/{petitions['government']['id']}", lang)
    with _request(lang):
        assert DomainError("already_signed").message in html
    assert 'id="petition-sign"' not in html


@pytest.mark.parametrize("lang", LANGS)
def test_the_api_keeps_its_codes_and_says_the_same_rule(client, teenager, villager, petitions, lang):
    def signed(citizen, petition):
        doc = {"type": "petition", "id": petition["id"], "digest": petition["digest"]}
        jws = citizen.jws({"purpose": "petition.sign", "iat": int(time.time()), "doc": doc})
        response = client.post(f"/api/v1/petitions/{petition['id']}/signatures?lang={lang}", json={"jws": jws})
        return response.status_code, response.get_json()["error"]

    status, error = signed(teenager, petitions["government"])
    assert (status, error["code"]) == (403, "not_eligible")
    assert error["message"] == words(lang, SIGN_AGE, age=18)
    status, error = signed(villager, petitions["local"])
    assert (status, error["code"]) == (403, "not_resident")
    assert error["message"] == words(lang, SIGN_PLACE, place=ASTANA_NAMES[lang])


@pytest.mark.parametrize("lang", LANGS)
def test_a_sixteen_year_old_gets_no_petition_form_and_a_post_writes_nothing(client, teenager, lang):
    from sqlalchemy import func, select

    from extensions import db
    from petitions.models import Petition

    sign_in_page(client, teenager)
    html = page(client, "/petitions/new", lang)
    assert words(lang, WRITE_AGE, age=18) in html
    assert 'id="petition-form"' not in html and 'name="title"' not in html and "petition-form.js" not in html
    private_facts_absent(html, teenager, sixteen_years_ago())
    posted = client.post(
        f"/petitions/new?lang={lang}",
        data={"title": "Ауыл көшесін жөндеу керек", "body": "Көше " * 20, "language": "kk", "addressee": "government"},
    )
    assert posted.status_code == 403
    assert words(lang, WRITE_AGE, age=18) in posted.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Petition)) == 0


@pytest.mark.parametrize("lang", LANGS)
def test_the_petition_form_says_which_local_bodies_one_may_address(client, villager, lang):
    from tests.petitions.conftest import BODY

    sign_in_page(client, villager)
    html = page(client, "/petitions/new", lang)
    assert words(lang, HOME, places=AKMOLA_NAMES[lang]) in html
    assert 'id="petition-form"' in html  # the Government and Akmola's bodies are theirs to address
    refused = client.post(
        f"/petitions/new?lang={lang}",
        data={
            "title": "Астанадағы көшені жөндеу керек",
            "body": BODY,
            "language": "kk",
            "addressee": "city_akimat",
            "territory": ASTANA,
        },
    )
    assert refused.status_code == 403
    text = unescape(refused.get_data(as_text=True))
    assert words(lang, WRITE_PLACE, place=ASTANA_NAMES[lang]) in text
    assert "Астанадағы көшені жөндеу керек" in text  # what was typed is shown again
    private_facts_absent(text, villager)


@pytest.mark.parametrize("lang", LANGS)
def test_only_the_author_and_signers_get_the_rating_form(client, scene, make_citizen, teenager, lang):  # noqa: F811
    pid = scene["petition"]["id"]
    answered(scene)
    for stranger in (teenager, make_citizen(kato=VILLAGE)):
        sign_in_page(client, stranger)
        html = page(client, f"/petitions/{pid}", lang)
        assert words(lang, "Only the petition's author and its signers may rate its answer.") in html
        assert 'id="rate-refusal"' in html and 'id="petition-rate"' not in html and "petition-rate.js" not in html
    signer = scene["signers"][0]
    sign_in_page(client, signer)
    assert 'id="petition-rate"' in page(client, f"/petitions/{pid}", lang)
    assert rate(client, signer, scene["petition"], 4).status_code == 201
    html = page(client, f"/petitions/{pid}", lang)
    assert words(lang, "You have already rated this answer.") in html and 'id="petition-rate"' not in html
    sign_out_page(client)
    assert 'id="petition-rate"' in page(client, f"/petitions/{pid}", lang)  # anyone else: the JWS names them
