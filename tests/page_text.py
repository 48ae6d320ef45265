"""What a reader sees of a page, and the codes that must never be in it.

`visible_text` is the text of an HTML page as a browser shows it: the text of every element outside
<script>, <style>, <template>, <code> (an address shown as written) and anything marked `hidden`, the <title>, and the attributes that are
read or shown (`alt`, `title`, `placeholder`, `aria-label`, a button's `value`). `raw_codes` finds in
it what only the database should say: a role's code, a bare KATO code, an identifier with `_` or `.`,
a record's key (`ballot 74`, `cost 1150000`) or Python's True, False, None; `raw_labels` finds a
record's key shown as a label.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

ROLE_CODES = ("moderator", "reviewer", "budget_officer", "secretary", "admin")
# The words the database stores for kinds of subjects and for the keys of recorded details.
RECORD_WORDS = (
    "ballot",
    "proposal",
    "petition",
    "cycle",
    "receipt",
    "cost",
    "spent",
    "status",
    "eligible",
    "decision",
    "reason",
    "scope",
    "body",
    "role",
    "name",
    "serials",
    "staff_serial",
    "working",
    "note",
    "place",
    "done",
    "person",
    "day",
    "approve",
    "reject",
    "supported",
    "not_supported",
    "partly_supported",
    "planned",
    "in_progress",
    "government",
    "platform",
    "region_akimat",
    "region_maslikhat",
    "city_akimat",
    "city_maslikhat",
    "rural_akimat",
)
SKIPPED = {"script", "style", "template", "noscript", "code"}  # <code>: an address or a command, shown as written
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
READ_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label")

KATO = re.compile(r"(?<![0-9A-Za-z_-])\d{9}(?![0-9A-Za-z_-])")  # not inside a serial or a receipt
IDENTIFIER = re.compile(r"\b[a-z]+(?:[_.][a-z]+)+\b")  # budget_officer, petition.moderate, region_akimat
PYTHON_VALUES = re.compile(r"\b(True|False|None)\b(?! [a-z])")  # not "None of it"
UNGROUPED_NUMBER = re.compile(r"(?<![0-9A-Za-z:._-])\d{5,}(?![0-9A-Za-z_-])")  # money or a count printed raw
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z_]*")
SUBJECT_KINDS = ("ballot", "proposal", "petition", "cycle", "person", "day")
RAW_SUBJECT = re.compile(r"\b(" + "|".join(SUBJECT_KINDS) + r")\s*[:=]?\s*\d")  # "ballot 74", "cycle 5"
LABELS = {"dt", "th", "label", "legend"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skipping: list[str] = []
        self.parts: list[str] = []
        self.labels: list[list[str]] = []  # the text of each label element (dt, th, label, legend)
        self.open_labels = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if self.skipping or tag in SKIPPED or "hidden" in attributes:
            if tag not in VOID:
                self.skipping.append(tag)
            return
        if tag in LABELS:
            self.labels.append([])
            self.open_labels += 1
        if tag == "input" and attributes.get("type") == "hidden":
            return
        for name in READ_ATTRIBUTES:
            if attributes.get(name):
                self.parts.append(attributes[name])
        if tag in ("button", "input") and attributes.get("type") in ("submit", "button") and attributes.get("value"):
            self.parts.append(attributes["value"])

    def handle_endtag(self, tag):
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()
        elif tag in LABELS and self.open_labels:
            self.open_labels -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)
            if self.open_labels:
                self.labels[-1].append(data)


def _parsed(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser


def _joined(parts: list[str]) -> str:
    return re.sub(r"[ \t\r\n\f]+", " ", " ".join(parts)).strip(" ")  # no-break spaces kept: they group numbers


def visible_text(html: str) -> str:
    return _joined(_parsed(html).parts)


def label_texts(html: str) -> list[str]:
    """The visible text of each label of the page: a term (dt), a table heading (th), a form label or legend."""
    return [_joined(parts) for parts in _parsed(html).labels]


def raw_labels(html: str) -> list[str]:
    """The labels that are a record's key as stored (`cost`, `staff_serial`), not words."""
    return [f"label {text!r}" for text in label_texts(html) if text in RECORD_WORDS or IDENTIFIER.fullmatch(text)]


def raw_codes(text: str, lang: str, katos: tuple[str, ...] = ()) -> list[str]:
    """Each code found in `text`, a page's visible text in `lang`: empty when the page speaks plainly.

    In Kazakh and Russian any record word in Latin letters is a code; in English, where "proposal" is a
    word, a kind of record directly followed by its number (`ballot 74`, `cycle 5`) is; a raw key as a
    label (`cost`) is `raw_labels`'s to find, and a raw amount (`1150000`) an unformatted number."""
    found = [f"role {word!r}" for word in ROLE_CODES if re.search(rf"\b{word}\b", text)]
    found += [f"KATO {code}" for code in KATO.findall(text)]
    found += [f"KATO {code}" for code in katos if code in text]
    found += [f"identifier {word!r}" for word in IDENTIFIER.findall(text)]
    found += [f"Python value {word!r}" for word in PYTHON_VALUES.findall(text)]
    found += [f"unformatted number {number}" for number in UNGROUPED_NUMBER.findall(text)]
    if lang in ("kk", "ru"):
        latin = {word.lower() for word in LATIN_WORD.findall(text)}
        found += [f"record word {word!r}" for word in RECORD_WORDS if word in latin]
    else:
        found += [f"record key {match.group(0)!r}" for match in RAW_SUBJECT.finditer(text)]
    return found
