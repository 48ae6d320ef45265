"""Sharing a petition (petitions/sharing.py): the link card of its page, the share links, the receipt
page a signer reads after signing, the A4 poster with its QR code, and the short link it prints."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp

from tests.petitions.conftest import create_and_submit, sign

# user text that must come out escaped in every attribute and element it lands in
TITLE = 'Жолды "тез" жөндеу <керек> & жарық'
BASE = "https://dauys.example.kz"


@pytest.fixture
def sharing_app(app):
    app.config["BASE_URL"] = BASE + "/"  # a trailing slash too: the links have one between
    return app


@pytest.fixture
def author(make_citizen, actor):
    return actor(make_citizen(kato="710000000", surname="Жұмабаев", given_name="Ерлан"))


@pytest.fixture
def approved(sharing_app, author, officials):
    petition = create_and_submit(author, title=TITLE)
    assert officials["moderator"].moderate(petition).status_code == 200
    return author.get(f"/api/v1/petitions/{petition['id']}").get_json()


def _metas(page: str) -> dict[str, str]:
    found = {}
    for tag in re.findall(r"<meta [^>]+>", page):
        key = re.search(r'(?:property|name)="([^"]+)"', tag)
        content = re.search(r'content="([^"]*)"', tag)
        if key and content:
            found[key.group(1)] = content.group(1)
    return found


@pytest.mark.parametrize(
    ("lang", "progress"),
    [("kk", "жариялану үшін қажет алғашқы"), ("ru", "первых сторонников"), ("en", "first supporters it needs")],
)
def test_the_petition_page_has_a_link_card_with_its_title_escaped_and_its_progress(client, approved, lang, progress):
    page = client.get(f"/petitions/{approved['id']}?lang={lang}").get_data(as_text=True)
    head = page[: page.index("</head>")]
    metas = _metas(head)
    assert html.unescape(metas["og:title"]) == TITLE == html.unescape(metas["twitter:title"])
    assert "&#34;тез&#34;" in metas["og:title"] and "&lt;керек&gt; &amp;" in metas["og:title"]  # escaped, not raw
    assert '"тез"' not in head and "<керек>" not in head
    assert metas["og:url"] == f"{BASE}/petitions/{approved['id']}"
    assert metas["og:type"] == "article" and metas["twitter:card"] == "summary"
    assert progress in html.unescape(metas["og:description"]) and "0" in metas["og:description"]
    assert metas["og:description"] == metas["twitter:description"]
    assert f'<link rel="canonical" href="{BASE}/petitions/{approved["id"]}">' in head


def test_an_open_petition_card_says_its_count_of_the_threshold(
    client, sharing_app, small_thresholds, approved, make_citizen
):
    for _ in range(2):  # its first supporters: it opens
        assert sign(client, make_citizen(), approved).status_code == 201
    metas = _metas(client.get(f"/petitions/{approved['id']}?lang=en").get_data(as_text=True))
    assert html.unescape(metas["og:description"]) == "2 of 3 signatures (66.7%): 1 more to go"
    russian = _metas(client.get(f"/petitions/{approved['id']}?lang=ru").get_data(as_text=True))
    assert html.unescape(russian["og:description"]).startswith("2 из 3 подписей")


def test_the_share_links_carry_the_petition_address_and_a_message_in_the_page_language(client, approved):
    page = client.get(f"/petitions/{approved['id']}?lang=ru").get_data(as_text=True)
    url = f"{BASE}/petitions/{approved['id']}"
    telegram = html.unescape(re.search(r'class="button secondary share-telegram" href="([^"]+)"', page).group(1))
    whatsapp = html.unescape(re.search(r'class="button secondary share-whatsapp" href="([^"]+)"', page).group(1))
    parts = urlsplit(telegram)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "t.me", "/share/url")
    query = parse_qs(parts.query)
    assert query["url"] == [url] and query["text"][0].startswith(f"Поддержите петицию «{TITLE}»")
    assert urlsplit(whatsapp).netloc == "wa.me"
    text = parse_qs(urlsplit(whatsapp).query)["text"][0]
    assert text.endswith("\n" + url) and TITLE in text
    # the link to copy, its button (shown by the script) and the poster
    assert f'class="share-url" type="text" value="{url}" readonly' in page
    assert 'data-copy="petition-share-url"' in page and f'href="/petitions/{approved["id"]}/poster"' in page


def test_a_draft_has_no_share_block(client, author):
    draft = author.post(
        "/api/v1/petitions",
        {"title": TITLE, "body": "Ұсыныс: " + "көше " * 20, "language": "kk", "addressee": "government"},
    ).get_json()
    from tests.petitions.test_pages import sign_in_page

    sign_in_page(client, author.citizen)
    page = client.get(f"/petitions/{draft['id']}").get_data(as_text=True)
    assert "share-telegram" not in page and "og:title" in page


def test_the_receipt_says_what_happens_next_and_how_to_check_it(client, approved, make_citizen):
    signed = sign(client, make_citizen(), approved, notify=True)
    receipt = signed.get_json()["receipt"]
    page = client.get(f"/petitions/{approved['id']}/receipt?receipt={receipt}&lang=en")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    text = " ".join(re.sub(r"<[^>]+>", " ", page.get_data(as_text=True)).split())
    assert "Your signature is counted" in text
    assert "So far 1 of the 50 first supporters has signed the petition." in text
    assert "49 more are needed by" in text and "It then collects signatures for 6 months." in text
    assert "In all it needs 50,000 signatures." in text and "answer within 40 working days." in text
    assert "You will be told when the petition reaches its threshold" in text
    assert receipt in text and f'href="/verify?receipt={receipt}"' in page.get_data(as_text=True)
    assert "robots" in page.get_data(as_text=True)
    # the part the signing script shows under the form: no page around it
    part = client.get(f"/petitions/{approved['id']}/receipt?receipt={receipt}&part=1&lang=kk").get_data(as_text=True)
    assert part.lstrip().startswith("<section") and "<html" not in part and "Қолыңыз есепке алынды" in part
    assert 'data-copy="receipt-share-url"' in part


def test_an_open_petition_receipt_counts_to_the_threshold(client, small_thresholds, approved, make_citizen):
    for _ in range(2):
        receipt = sign(client, make_citizen(), approved).get_json()["receipt"]
    text = client.get(f"/petitions/{approved['id']}/receipt?receipt={receipt}&lang=ru").get_data(as_text=True)
    assert "Сейчас у петиции 2 подписи из 3 нужных." in text and "Нужна ещё 1 подпись до" in text
    receipt = sign(client, make_citizen(), approved).get_json()["receipt"]
    text = client.get(f"/petitions/{approved['id']}/receipt?receipt={receipt}&lang=en").get_data(as_text=True)
    assert (
        "it has reached its threshold of 3" in text
        and "must hold a public discussion with its author and answer by" in text
    )


def test_a_receipt_page_is_found_only_by_its_receipt_on_its_petition(
    client, sharing_app, author, approved, make_citizen
):
    receipt = sign(client, make_citizen(), approved).get_json()["receipt"]
    other = create_and_submit(author, title="Басқа петиция, басқа тақырып")
    for path in (
        f"/petitions/{other['id']}/receipt?receipt={receipt}",
        f"/petitions/{approved['id']}/receipt?receipt={receipt[:-2]}xx",
        f"/petitions/{approved['id']}/receipt?receipt=",
        f"/petitions/{approved['id']}/receipt?receipt=%3Cscript%3Ealert(1)%3C/script%3E",
        f"/petitions/{approved['id']}/receipt",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "receipt-code" not in response.get_data(as_text=True)


def _qr_modules(svg: str) -> list[list[bool]]:
    """The dark modules of segno's inline SVG: one path of horizontal runs (M x y, m dx dy, h n)."""
    size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    path = re.search(r' d="([^"]+)"', svg).group(1)
    dark = [[False] * size for _ in range(size)]
    x = y = 0.0
    for op, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            for column in range(int(x), int(x + float(a))):
                dark[int(y - 0.5)][column] = True
            x += float(a)
    return dark


