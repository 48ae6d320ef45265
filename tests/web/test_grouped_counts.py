"""A count a template writes through ngettext("%(num)d …") is grouped as the page's language groups
figures, like every other figure on the page (issue 15: "2500 қол" in the review queue)."""

import pytest
from flask import render_template_string

from i18n import format_number


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
@pytest.mark.parametrize("num", [1, 7, 2500, 50000, 1234567])
def test_ngettext_counts_are_grouped_in_every_language(app, lang, num):
    with app.test_request_context(f"/?lang={lang}"):
        app.preprocess_request()
        shown = render_template_string('{{ ngettext("%(num)d signature", "%(num)d signatures", n) }}', n=num)
        grouped = format_number(num)
        assert grouped in shown, (lang, shown)
        if num >= 10000:
            assert str(num) not in shown, (lang, shown)  # never the bare digits


def test_the_plural_form_still_follows_the_count(app):
    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        one = render_template_string('{{ ngettext("%(num)d vote", "%(num)d votes", 1) }}')
        many = render_template_string('{{ ngettext("%(num)d vote", "%(num)d votes", 2500) }}')
    assert one == "1 vote" and many == f"{format_number(2500)} votes"


def test_other_variables_are_still_escaped(app):
    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        shown = render_template_string(
            '{{ ngettext("%(num)d vote for %(what)s", "%(num)d votes for %(what)s", 3, what=w) }}', w="<b>x</b>"
        )
    assert "<b>" not in shown and "&lt;b&gt;" in shown
