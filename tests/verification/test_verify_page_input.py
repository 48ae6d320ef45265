"""GET /verify takes a receipt in any spelling the API does and answers bad ones with a 4xx, never a 5xx."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest


@pytest.fixture
def logged(app):
    from extensions import db
    from publiclog import entries, integrate

    entries.append("signature", "petition", 7, datetime.now(UTC), "h.p.s", "receipt-token-1", "petition.sign", "710000000")
    db.session.commit()
    integrate.integrate_all()
    integrate.sign_head(datetime.now(UTC))
    return "sha256:" + hashlib.sha256(b"receipt-token-1").hexdigest()


def test_the_receipt_its_hash_and_the_hash_in_capitals_find_one_entry(client, logged):
    pages = [client.get(f"/verify?receipt={spelling}") for spelling in
             ("receipt-token-1", logged, logged.upper(), " receipt-token-1 ")]
    assert [page.status_code for page in pages] == [200] * 4
    assert all("petition.sign" in page.get_data(as_text=True) for page in pages)


@pytest.mark.parametrize("spelling", ["<script>", "sha256:xyz", "a" * 65, "рецепт-түбіртек", "sha256:" + "0" * 63, "%00"])
def test_what_is_no_receipt_is_422(client, logged, spelling):
    assert client.get("/verify", query_string={"receipt": spelling}).status_code == 422


def test_a_receipt_the_log_does_not_hold_is_404(client, logged):
    assert client.get("/verify?receipt=receipt-token-2").status_code == 404
    assert client.get("/verify?receipt=sha256:" + "0" * 64).status_code == 404


@pytest.mark.parametrize(("lang", "words"), [("kk", None), ("ru", None), ("en", "Signing a petition")])
def test_the_purpose_is_said_in_words_with_its_code_beside(client, logged, lang, words):
    from auth.eds import PURPOSE_WORDS

    page = client.get(f"/verify?receipt=receipt-token-1&lang={lang}").get_data(as_text=True)
    with client.application.test_request_context(f"/?lang={lang}"):
        client.application.preprocess_request()
        said = str(PURPOSE_WORDS["petition.sign"])
    assert said != "petition.sign" and (words is None or said == words)
    assert f'{said} <code lang="en">petition.sign</code>' in page


def test_every_purpose_a_signature_can_have_has_words_in_every_language(app):
    from auth.eds import PURPOSE_KEY, PURPOSE_WORDS

    assert set(PURPOSE_WORDS) == set(PURPOSE_KEY)
    for lang in ("kk", "ru", "en"):
        with app.test_request_context(f"/?lang={lang}"):
            app.preprocess_request()
            for purpose, words in PURPOSE_WORDS.items():
                assert str(words) and str(words) != purpose, (lang, purpose)
