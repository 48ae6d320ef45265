"""The POST of a page whose form carries an EDS signature: one service call, its refusal shown, or on."""

from __future__ import annotations

from collections.abc import Callable

from flask import redirect
from werkzeug.wrappers import Response

from web.forms import post_form


def process_signed_form(form, act: Callable[[], object], *, done_message: str, done_url: Callable[[], str]) -> tuple[Response | None, int]:
    """(redirect, 302) when `act` succeeded and was committed; else (None, status) to render the page again."""
    posted = post_form(form, act, done_message=done_message)
    if posted.done:
        return redirect(done_url()), 302
    return None, posted.status
