"""What published text may contain: titles hold only visible characters, no text reorders itself, look-alikes fold together.

Pure functions (no database, no request). A title is what a reader takes a document for, so it
must show exactly what it holds: no invisible, control or direction-changing character, no
character that draws an empty cell, no pile of combining marks, and not only spaces. Longer text
(a petition's body, a reason, an answer) keeps the joiners and soft hyphens real writing uses,
but never a bidi control (Bidi_Control: marks, embeddings, overrides, isolates), which would make
it display in another order than it is stored, signed and digested, nor marks stacked high
enough to cover the lines around them. The look-alike key lets a duplicate written with Latin
letters for Cyrillic ones, hooked or tailed variants of Kazakh letters, an invisible character
slipped in (or in another case, or another Unicode form) be found with one indexed look-up.
"""

from __future__ import annotations

import hashlib
import unicodedata
from functools import cache

# General categories that are never visible text in a title: controls, format characters
# (zero-width spaces and joiners, bidi controls, the BOM), private use, surrogates, unassigned,
# and the line and paragraph separators.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})

# Default_Ignorable_Code_Point (Unicode DerivedCoreProperties.txt): code points a renderer shows
# as nothing, whatever their category, e.g. the Hangul fillers (Lo), the combining grapheme
# joiner and the variation selectors (Mn), the Mongolian free variation selectors.
DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)

# Symbols and marks that are neither of the above yet draw an empty cell (or nothing) in common
# fonts: BRAILLE PATTERN BLANK, OBJECT REPLACEMENT CHARACTER (Chromium draws nothing for it),
# MUSICAL SYMBOL NULL NOTEHEAD, KHITAN SMALL SCRIPT FILLER. (U+FFFD REPLACEMENT CHARACTER draws a
# visible box: allowed, but the look-alike fold drops it, FOLDED_AWAY.)
BLANK_GLYPHS = frozenset({0x2800, 0xFFFC, 0x1D159, 0x16FE4})

# Bidi_Control (Unicode PropList.txt): ALM, LRM, RLM, the embeddings and overrides, the isolates.
# Each makes stored text display in another order than it is stored: "\u200f5 000 000\u200f"
# shows as "000 000 5". Kazakh and Russian need none of them.
BIDI_CONTROLS = frozenset({0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)})

# Combining marks (Mn, Me) one character may carry: Kazakh and Russian in NFC need one at most (a
# stress mark); emoji keycaps take two. More is "Zalgo" text, drawn over the lines around it.
MAX_MARKS_PER_CHARACTER = 2
MARK_CATEGORIES = frozenset({"Mn", "Me"})

# Controls that ordinary multi-line text does use.
TEXT_CONTROLS = frozenset({"\t", "\n", "\r"})


