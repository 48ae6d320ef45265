"""The one CSV writer: no text cell a spreadsheet would run as a formula, UTF-8 with one byte-order mark."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from kernel.csv_export import BOM, csv_text, neutralise
from tests.csv_cells import FORMULAS, TEXTS


@pytest.mark.parametrize("cell", FORMULAS)
def test_a_cell_a_spreadsheet_would_run_gets_a_leading_quote(cell):
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", TEXTS)
def test_other_text_is_left_as_it_is(cell):
    assert neutralise(cell) == cell


@pytest.mark.parametrize("number", [0, 5, -5, 3.5, -2.25, Decimal("-1"), 10**20])
def test_numbers_we_produce_stay_numbers(number):
    assert neutralise(number) is number
    line = csv_text([{"n": number}], ["n"]).removeprefix(BOM).splitlines()[1]
    assert line == str(number)  # unquoted: a spreadsheet reads a number, not text


def test_none_is_an_empty_cell_and_a_bool_is_text():
    assert neutralise(None) == "" and neutralise(True) == "True"


def test_the_file_has_one_bom_quotes_line_breaks_and_reads_back():
    cells = [*FORMULAS, *TEXTS, "Жол\nжөндеу", "a\r\nb", "x\u2028y", 'он "бес"', "a,b;c"]
    rows = [{"title": cell, "count": i} for i, cell in enumerate(cells)]
    text = csv_text(rows, ["title", "count"])
    assert text.startswith(BOM) and not text[1:].startswith(BOM)
    data = text.encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\xef\xbb\xbf") == 1 + sum(c.count("\ufeff") for c in cells)
    read = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [r["title"] for r in read] == [neutralise(c) for c in cells]
    assert [int(r["count"]) for r in read] == list(range(len(cells)))
    assert text.endswith("\r\n")


def test_kazakh_and_russian_round_trip_through_the_bom():
    rows = [{"title": "Ауыл көшесін жөндеу керек", "territory": "Ақмола облысы"},
            {"title": "Отремонтировать дорогу в селе Кенес", "territory": "город Астана"}]
    data = csv_text(rows, ["title", "territory"]).encode("utf-8")
    assert list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")))) == rows
