"""The POST of a page form: one use case, committed, or refused with its reason shown on the page.

Every page that changes something posts through `post_form`, so each one answers alike: a form that
does not validate is shown again (422); a use case that refuses (a DomainError) leaves nothing
written, its field refusals go on the form's fields (and a refusal code the page says belongs to a
field, `code_fields`, goes on that field), and the page is shown again with the refusal's status; only
a refusal that landed on no field is flashed as a banner. A use case that succeeds is committed and
its success flashed, and the view redirects.

The page shows a form's refusals where they belong: each under its field (the field's
aria-describedby names it, aria-invalid marks it), and all of them in one summary at the top, each
linking to its field (`field_refusals`, templates/_macros/forms.html:error_summary).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import flash
from flask_babel import gettext
from flask_wtf import FlaskForm

from extensions import db
from kernel.errors import DomainError


@dataclass(frozen=True)
class Posted:
    """What a form POST came to. `done`: the use case ran and was committed, `result` is what it
    returned. Otherwise `status` is the one to show the page again with (200: nothing was posted,
    422: the form refused it, else the use case's refusal, kept in `error`)."""

    done: bool
    status: int
    result: Any = None
    error: DomainError | None = None


def post_form(
    form: FlaskForm,
    act: Callable[[], Any],
    *,
    done_message: str | Callable[[Any], str] | None = None,
    field_errors: Callable[[FlaskForm, dict], None] | None = None,
    errors_on: FlaskForm | None = None,
    refusal_message: Callable[[DomainError], str | None] | None = None,
    code_fields: Mapping[str, str] | None = None,
) -> Posted:
    """Validate `form`, run the use case `act`, commit it.

    On success `done_message` (or `done_message(result)`) is flashed. On a DomainError the
    transaction is rolled back, `field_errors(errors_on or form, error.fields)` puts the use case's
    field refusals on the form, and a refusal whose code `code_fields` maps to a field (`not_resident`
    → `territory`) goes on that field, in the words of `refusal_message(error)` or the error's own;
    a refusal that put nothing on a field is flashed instead.
    """
    if not form.validate_on_submit():
        return Posted(False, 422 if form.errors else 200)
    try:
        result = act()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        shown = errors_on or form
        if field_errors is not None:
            field_errors(shown, error.fields)
        message = (refusal_message and refusal_message(error)) or error.message
        field = shown._fields.get((code_fields or {}).get(error.code, ""))
        if field is not None:
            field.errors = [*field.errors, message]
        if not field_refusals(shown):
            flash(message, "error")
        return Posted(False, error.status, error=error)
    if done_message is not None:
        flash(done_message(result) if callable(done_message) else done_message, "success")
    return Posted(True, 302, result)


@dataclass(frozen=True)
class Refusal:
    """One error of a form as its summary lists it: the id of the element it links to (the field's
    input, a radio group's first button, a list's fieldset), the field's label and the message."""

    target: str
    label: str
    message: str


_NOT_SHOWN = ("CSRFTokenField", "SignatureField")  # the token is the page's; a JWS's refusal is by its button


def field_refusals(*forms: FlaskForm | None) -> list[Refusal]:
    """Every error on the forms' fields, in the order the fields come (a template global: the error
    summary at the top of a page)."""
    found: list[Refusal] = []
    for form in forms:
        if form is not None:
            for field in form:
                found.extend(_refusals_of(field, str(field.label.text)))
    return found


def _refusals_of(field, label: str, row: int | None = None) -> list[Refusal]:
    if field.type in _NOT_SHOWN:
        return []
    if field.type == "FormField":  # a row of a list: its members, each named with the row's number
        return [r for sub in field.form for r in _refusals_of(sub, _in_row(sub, row), row)]
    # a list's own errors are texts; after a validation it also holds its rows' (lists, dicts): those come below
    found = [Refusal(_target(field), label, str(m)) for m in field.errors if not isinstance(m, list | tuple | dict)]
    for number, entry in enumerate(getattr(field, "entries", []), start=1):
        found.extend(_refusals_of(entry, label, number))
    return found


def _in_row(field, row: int | None) -> str:
    text = str(field.label.text)
    return gettext("%(field)s (row %(num)s)", field=text, num=row) if row is not None else text


def _target(field) -> str:
    if field.type == "RadioField":  # templates/petitions/_macros.html:choices: the buttons are ID-0, ID-1, …
        return f"{field.id}-0"
    if field.type == "HiddenField":  # nothing to focus: its error's own paragraph
        return f"{field.id}-error"
    return field.id
