"""The language layer: which locale a request gets, the switcher that changes it, and how its templates write figures and dates."""

from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction

from babel.dates import format_date as babel_date
from flask import Blueprint, redirect, request, session
from flask_babel import get_locale, get_translations
from flask_login import current_user

from config import LANGUAGES
from jsonapi import is_api_request
from kernel import local_formats
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


# --- how the page's language writes numbers and dates (kernel/local_formats.py) ------------------


def _here() -> str:
    return local_formats.locale_code(get_locale())


def _places(pattern: str | None, default: tuple[int, int]) -> tuple[int, int]:
    """(places, min_places) of a Babel number pattern's fraction: "0.0#" is (2, 1), "#,##0.#%" (1, 0)."""
    if not pattern:
        return default
    fraction = pattern.partition(".")[2]
    shown = [c for c in fraction if c in "0#"]
    return len(shown), shown.count("0")


def format_date(value: date | datetime | None, format: str | None = None) -> str:
    """Flask-Babel's `format_date`, as this language writes a day: a label, or CLDR's digits for "short"."""
    if value is None:
        return ""
    if format in LABEL_FORMATS:
        return local_formats.day_label(value, _here())
    if format == "short":
        return local_formats.numeric_day(value, _here())
    day = local_formats.kazakhstan(value).date() if isinstance(value, datetime) else value
    return babel_date(day, format, locale=_here())


def format_datetime(value: datetime | None, format: str | None = None) -> str:
    """Flask-Babel's `format_datetime`, in Kazakhstan time: a label with the time, or digits for "short"."""
    if value is None:
        return ""
    if format == "short":
        return local_formats.numeric_instant(value, _here())
    return local_formats.instant_label(value, _here())


def format_time(value: datetime | None, format: str | None = None) -> str:
    return "" if value is None else local_formats.time_label(value, _here())


def format_number(value) -> str:
    return local_formats.number(value, _here())


def format_decimal(value, pattern: str | None = None) -> str:
    places, least = _places(pattern, (3, 0))
    return local_formats.number(value, _here(), places, least)


def format_percent(share, pattern: str | None = None) -> str:
    places, least = _places(pattern, (0, 0))
    return local_formats.number(Fraction(share) * 100, _here(), places, least) + "%"


def money(amount) -> str:
    return "" if amount is None else local_formats.money(amount, _here())


def percent(share, places: int = 1) -> str:
    return local_formats.percent(share, _here(), places)


def percent_of(part: int, whole: int, places: int = 1) -> str:
    return local_formats.percent_of(part, whole, _here(), places)


def date_phrase(value: date | datetime, relation: str = "on") -> str:
    return local_formats.day_phrase(value, _here(), relation)


def instant_phrase(value: datetime, relation: str = "on") -> str:
    return local_formats.instant_phrase(value, _here(), relation)


def number_signs() -> local_formats.NumberSigns:
    return local_formats.number_signs(_here())


# Babel's named date formats but "short" (digits): each writes the day as a label (no abbreviated
# month, no CLDR kk order).
LABEL_FORMATS = (None, "medium", "long", "full")


def install_formats(app) -> None:
    """Every template and e-mail writes figures and dates through kernel/local_formats.py in its language.

    Flask-Babel's filters of the same names are replaced (templates keep `|dateformat("long")`,
    `|datetimeformat`, `|timeformat`, `|numberformat`); `date_phrase` and `instant_phrase` write a
    date inside a sentence ("until", "by", "from", "on"; "plain" for a `%(date)s` whose translation
    says its own "by" or "до", so no abbreviation ends the sentence); `number_signs()` gives the page's
    script the grouping and decimal signs (static/js/numbers.js)."""
    app.jinja_env.filters.update(
        dateformat=format_date, datetimeformat=format_datetime, timeformat=format_time, numberformat=format_number,
        decimalformat=format_decimal, percentformat=format_percent, money=money, percent=percent,
        date_phrase=date_phrase, instant_phrase=instant_phrase,
    )
    app.jinja_env.globals.update(
        format_number=format_number, format_decimal=format_decimal, format_percent=format_percent, money=money,
        percent=percent, percent_of=percent_of, date_phrase=date_phrase, instant_phrase=instant_phrase,
        number_signs=number_signs,
    )
    # A template's ngettext("%(num)d signature", …) writes its count grouped too ("2 500 қол", not
    # "2500"): the count picks the plural form, then is written in the page's language.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: get_translations().ugettext(s),
        ngettext=grouped_ngettext,
        newstyle=True,
        pgettext=lambda c, s: get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: get_translations().unpgettext(c, s, p, n),
    )


def grouped_ngettext(singular: str, plural: str, num: int) -> str:
    """The plural form for `num`, its `%(num)d` already written as the page's language groups it."""
    return get_translations().ungettext(singular, plural, num).replace("%(num)d", format_number(num))
