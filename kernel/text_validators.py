"""Form validators for published text: the visible_text rules a use case applies, worded for the reader."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.validators import StopValidation

from kernel import visible_text

INVISIBLE_MESSAGE = _l("Remove the invisible, control or text-direction characters: a reader would not see them.")
EMPTY_MESSAGE = _l("Write visible words, not only spaces.")
CONTROL_MESSAGE = _l("Remove the text-direction or control characters: they make the text read differently from what is signed.")
MARKS_MESSAGE = _l("Use at most two accent marks on a letter, and none on their own: piled-up marks cover the text around them.")


def visible_title(form: FlaskForm, field: Field) -> None:
    """A title or name as visible_text allows it (the rules the service applies, worded for the reader)."""
    try:
        visible_text.title(field.data, 0, 10**6)  # the length is the Length validator's to word
    except visible_text.TextRefused as refused:
        message = {"invisible": INVISIBLE_MESSAGE, "marks": MARKS_MESSAGE}.get(refused.reason, EMPTY_MESSAGE)
        raise StopValidation(message) from None


def visible_prose(form: FlaskForm, field: Field) -> None:
    """Longer text: no bidi control, no control character, no pile of marks (visible_text.prose)."""
    try:
        visible_text.prose(field.data)
    except visible_text.TextRefused as refused:
        raise StopValidation(MARKS_MESSAGE if refused.reason == "marks" else CONTROL_MESSAGE) from None