class TextRefused(ValueError):
    """Why a text is refused: `reason` is one of "invisible", "empty", "length", "control", "marks"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def is_invisible(char: str) -> bool:
    """True for a character that shows nothing (or changes how others show) where it stands."""
    point = ord(char)
    if unicodedata.category(char) in INVISIBLE_CATEGORIES or point in BLANK_GLYPHS:
        return True
    return any(low <= point <= high for low, high in DEFAULT_IGNORABLE)


def stacked_marks(text: str, *, lone: bool) -> bool:
    """True if a character carries more than MAX_MARKS_PER_CHARACTER combining marks, or, with
    `lone`, if a mark stands on nothing (at the start, or after a space) and so floats free."""
    run = 0
    base = False
    for char in text:
        if unicodedata.category(char) in MARK_CATEGORIES:
            run += 1
            if run > MAX_MARKS_PER_CHARACTER or (lone and not base):
                return True
        else:
            run = 0
            base = not char.isspace()
    return False


def title(value: object, min_chars: int, max_chars: int) -> str:
    """The title as stored: NFC, each run of spaces one space, trimmed; or TextRefused.

    Refused: any invisible character (not stripped: a title that hid one was written to
    mislead, and silently cleaning it would hide that); nothing visible besides spaces and
    combining marks; a mark standing alone or more than MAX_MARKS_PER_CHARACTER on one
    character; a length outside [min_chars, max_chars] once cleaned.
    """
    text = unicodedata.normalize("NFC", value if isinstance(value, str) else "")
    if any(is_invisible(char) for char in text):
        raise TextRefused("invisible")
    text = " ".join(text.split())
    if not any(unicodedata.category(char)[0] in "LNSP" for char in text):
        raise TextRefused("empty")
    if stacked_marks(text, lone=True):
        raise TextRefused("marks")
    if not min_chars <= len(text) <= max_chars:
        raise TextRefused("length")
    return text


def prose(value: object) -> str:
    """Longer text as stored: NFC and trimmed; or TextRefused("control") or TextRefused("marks").

    Zero-width joiners and soft hyphens stay (emoji and hyphenation need them); every bidi control
    (direction marks too), other control characters and lone surrogates are refused, since no
    Kazakh or Russian text needs them and they either reorder what a reader sees against what was
    signed or cannot be stored at all; so are marks stacked past MAX_MARKS_PER_CHARACTER.
    """
    text = unicodedata.normalize("NFC", value if isinstance(value, str) else "")
    for char in text:
        category = unicodedata.category(char)
        if ord(char) in BIDI_CONTROLS or category == "Cs" or (category == "Cc" and char not in TEXT_CONTROLS):
            raise TextRefused("control")
    if stacked_marks(text, lone=False):
        raise TextRefused("marks")
    return text.strip()


def isolated(text: str) -> str:
    """Plain text made unable to reorder what stands around it: wrapped in FIRST STRONG ISOLATE ...
    POP DIRECTIONAL ISOLATE if it holds a bidi control (text stored before prose() refused them);
    other text unchanged. For plain-text output (e-mail); a page wraps user text in <bdi>."""
    if any(ord(char) in BIDI_CONTROLS for char in text):
        return "\u2068" + text + "\u2069"
    return text


# --- look-alikes --------------------------------------------------------------------------------


@cache
def _prototypes() -> dict[str, str]:
    """Each confusable character's prototype (UTS #39 confusables.txt, as confusable_homoglyphs ships it).

    The package keeps the table both ways, a prototype listing its look-alikes and each look-alike
    listing its one prototype; a character with a single entry is a look-alike of that entry,
    except in a pair of two single entries, which both fold to the smaller.
    """
    from confusable_homoglyphs.confusables import confusables_data

    graph = {
        key.replace("\u200e", ""): [entry["c"].replace("\u200e", "") for entry in entries]
        for key, entries in confusables_data.items()
    }
    table = {}
    for char, neighbours in graph.items():
        if len(char) != 1 or len(neighbours) != 1:
            continue
        prototype = neighbours[0]
        table[char] = min(char, prototype) if graph.get(prototype) == [char] and len(prototype) == 1 else prototype
    return table


def skeleton(text: str) -> str:
    """UTS #39 skeleton: NFD, each character replaced by its prototype, NFD again (to a fixed point)."""
    table = _prototypes()
    for _ in range(4):
        folded = unicodedata.normalize("NFD", "".join(table.get(char, char) for char in unicodedata.normalize("NFD", text)))
        if folded == text:
            break
        text = folded
    return text


# Cyrillic letters with hooks, tails, descenders and strokes (of Bashkir, Tatar, Abkhaz, Chukchi,
# Khanty...) that a Kazakh or Russian reader takes for the letter on the right, and that UTS #39
# confusables leave apart from it. Each pair folds in both cases. ұ and ү, к and қ, н and ң stay
# apart: they are distinct Kazakh letters. The look-alike key is only a notice, so this errs
# toward folding.
KAZAKH_LOOK_ALIKES = {
    "қ": "ӄҡҟҝ",
    "ң": "ӊӈҥԩ",
    "ғ": "ӻӷҕ",
    "х": "ҳӽӿ",
    "л": "ӆԓԯ",
    "м": "ӎ",
    "з": "ҙ",
    "с": "ҫ",
    "ч": "ӌҷҹ",
    "ж": "җ",
    "т": "ҭ",
}
_KAZAKH_FOLD = str.maketrans(
    {variant: letter for letter, variants in KAZAKH_LOOK_ALIKES.items() for variant in variants}
    | {variant.upper(): letter.upper() for letter, variants in KAZAKH_LOOK_ALIKES.items() for variant in variants}
)

# Visible but meaningless in a title: a copy with it slipped in still meets the original.
FOLDED_AWAY = frozenset({0xFFFD})  # REPLACEMENT CHARACTER


def _dropped(char: str) -> bool:
    return is_invisible(char) or ord(char) in FOLDED_AWAY


def look_alike_fold(text: str) -> str:
    """The form two titles share when a reader could take one for the other.

    Invisible and blank characters dropped first (so a copy with one slipped in meets the
    original, whatever the confusable table makes of it), NFKC (width and font variants), the
    Kazakh look-alike letters folded (KAZAKH_LOOK_ALIKES), upper case (so a case-only copy and a
    copy that keeps the case of Latin look-alikes, «Mектеп» for «Мектеп», meet), the confusable
    skeleton, case folded, the skeleton again; punctuation, spaces and invisible characters dropped.
    """
    text = "".join(char for char in text if not _dropped(char))
    text = unicodedata.normalize("NFKC", text).translate(_KAZAKH_FOLD).upper()
    text = skeleton(skeleton(text).casefold())
    return "".join(char for char in text if unicodedata.category(char)[0] not in "PZ" and not _dropped(char))


def look_alike_key(text: str) -> str:
    """A fixed-length, indexable key of the fold: hex SHA-256."""
    return hashlib.sha256(look_alike_fold(text).encode("utf-8")).hexdigest()
