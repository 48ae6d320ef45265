"""The open data page lists every export the app serves (read off its URL map, so a new export without a
link fails here), the API's document, the public log and the verify page; every link answers 200; every
page links it from its footer, and the statistics page from its open data."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from tests.page_text import raw_codes, visible_text

LANGS = ("kk", "ru", "en")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.in_footer = False
        self.footer: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "footer":
            self.in_footer = True
        if tag == "a" and dict(attrs).get("href"):
            (self.footer if self.in_footer else self.links).append(dict(attrs)["href"])

    def handle_endtag(self, tag):
        if tag == "footer":
            self.in_footer = False


def links_of(html: str) -> tuple[list[str], list[str]]:
    """The page's links outside its footer, and those in it."""
    parser = _Links()
    parser.feed(html)
    return parser.links, parser.footer


def export_urls(app) -> set[str]:
    """Every address under /api/v1/exports/ the app answers: a rule of its own, or each dataset in each
    format of a rule that takes them as arguments."""
    from petitions.exports import DATASETS, FORMATS

    urls = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/exports/"):
            continue
        if not rule.arguments:
            urls.add(rule.rule)
            continue
        assert rule.arguments == {"name", "fmt"}, f"{rule.rule}: list its addresses on the open data page"
        urls |= {re.sub(r"<name>", name, re.sub(r"<fmt>", fmt, rule.rule)) for name in DATASETS for fmt in FORMATS}
    return urls


@pytest.fixture
def signed_log(app):
    """A log with one entry and a signed head, so that the head's link answers."""
    from extensions import db
    from publiclog import entries, integrate

    entries.append("signature", "petition", 7, datetime.now(UTC), "h.p.s", "receipt-token-1", "petition.sign", None)
    db.session.commit()
    integrate.integrate_all()
    integrate.sign_head(datetime.now(UTC))


def test_the_page_lists_every_export_the_app_serves_and_each_link_answers(app, client, territories, signed_log):
    page = client.get("/open-data?lang=en")
    assert page.status_code == 200
    links, _footer = links_of(page.get_data(as_text=True))
    exports = export_urls(app)
    assert len(exports) >= 7  # three datasets in two formats, and the body record
    missing = exports - set(links)
    assert not missing, f"exports the open data page does not link: {sorted(missing)}"
    for wanted in ("/api/v1/openapi.json", "/api/v1/log/head", "/verify", "/api/v1/statistics/bodies"):
        assert wanted in links
    html = page.get_data(as_text=True)
    for pattern in ("/api/v1/log/entries?start=S&amp;end=E", "/api/v1/log/proof?receipt=", "/api/v1/log/consistency?"):
        assert pattern in html  # the log's other addresses, with what to fill in
    for link in links:
        if link.startswith("/"):
            assert client.get(link).status_code == 200, link


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_speaks_each_language_with_a_licence_for_each_item(client, lang):
    from verification.open_data import SECTIONS

    page = client.get(f"/open-data?lang={lang}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    text = visible_text(html)
    assert not raw_codes(text, lang), raw_codes(text, lang)
    items = [item for _title, section in SECTIONS for item in section]
    assert html.count('class="card open-data-item"') == len(items)
    with client.application.test_request_context(f"/?lang={lang}"):
        licences = {str(item.licence) for item in items}
        titles = [str(item.heading) for item in items]
    assert all(title in text for title in titles)
    assert all(licence in text for licence in licences)
    if lang != "en":
        assert "Free to copy" not in text and "Public petitions" not in text  # translated, not English


@pytest.mark.parametrize("path", ["/", "/petitions", "/budget", "/statistics", "/verify", "/login", "/no-such-page"])
def test_every_page_links_the_open_data_from_its_footer(client, path):
    response = client.get(path)
    _links, footer = links_of(response.get_data(as_text=True))
    assert "/open-data" in footer, path


def test_the_statistics_page_links_the_open_data(client):
    links, _footer = links_of(client.get("/statistics").get_data(as_text=True))
    assert "/open-data" in links
