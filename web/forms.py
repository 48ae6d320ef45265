"""The POST of a page form: one use case, committed, or refused with its reason shown on the page.

Every page that changes something posts through `post_form`, so each one answers alike: a form that
does not validate is shown again (422); a use case that refuses (a DomainError) leaves nothing
written, its field refusals go on the form and its message is flashed, and the page is shown again
with the refusal's status; a use case that succeeds is committed and its success flashed, and the
view redirects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash
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
) -> Posted:
    """Validate `form`, run the use case `act`, commit it.

    On success `done_message` (or `done_message(result)`) is flashed. On a DomainError the
    transaction is rolled back, `field_errors(errors_on or form, error.fields)` puts the use case's
    field refusals on the form, and `refusal_message(error)` (when it names one) or the error's own
    message is flashed.
    """
    if not form.validate_on_submit():
        return Posted(False, 422 if form.errors else 200)
    try:
        result = act()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        if field_errors is not None:
            field_errors(errors_on or form, error.fields)
        flash((refusal_message and refusal_message(error)) or error.message, "error")
        return Posted(False, error.status, error=error)
    if done_message is not None:
        flash(done_message(result) if callable(done_message) else done_message, "success")
    return Posted(True, 302, result)
