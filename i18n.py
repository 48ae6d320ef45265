"""The language layer: which locale a request gets, and the switcher that changes it."""

from __future__ import annotations

from flask import Blueprint, redirect, request, session
from flask_login import current_user

from config import LANGUAGES
from jsonapi import is_api_request
from redirect_targets import same_site_path

bp = Blueprint("i18n", __name__)

LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


def select_locale() -> str:
    """?lang=, then (pages) the choice kept in the session and the account, then the browser; Kazakh first."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        if not is_api_request():  # the API keeps no session
            session["lang"] = asked  # a shared ?lang= link keeps its language on the next pages
        return asked
    if not is_api_request():  # the API reads no cookie: neither the session nor a signed-in user
        chosen = session.get("lang")
        if chosen in LANGUAGES:
            return chosen
        if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale in LANGUAGES:
            return current_user.locale
    return request.accept_languages.best_match(LANGUAGES, default="kk") or "kk"


@bp.post("/lang")
def switch_language():
    target = same_site_path(request.form.get("next"))  # only back to a page of this site
    code = request.form.get("lang")
    if code in LANGUAGES:
        session["lang"] = code
        if current_user.is_authenticated:
            from extensions import db

            current_user.locale = code
            db.session.commit()
    return redirect(target)
