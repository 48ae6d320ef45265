"""How numbers, money, days and instants are written in Kazakh, Russian and English: pages, e-mails and scripts.

Every figure and date a reader sees is written here, with the locale passed in (the Jinja filters of
`i18n.py:install_formats` pass the page's; the browser's `static/js/numbers.js` writes numbers with
the signs `number_signs` gives it, so both draw the same bytes). Machine-readable output (the JSON
API, CSV cells) keeps ISO dates and plain numbers and does not come here.

Babel's CLDR data is used where it is right and overridden where it is not:

- numbers: CLDR is right for all three (kk and ru group with U+00A0 NO-BREAK SPACE and write a
  decimal comma, en groups with a comma); browsers are not (Chromium's ICU has no Kazakh numbers and
  groups Kazakh with a comma), hence the signs travel to the page;
- days: CLDR's Kazakh long date is "2026 ж. 2 желтоқсан" and its medium one "2026 ж. 02 жел."; a date
  on its own is written "2 желтоқсан 2026 ж." here. Russian and English long dates are CLDR's
  ("2 декабря 2026 г.", "December 2, 2026"); medium dates (abbreviated months) are not used;
- a day inside a sentence takes the case its phrase asks for, which CLDR does not know: Kazakh
  "2026 жылғы 2 желтоқсанға дейін" (dative), "…желтоқсаннан бастап" (ablative), "…желтоқсанда"
  (locative); Russian "до 2 декабря 2026 года". A phrase spells the year out ("жылғы", "года"), so a
  sentence that ends on a date ends with one full stop, never "г..".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from babel.dates import format_date as babel_date
from babel.dates import format_time as babel_time
from babel.dates import get_month_names
from babel.numbers import get_decimal_symbol, get_group_symbol

from kernel.kazakhstan_time import KAZAKHSTAN

LOCALES = ("kk", "ru", "en")
NBSP = "\u00a0"  # between a number and ₸, and the kk/ru grouping sign
NNBSP = "\u202f"  # CLDR's narrow no-break space before "г." / "ж." and "PM"
TENGE = "₸"

# Kazakh month names in the cases a date phrase needs; the endings follow vowel harmony (back
# vowels -ға/-дан/-да, front -ге/-ден/-де) and the last sound (voiceless к: -ке/-тен/-те; н, м: -нан).
KK_MONTHS = (
    # nominative, dative, ablative, locative
    ("қаңтар", "қаңтарға", "қаңтардан", "қаңтарда"),
    ("ақпан", "ақпанға", "ақпаннан", "ақпанда"),
    ("наурыз", "наурызға", "наурыздан", "наурызда"),
    ("сәуір", "сәуірге", "сәуірден", "сәуірде"),
    ("мамыр", "мамырға", "мамырдан", "мамырда"),
    ("маусым", "маусымға", "маусымнан", "маусымда"),
    ("шілде", "шілдеге", "шілдеден", "шілдеде"),
    ("тамыз", "тамызға", "тамыздан", "тамызда"),
    ("қыркүйек", "қыркүйекке", "қыркүйектен", "қыркүйекте"),
    ("қазан", "қазанға", "қазаннан", "қазанда"),
    ("қараша", "қарашаға", "қарашадан", "қарашада"),
    ("желтоқсан", "желтоқсанға", "желтоқсаннан", "желтоқсанда"),
)
NOMINATIVE, DATIVE, ABLATIVE, LOCATIVE = range(4)

# The last word of a minute as it is read out ("14:05" is "он төрт нөл бес", "14:30" "он төрт отыз"),
# which the case ending after the written time follows: 14:05-те, 14:30-да, 14:00-де.
KK_UNITS = ("нөл", "бір", "екі", "үш", "төрт", "бес", "алты", "жеті", "сегіз", "тоғыз")
KK_TENS = {10: "он", 20: "жиырма", 30: "отыз", 40: "қырық", 50: "елу"}
KK_WORD_ENDINGS = {  # word: (dative, ablative, locative) ending
    "нөл": ("ге", "ден", "де"),
    "бір": ("ге", "ден", "де"),
    "екі": ("ге", "ден", "де"),
    "үш": ("ке", "тен", "те"),
    "төрт": ("ке", "тен", "те"),
    "бес": ("ке", "тен", "те"),
    "алты": ("ға", "дан", "да"),
    "жеті": ("ге", "ден", "де"),
    "сегіз": ("ге", "ден", "де"),
    "тоғыз": ("ға", "дан", "да"),
    "он": ("ға", "нан", "да"),
    "жиырма": ("ға", "дан", "да"),
    "отыз": ("ға", "дан", "да"),
    "қырық": ("қа", "тан", "та"),
    "елу": ("ге", "ден", "де"),
}

# A day inside a sentence, by what the sentence says of it. kk: (month case, words after the day);
# ru and en: the words before the day.
RELATIONS = ("on", "until", "by", "from", "plain")
KK_RELATIONS = {
    "on": (LOCATIVE, ""),
    "until": (DATIVE, " дейін"),
    "by": (DATIVE, " дейін"),
    "from": (ABLATIVE, " бастап"),
    "plain": (NOMINATIVE, ""),
}
RU_RELATIONS = {"on": "", "until": "до ", "by": "не позднее ", "from": "с ", "plain": ""}
EN_RELATIONS = {"on": "on ", "until": "until ", "by": "by ", "from": "from ", "plain": ""}


def locale_code(locale: object) -> str:
    """kk, ru or en from a code or a Babel locale; anything else is Kazakh, the default."""
    code = str(locale or "kk").split("_")[0]
    return code if code in LOCALES else "kk"


# --- numbers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NumberSigns:
    group: str
    decimal: str


def number_signs(locale: object) -> NumberSigns:
    """The grouping and decimal signs of the locale (CLDR's; kk and ru U+00A0 and ",", en "," and ".")."""
    code = locale_code(locale)
    return NumberSigns(group=get_group_symbol(code), decimal=get_decimal_symbol(code))


def number(value: int | float | Fraction | Decimal, locale: object, places: int = 0, min_places: int = 0) -> str:
    """`value` rounded half up to `places` decimals, trailing zeros dropped down to `min_places`, grouped by thousands."""
    exact = Fraction(value) * 10**places
    scaled = int(abs(exact) + Fraction(1, 2))  # half up, away from zero
    return _written(scaled, places, min_places, number_signs(locale), negative=exact < 0 and scaled != 0)


def _written(scaled: int, places: int, min_places: int, signs: NumberSigns, negative: bool = False) -> str:
    whole, fraction = divmod(scaled, 10**places)
    digits = f"{whole:,}".replace(",", signs.group)
    decimals = f"{fraction:0{places}d}" if places else ""
    while len(decimals) > min_places and decimals.endswith("0"):
        decimals = decimals[:-1]
    return ("-" if negative else "") + digits + (signs.decimal + decimals if decimals else "")


def money(amount: int | Fraction | Decimal, locale: object) -> str:
    """Whole tenge: «1 200 000 ₸» (kk, ru), «1,200,000 ₸» (en); a no-break space before the sign."""
    return f"{number(amount, locale)}{NBSP}{TENGE}"


def percent(share: float | Fraction | Decimal, locale: object, places: int = 1) -> str:
    """A share of 1 as a percentage, rounded half up to `places`: «12,3%» (kk, ru), «12.3%» (en)."""
    return number(Fraction(share) * 100, locale, places) + "%"


def percent_of(part: int, whole: int, locale: object, places: int = 1) -> str:
    """`part` of `whole` as a percentage, exactly rounded (the browser's DauysNumbers.percentOf writes the same)."""
    return percent(Fraction(part, whole), locale, places)


# --- days and instants ------------------------------------------------------------------------


def kazakhstan(at: datetime) -> datetime:
    """The instant on Kazakhstan's clock (an instant without a zone is UTC, as the database keeps it)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(KAZAKHSTAN)


def _day_of(value: date | datetime) -> date:
    return kazakhstan(value).date() if isinstance(value, datetime) else value


# A day on its own. ru and en are CLDR's long dates ("d MMMM y 'г'.", "MMMM d, y"); kk is not CLDR's
# "y 'ж'. d MMMM" but the day first, as the date is said.
# The same as CLDR patterns, for a script that fills a pattern (static/js/act-confirm.js via web/formats.py).
DAY_PATTERNS = {"kk": "d MMMM y" + NNBSP + "'ж'.", "ru": "d MMMM y" + NNBSP + "'г'.", "en": "MMMM d, y"}
DAY_LABELS = {
    "kk": "{day} {month} {year}" + NNBSP + "ж.",
    "ru": "{day} {month} {year}" + NNBSP + "г.",
    "en": "{month} {day}, {year}",
}


def month_name(month: int, locale: object) -> str:
    """The month as a date names it: kk «желтоқсан», ru «декабря» (genitive), en «December»."""
    code = locale_code(locale)
    if code == "kk":
        return KK_MONTHS[month - 1][NOMINATIVE]
    return get_month_names("wide", context="format", locale=code)[month]


def day_label(value: date | datetime, locale: object) -> str:
    """A day on its own (a deadline beside its label, a table cell): «2 желтоқсан 2026 ж.», «2 декабря 2026 г.», «December 2, 2026»."""
    day = _day_of(value)
    code = locale_code(locale)
    return DAY_LABELS[code].format(day=day.day, month=month_name(day.month, code), year=day.year)


def day_phrase(value: date | datetime, locale: object, relation: str = "on") -> str:
    """A day inside a sentence, in the form `relation` asks for (RELATIONS), with no abbreviation.

    kk: «2026 жылғы 2 желтоқсанда» (on), «…желтоқсанға дейін» (until, by), «…желтоқсаннан бастап» (from),
    «2026 жылғы 2 желтоқсан» (plain); ru: «2 декабря 2026 года», «до …», «не позднее …», «с …»;
    en: «on December 2, 2026», «until …», «by …», «from …»."""
    day = _day_of(value)
    code = locale_code(locale)
    if relation not in RELATIONS:
        raise ValueError(f"unknown date relation {relation!r}")
    if code == "kk":
        case, after = KK_RELATIONS[relation]
        return f"{day.year} жылғы {day.day} {KK_MONTHS[day.month - 1][case]}{after}"
    if code == "ru":
        return f"{RU_RELATIONS[relation]}{day.day} {month_name(day.month, code)} {day.year} года"
    return EN_RELATIONS[relation] + day_label(day, code)


def time_label(at: datetime, locale: object) -> str:
    """The hour and minute in Kazakhstan: «14:05» (kk, ru), «2:05 PM» (en)."""
    return babel_time(kazakhstan(at), "short", locale=locale_code(locale))


def instant_label(at: datetime, locale: object) -> str:
    """An instant on its own, in Kazakhstan time: «2 желтоқсан 2026 ж., 14:05»."""
    return f"{day_label(at, locale)}, {time_label(at, locale)}"


def instant_phrase(at: datetime, locale: object, relation: str = "on") -> str:
    """An instant inside a sentence, in Kazakhstan time.

    kk: «2026 жылғы 2 желтоқсан сағат 14:05-те» (on), «…14:05-ке дейін» (until, by), «…14:05-тен бастап»
    (from); ru: «2 декабря 2026 года в 14:05» (on), «до 14:05 2 декабря 2026 года», «с 14:05 …»; en: «on
    December 2, 2026 at 2:05 PM», «until December 2, 2026, 2:05 PM»."""
    code = locale_code(locale)
    clock = time_label(at, code)
    if relation not in RELATIONS:
        raise ValueError(f"unknown date relation {relation!r}")
    if code == "kk":
        if relation == "plain":
            return f"{day_phrase(at, code, 'plain')}, сағат {clock}"
        case, after = KK_RELATIONS[relation]
        return f"{day_phrase(at, code, 'plain')} сағат {clock}-{kk_time_ending(kazakhstan(at).minute, case)}{after}"
    if relation in ("on", "plain"):
        return f"{day_phrase(at, code, relation)} {'в' if code == 'ru' else 'at'} {clock}"
    if code == "ru":  # «до 18:00 2 декабря 2026 года»
        return f"{RU_RELATIONS[relation]}{clock} {day_phrase(at, code, 'plain')}"
    return f"{day_phrase(at, code, relation)}, {clock}"


def kk_time_ending(minute: int, case: int) -> str:
    """The case ending written after a time whose minutes are `minute`: 05 → бес → -ке/-тен/-те."""
    last = KK_UNITS[minute % 10] if minute % 10 or minute == 0 else KK_TENS[minute - minute % 10]
    return KK_WORD_ENDINGS[last][case - 1]


def hour_label(at: datetime, locale: object) -> str:
    """An hour of a day in Kazakhstan, for a table of hours: «2 желтоқсан 2026 ж., 14:00–15:00»."""
    start = kazakhstan(at).replace(minute=0, second=0, microsecond=0)
    return f"{day_label(start, locale)}, {time_label(start, locale)}–{time_label(start + timedelta(hours=1), locale)}"


def numeric_day(value: date | datetime, locale: object) -> str:
    """A day in digits where room is short (a list of times): CLDR's short date, «02.12.26», «02.12.2026», «12/2/26»."""
    return babel_date(_day_of(value), "short", locale=locale_code(locale))


def numeric_instant(value: datetime, locale: object) -> str:
    """An instant in digits, in Kazakhstan time: «02.12.26, 14:05»."""
    return f"{numeric_day(value, locale)}, {time_label(value, locale)}"


def short_day(value: date | datetime, locale: object) -> str:
    """Day and month in digits, under a chart's axis: «02.12»."""
    day = _day_of(value)
    return f"{day:%d.%m}"