def _decoded(dark: list[list[bool]], scale: int = 6) -> list[str]:
    """What an independent decoder (zxing-cpp) reads in the modules drawn as a grey-scale image."""
    size = len(dark) * scale
    pixels = bytearray(b"\xff" * size * size)
    for row, cells in enumerate(dark):
        for column, is_dark in enumerate(cells):
            if is_dark:
                for dy in range(scale):
                    start = (row * scale + dy) * size + column * scale
                    pixels[start : start + scale] = bytes(scale)
    return [found.text for found in zxingcpp.read_barcodes(memoryview(pixels).cast("B", shape=[size, size]))]


@pytest.mark.parametrize(
    ("lang", "words"),
    [("kk", "Оқып, қол қою үшін сканерлеңіз"), ("ru", "Отсканируйте"), ("en", "Scan to read and sign")],
)
def test_the_poster_has_the_title_the_count_the_short_link_and_a_qr_code_of_the_petition(client, approved, lang, words):
    response = client.get(f"/petitions/{approved['id']}/poster?lang={lang}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Жолды &#34;тез&#34; жөндеу &lt;керек&gt; &amp; жарық" in page and "<керек>" not in page
    assert words in page and "css/poster.css" in page[: page.index("</head>")]
    assert f'<p class="poster-url">dauys.example.kz/p/{approved["id"]}</p>' in page  # the short link, typed by hand
    svg = re.search(r"<svg [^>]*class=\"qr\".*?</svg>", page, re.S).group(0)
    assert _decoded(_qr_modules(svg)) == [f"{BASE}/petitions/{approved['id']}"]
    assert "0" in re.search(r'class="poster-count"><strong>([^<]+)', page).group(1)  # the count at print time


def test_a_poster_is_for_a_petition_people_can_sign(client, author, approved):
    in_moderation = create_and_submit(author, title="Модерациядағы петиция атауы")
    assert client.get(f"/petitions/{in_moderation['id']}/poster").status_code == 409
    assert client.get("/petitions/999999/poster").status_code == 404


def test_the_short_link_leads_to_the_petition(client, approved):
    response = client.get(f"/p/{approved['id']}")
    assert response.status_code == 302 and response.headers["Location"] == f"/petitions/{approved['id']}"


def test_the_receipt_of_a_petition_whose_collection_ended_says_so(client, approved, make_citizen):
    from sqlalchemy import update

    from extensions import db
    from petitions import counter
    from petitions.models import Petition

    receipt = sign(client, make_citizen(), approved).get_json()["receipt"]
    db.session.execute(update(Petition).where(Petition.id == approved["id"]).values(state="lapsed"))
    db.session.commit()
    counter.forget(approved["id"])
    text = client.get(f"/petitions/{approved['id']}/receipt?receipt={receipt}&lang=en").get_data(as_text=True)
    assert "The collection has ended." in text and "reached its threshold" not in text
