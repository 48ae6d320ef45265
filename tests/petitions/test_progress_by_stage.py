"""The petition page's progress follows the stage (issue 15, "progress that misleads"): a restricted
petition counts towards its first supporters, an open one towards its threshold with a percentage and
what is left, a finished one says where it ended."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.petitions.test_transitions import make_petition, set_count


def _progress(client, petition_id: int, lang: str = "en") -> tuple[str, str, str]:
    html = client.get(f"/petitions/{petition_id}?lang={lang}").get_data(as_text=True)
    block = html[html.index('<div class="progress-block">'):]
    block = block[: block.index("</div>")]
    bar = re.search(r'<progress[^>]*max="(\d+)" value="(\d+)"', block)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", block)).strip()
    return bar.group(1), bar.group(2), text


@pytest.fixture
def author(app, make_citizen):
    return make_citizen().iin


def test_a_restricted_petition_counts_towards_its_first_supporters(app, client, author):
    app.config.update(PETITION_RESTRICTED_SUPPORTERS=50)
    petition = make_petition("restricted", author, datetime.now(UTC), threshold=50000)
    set_count(petition.id, 12)
    target, value, text = _progress(client, petition.id)
    assert (target, value) == ("50", "12")
    assert "12 of the 50 first supporters it needs to be published" in text and "38 more to go" in text
    assert "50,000" not in text and "24%" in text


def test_an_open_petition_shows_its_share_and_what_is_left_even_when_tiny(app, client, author):
    petition = make_petition("open", author, datetime.now(UTC), threshold=50000)
    set_count(petition.id, 60)
    target, value, text = _progress(client, petition.id)
    assert (target, value) == ("50000", "60")
    assert "60 of 50,000 signatures" in text and "0.1%" in text and "49,940 more to go" in text
    tiny = make_petition("open", author, datetime.now(UTC), threshold=50000)
    set_count(tiny.id, 7)  # another petition: the public count is cached for a second
    assert "less than 0.1%" in _progress(client, tiny.id)[2]
    _, _, kazakh = _progress(client, tiny.id, "kk")
    assert "49" in kazakh and "қажет" in kazakh
    _, _, russian = _progress(client, tiny.id, "ru")
    assert "осталось" in russian and "менее" in russian


@pytest.mark.parametrize("state, says", [("under_review", "The threshold was reached"), ("answered", "The threshold was reached"),
                                         ("closed", "The collection has ended")])
def test_a_finished_petition_says_where_it_ended(app, client, author, state, says):
    petition = make_petition(state, author, datetime.now(UTC), threshold=3)
    set_count(petition.id, 3 if state != "closed" else 2)
    _, _, text = _progress(client, petition.id)
    assert says in text and "to go" not in text
