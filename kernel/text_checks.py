"""Published text as a use case checks it: the visible_text rules, a refusal written into the API's field errors."""

from __future__ import annotations

from kernel.visible_text import TextRefused, prose, title

# What an API client reads for a refused text (pages say it in the reader's language: text_validators).
TEXT_REFUSALS = {
    "invisible": "no invisible, control or text-direction characters",
    "empty": "visible words, not only spaces",
    "control": "no text-direction (bidi embedding, override, isolate) or control characters",
    "marks": "at most 2 combining marks (accents) on a character, and none on its own",
}


def checked_title(value: object, length: tuple[int, int], fields: dict, field: str = "title") -> str:
    """A published title or name by the rules of visible_text; a refusal goes into `fields`."""
    try:
        return title(value, *length)
    except TextRefused as refused:
        fields[field] = TEXT_REFUSALS.get(refused.reason, f"{length[0]} to {length[1]} characters")
        return ""


def checked_prose(value: object, fields: dict, field: str) -> str:
    """Longer published text by the rules of visible_text; a refusal goes into `fields`."""
    try:
        return prose(value)
    except TextRefused as refused:
        fields[field] = TEXT_REFUSALS[refused.reason]
        return ""
