"""visible_text on its own: which titles are refused, what prose keeps, which titles fold together."""

from __future__ import annotations

import unicodedata

import pytest

from kernel import visible_text
from kernel.visible_text import TextRefused, look_alike_key, prose, title

TITLE = "Ауыл көшесін жөндеу керек"

# Each hides or reorders something a reader cannot see (the title around it is ordinary).
INVISIBLE_SPELLINGS = {
    "ten zero-width spaces": "\u200b" * 10,
    "zero-width non-joiners only": "\u200c" * 12,
    "zero-width joiners only": "\u200d" * 12,
    "word joiners only": "\u2060" * 12,
    "byte-order marks only": "\ufeff" * 12,
    "soft hyphens only": "\u00ad" * 12,
    "Hangul fillers only": "\u3164" * 12,
    "halfwidth Hangul fillers": "\uffa0" * 12,
    "Hangul choseong filler": "\u115f" * 12,
    "braille blanks": "\u2800" * 12,
    "a zero-width space inside": "Ауыл\u200b көшесін жөндеу",
    "right-to-left override inside": "Ауыл көшесін \u202eуеднөж керек",
    "left-to-right override inside": "Ауыл \u202dкөшесін жөндеу керек",
    "right-to-left isolate ... pop isolate": "Ауыл \u2067көшесін\u2069 жөндеу керек",
    "combining grapheme joiner": "Ауыл\u034f көшесін жөндеу",
    "a variation selector": "Ауыл көшесін\ufe0f жөндеу",
    "a Mongolian free variation selector": "Ауыл көшесін\u180b жөндеу",
    "a tag character": "Ауыл көшесін\U000e0041 жөндеу",
    "a line separator": "Ауыл көшесін\u2028жөндеу керек",
    "a control character": "Ауыл көшесін\x07 жөндеу керек",
    "a private-use character": "Ауыл көшесін\ue000 жөндеу керек",
}


@pytest.mark.parametrize("spelling", INVISIBLE_SPELLINGS.values(), ids=INVISIBLE_SPELLINGS.keys())
def test_a_title_with_any_invisible_or_direction_character_is_refused(spelling):
    with pytest.raises(TextRefused) as refused:
        title(spelling, 10, 200)
    assert refused.value.reason == "invisible"


@pytest.mark.parametrize("spelling", [" " * 12, "\u3000" * 12, "\u00a0\u2003" * 6, "\u0301" * 12, " \u0301 " * 5])
def test_a_title_of_spaces_or_bare_marks_is_empty(spelling):
    with pytest.raises(TextRefused) as refused:
        title(spelling, 10, 200)
    assert refused.value.reason == "empty"


def test_a_title_is_stored_nfc_with_single_spaces():
    decomposed = unicodedata.normalize("NFD", "Ақсай ауылына жаңа көпір салу")
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    assert title("  " + decomposed.replace(" ", " \u3000 ") + " ", 10, 200) == "Ақсай ауылына жаңа көпір салу"
    with pytest.raises(TextRefused) as refused:
        title("Жол" + " " * 20, 10, 200)
    assert refused.value.reason == "length"


def test_every_default_ignorable_code_point_is_invisible():
    for low, high in visible_text.DEFAULT_IGNORABLE:
        for point in (low, high):
            assert visible_text.is_invisible(chr(point)), hex(point)
    for char in "Аа әӘ1!?«»—№ ":
        assert not visible_text.is_invisible(char), char


@pytest.mark.parametrize("control", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\x00", "\x1b", "\ud800"])
def test_prose_refuses_embeddings_overrides_isolates_and_controls(control):
    with pytest.raises(TextRefused) as refused:
        prose(f"Көше жарығы керек.{control} Балалар қараңғыда жүреді.")
    assert refused.value.reason == "control"


def test_prose_keeps_what_real_writing_uses():
    text = "Бірінші жол.\r\n\tЕкінші: әке\u200dшеше, ауыл\u00adшаруашылығы, \u200f«цитата»\u200e 👨\u200d👩\u200d👧"
    assert prose(text) == unicodedata.normalize("NFC", text).strip()


HOUSES = "Үйлер арасындағы көшені жөндеу"  # «й» decomposes under NFD
LOOK_ALIKES = {
    "Latin letters for Cyrillic ones": "Үйлeр aрaсындaғы көшeнi жөндeу",
    "upper case": "ҮЙЛЕР АРАСЫНДАҒЫ КӨШЕНІ ЖӨНДЕУ",
    "upper case with Latin look-alikes": "ҮЙЛEP APACЫНДAҒЫ KӨШEНI ЖӨНДEУ",
    "decomposed (NFD)": unicodedata.normalize("NFD", HOUSES),
    "extra spaces and punctuation": "Үйлер арасындағы  көшені жөндеу!!!",
    "fullwidth punctuation": "Үйлер арасындағы көшені жөндеу\uff01",
}


@pytest.mark.parametrize("copy", LOOK_ALIKES.values(), ids=LOOK_ALIKES.keys())
def test_copies_a_reader_would_take_for_the_title_share_its_key(copy):
    assert copy != HOUSES
    assert look_alike_key(copy) == look_alike_key(HOUSES)


def test_a_latin_capital_for_a_cyrillic_one_shares_the_key_and_other_titles_do_not():
    assert look_alike_key("Mектеп салу керек") == look_alike_key("Мектеп салу керек")
    assert look_alike_key("Ауыл көшесін жөндеу керек емес") != look_alike_key(TITLE)
    assert look_alike_key("Ауыл көпірін жөндеу керек") != look_alike_key(TITLE)
    assert len(look_alike_key(TITLE)) == 64
