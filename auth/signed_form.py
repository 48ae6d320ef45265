"""The POST of a page whose form carries an EDS signature: one service call, its refusal shown, or on."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect
from werkzeug.wrappers import Response

from extensions import db
from kernel.errors import DomainError


def process_signed_form(form, act: Callable[[], object], *, done_message: str, done_url: Callable[[], str]) -> tuple[Response | None, int]:
    """(redirect, 302) when `act` succeeded and was committed; else (None, status) to render the page again."""
    if form.validate_on_submit():
        try:
            act()
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return None, error.status
        flash(done_message, "success")
        return redirect(done_url()), 302
    return None, 422 if form.errors else 200
