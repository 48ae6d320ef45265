"""CSV for spreadsheets: UTF-8 with one byte-order mark, and no text cell a spreadsheet would run as a formula.

Every CSV the platform serves is written here (API.md, "Limits every request meets"). The formula
rule is OWASP's: a text cell that starts with `=`, `+`, `-`, `@`, tab or CR gets a leading `'`, which
spreadsheets read as "this is text". Spreadsheets are looser than that list, so the rule also looks
past what they may strip or not show before the formula (whitespace, line and paragraph
separators, control and format characters such as U+200B or U+FEFF, blank-looking letters such as
U+3164) and at compatibility forms that normalise to a trigger (full-width `＝`, small `﹦`), and
counts U+2212 MINUS SIGN as a minus.

Numbers we produce (counts, ids, thresholds) are `int`s and stay numbers: they are written unquoted
and untouched, a negative one too, because a number's text is digits and a sign and cannot call
anything. Anything else is text, whatever it looks like: a title of "-1+1" is neutralised, since it
came from a person. Every text cell is quoted, so a line break or separator inside a cell stays in it.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from flask import Response

BOM = "\ufeff"
FORMULA_STARTS = frozenset("=+-@\t\r\u2212")
# Letters that render as nothing (Hangul fillers, the Braille blank): not format characters, but invisible.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _invisible(char: str) -> bool:
    # C*: control, format (U+200B, U+FEFF, bidi marks), private, unassigned; Z*: spaces and separators
    return char.isspace() or unicodedata.category(char)[0] in "CZ" or char in BLANK_LETTERS


def _starts_a_formula(text: str) -> bool:
    if text[:1] in FORMULA_STARTS:
        return True
    i = 0
    while i < len(text) and _invisible(text[i]):
        i += 1
    return i < len(text) and unicodedata.normalize("NFKC", text[i])[:1] in FORMULA_STARTS


def neutralise(value: object) -> object:
    """The cell as it is safe to write: numbers as they are, None as "", text with a `'` if it could run."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if _starts_a_formula(text) else text


def csv_text(rows: Iterable[Mapping[str, object]], fields: Sequence[str]) -> str:
    """The file: a BOM, a header of `fields`, one line per row (RFC 4180: CRLF, text cells quoted)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    writer.writerow([neutralise(name) for name in fields])
    for row in rows:
        writer.writerow([neutralise(row.get(name)) for name in fields])
    return BOM + buffer.getvalue()


def csv_response(rows: Iterable[Mapping[str, object]], fields: Sequence[str], filename: str) -> Response:
    """A download of `csv_text`: `text/csv; charset=utf-8`, named `filename`."""
    response = Response(csv_text(rows, fields).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
