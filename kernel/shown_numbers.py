"""A number inside a sentence, formatted when the sentence is shown, in the reader's locale: a field's
hint and its error name their limits through this one formatter, so a hint of "50–10 000" never meets
an error of "50–10000" (it writes them as the templates' `format_number` does: kernel/local_formats.py)."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel.speaklater import LazyString

from kernel import local_formats


def shown(number: int) -> LazyString:
    """`number` grouped as the reader's locale groups it ("10 000" in Kazakh and Russian, "10,000" in
    English), for a `%(name)s` of a lazy message."""
    return LazyString(lambda: local_formats.number(number, get_locale()))
