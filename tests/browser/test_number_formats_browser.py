"""The browser writes a number byte for byte as the server does, in kk, ru and en (Debian's chromium).

Chromium's Intl groups Kazakh with a comma ("12,345") where the server writes "12 345" (U+00A0), so
a figure a script redrew read differently from the one the page was drawn with. The page's own
formatter (static/js/numbers.js, signs from <meta name="number-format">) is evaluated on a range of
numbers, shares and sums and compared with kernel/local_formats.py; then the scripts that redraw
figures are run for real: the signature count after signing, and the ballot's running total.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from tests.browser.test_budget_flow import THIS_YEAR, make_cycle

pytestmark = [pytest.mark.browser]

LANGS = ("kk", "ru", "en")
COUNT, THRESHOLD = 12_345, 50_000
NUMBERS = [0, 7, 999, 1_000, 12_345, 50_000, 999_999, 1_200_000, 8_000_000, 1_234_567_890, -4_500]
SHARES = [(0, 50_000), (1, 2_000), (1, 3), (2, 3), (12_345, 50_000), (12_346, 50_000), (49_999, 50_000), (7, 8)]


def open_petition(server, count: int = COUNT, threshold: int = THRESHOLD) -> int:
    """An open Government petition whose public count is `count` (its shards say so)."""
    from auth import services
    from auth.iin import make
    from extensions import db
    from petitions.models import COUNTER_SHARDS, Petition, PetitionCounter

    now = datetime.now(UTC)
    with server.app.app_context():
        author = services.add_person(
            iin=make(datetime(1985, 1, 9).date(), "M", 4001), surname="Әлиев", given_name="Нұрлан", kato="113243200"
        )
        petition = Petition(
            author_iin=author.iin,
            title="Ауыл көшесін жөндеу керек",
            body="Көшені жөндеу керек. " * 5,
            language="kk",
            addressee="government",
            state="open",
            threshold=threshold,
            digest="sha256:" + "0" * 64,
            created_at=now,
            submitted_at=now,
            published_at=now,
            collection_ends_at=now.replace(year=now.year + 1),
        )
        db.session.add(petition)
        db.session.flush()
        for shard in range(COUNTER_SHARDS):
            db.session.add(PetitionCounter(petition_id=petition.id, shard=shard, count=count if shard == 0 else 0))
        from kernel.digests import digest

        petition.digest = digest(petition.document())  # what the signing script signs, as services do
        db.session.commit()
        petition_id = petition.id
        db.session.remove()
    return petition_id


def server_writes(server, lang: str) -> dict[str, list[str]]:
    from kernel import local_formats as lf

    with server.app.app_context():
        return {
            "numbers": [lf.number(n, lang) for n in NUMBERS],
            "shares": [lf.percent_of(part, whole, lang) for part, whole in SHARES],
            "money": [lf.money(n, lang) for n in NUMBERS],
        }


def browser_writes(page) -> dict[str, list[str]]:
    return page.evaluate(
        """([numbers, shares]) => ({
            numbers: numbers.map((n) => DauysNumbers.number(n)),
            shares: shares.map(([part, whole]) => DauysNumbers.percentOf(part, whole)),
            money: numbers.map((n) => DauysNumbers.money(n)),
        })""",
        [NUMBERS, SHARES],
    )


def utf8(values: dict[str, list[str]]) -> dict[str, list[bytes]]:
    return {kind: [v.encode("utf-8") for v in vs] for kind, vs in values.items()}


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_s_formatter_writes_what_the_server_writes(live_server, phone, lang):
    petition_id = open_petition(live_server)
    page = phone
    page.goto(f"{live_server.url}/petitions/{petition_id}?lang={lang}")
    assert utf8(browser_writes(page)) == utf8(server_writes(live_server, lang))
    # the figure the server drew is the one the script writes for the same number
    drawn = page.locator("#petition-progress-label [data-count]").text_content()
    assert drawn.encode() == page.evaluate(f"DauysNumbers.number({COUNT})").encode()
    percent = page.locator(".progress-more [data-percent]").text_content()
    assert percent.encode() == page.evaluate(f"DauysNumbers.percentOf({COUNT}, {THRESHOLD})").encode()


@pytest.mark.parametrize("lang", LANGS)
def test_after_signing_the_script_redraws_the_figures_as_the_server_draws_them(
    live_server, phone, tmp_path, screenshots, lang
):
    from kernel import local_formats as lf

    petition_id = open_petition(live_server)
    signer = live_server.citizen(tmp_path, serial=3000 + LANGS.index(lang))
    page = phone
    page.goto(f"{live_server.url}/petitions/{petition_id}?lang={lang}")
    page.set_input_files("#sign-key-file", str(signer.sign_key))
    page.set_input_files("#sign-cert-file", str(signer.sign_cert))
    page.click("#sign-submit")
    page.locator("#sign-status .receipt").wait_for()
    count = page.locator("#petition-progress-label [data-count]")
    from playwright.sync_api import expect

    expect(count).to_have_text(lf.number(COUNT + 1, lang))
    assert count.text_content().encode() == lf.number(COUNT + 1, lang).encode()
    remaining = page.locator(".progress-more [data-remaining]").text_content()
    assert remaining.encode() == lf.number(THRESHOLD - COUNT - 1, lang).encode()
    percent = page.locator(".progress-more [data-percent]").text_content()
    assert percent.encode() == lf.percent_of(COUNT + 1, THRESHOLD, lang).encode()
    # and a fresh page, drawn by the server, says the same
    page.screenshot(path=str(screenshots / f"numbers-signed-{lang}.png"), full_page=True)


@pytest.mark.parametrize("lang", LANGS)
def test_the_ballot_s_running_total_is_written_as_the_server_writes_sums(live_server, phone, lang):
    from budgeting.models import Proposal
    from extensions import db
    from kernel import local_formats as lf

    cycle_id = make_cycle(live_server, THIS_YEAR, "voting", amount=8_000_000, ballot="knapsack")
    costs = [1_200_000, 2_750_000]
    now = datetime.now(UTC)
    with live_server.app.app_context():
        from auth import services
        from auth.iin import make

        author = services.add_person(
            iin=make(datetime(1979, 3, 3).date(), "M", 5001 + LANGS.index(lang)),
            surname="Омаров",
            given_name="Ерлан",
            kato="113243200",
        )
        for cost in costs:
            db.session.add(
                Proposal(
                    cycle_id=cycle_id,
                    author_iin=author.iin,
                    title=f"Жоба {cost}",
                    description="Сипаттама " * 10,
                    category="roads",
                    settlement="113243200",
                    cost=cost,
                    checked_cost=cost,
                    state="eligible",
                    digest="sha256:" + uuid.uuid4().hex * 2,
                    created_at=now,
                    submitted_at=now,
                    screened_at=now,
                )
            )
        db.session.commit()
        db.session.remove()
    page = phone
    page.goto(f"{live_server.url}/budget/{cycle_id}/vote?lang={lang}")
    for box in page.locator("input[name=projects]").all():
        box.check()
    total = page.locator("#ballot-total").text_content()
    with live_server.app.test_request_context(f"/?lang={lang}"):
        from flask_babel import force_locale, gettext

        with force_locale(lang):
            expected = gettext("Chosen: {total} of {amount}").format(
                total=lf.money(sum(costs), lang), amount=lf.money(8_000_000, lang)
            )
            left = gettext("{left} left").format(left=lf.money(8_000_000 - sum(costs), lang))
    assert total.encode() == expected.encode()
    assert page.locator("#ballot-check").text_content().encode() == left.encode()
    # the server's own sums on the page (each project's cost) are written the same way
    drawn = page.locator(".ballot-cost").first.text_content()
    assert drawn.encode() == page.evaluate(f"DauysNumbers.money({costs[0]})").encode()
