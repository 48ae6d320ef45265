"""How kk, ru and en write numbers, money, days and instants (kernel/local_formats.py), pinned for every month.

Babel's CLDR data is the reference where it is right (numbers in all three languages, Russian and
English long dates); the Kazakh day and every case ending inside a sentence are written out here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from babel.dates import format_date
from babel.numbers import format_decimal

from kernel import local_formats as lf

NBSP, NNBSP = "\u00a0", "\u202f"

# nominative, dative (… дейін), ablative (… бастап), locative (… -да/-де)
KK = [
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
]
RU_GENITIVE = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
]
EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
MONTHS = range(1, 13)


@pytest.mark.parametrize("month", MONTHS)
def test_a_kazakh_day_on_its_own_is_day_month_year_with_the_month_in_the_nominative(month):
    nominative = KK[month - 1][0]
    assert lf.day_label(date(2026, month, 2), "kk") == f"2 {nominative} 2026{NNBSP}ж."
    # the month's name is CLDR's; only the order and the padded day ("2026 ж. 02 жел.") are not
    assert format_date(date(2026, month, 2), "d MMMM", locale="kk") == f"2 {nominative}"


@pytest.mark.parametrize("month", MONTHS)
def test_a_kazakh_day_inside_a_sentence_takes_the_case_of_its_phrase(month):
    nominative, dative, ablative, locative = KK[month - 1]
    day = date(2026, month, 2)
    assert lf.day_phrase(day, "kk", "until") == f"2026 жылғы 2 {dative} дейін"
    assert lf.day_phrase(day, "kk", "by") == f"2026 жылғы 2 {dative} дейін"
    assert lf.day_phrase(day, "kk", "from") == f"2026 жылғы 2 {ablative} бастап"
    assert lf.day_phrase(day, "kk", "on") == f"2026 жылғы 2 {locative}"
    assert lf.day_phrase(day, "kk", "plain") == f"2026 жылғы 2 {nominative}"


def test_the_datives_are_those_of_vowel_harmony():
    assert [row[1] for row in KK] == [
        "қаңтарға",
        "ақпанға",
        "наурызға",
        "сәуірге",
        "мамырға",
        "маусымға",
        "шілдеге",
        "тамызға",
        "қыркүйекке",
        "қазанға",
        "қарашаға",
        "желтоқсанға",
    ]
    assert lf.KK_MONTHS == tuple(KK)


@pytest.mark.parametrize("month", MONTHS)
def test_a_russian_day_is_cldr_s_long_date_and_in_a_sentence_spells_out_the_year(month):
    day = date(2026, month, 2)
    genitive = RU_GENITIVE[month - 1]
    assert lf.day_label(day, "ru") == f"2 {genitive} 2026{NNBSP}г." == format_date(day, "long", locale="ru")
    assert lf.day_phrase(day, "ru", "on") == f"2 {genitive} 2026 года"
    assert lf.day_phrase(day, "ru", "until") == f"до 2 {genitive} 2026 года"
    assert lf.day_phrase(day, "ru", "by") == f"не позднее 2 {genitive} 2026 года"
    assert lf.day_phrase(day, "ru", "from") == f"с 2 {genitive} 2026 года"


@pytest.mark.parametrize("month", MONTHS)
def test_an_english_day_is_cldr_s_long_date(month):
    day = date(2026, month, 2)
    assert lf.day_label(day, "en") == f"{EN[month - 1]} 2, 2026" == format_date(day, "long", locale="en")
    assert lf.day_phrase(day, "en", "until") == f"until {EN[month - 1]} 2, 2026"
    assert lf.day_phrase(day, "en", "by") == f"by {EN[month - 1]} 2, 2026"
    assert lf.day_phrase(day, "en", "on") == f"on {EN[month - 1]} 2, 2026"


@pytest.mark.parametrize("locale", lf.LOCALES)
@pytest.mark.parametrize("relation", lf.RELATIONS)
def test_no_day_phrase_is_abbreviated_so_a_sentence_never_ends_in_two_full_stops(locale, relation):
    for month in MONTHS:
        for day in (date(2026, month, 1), date(2026, month, 28)):
            phrase = lf.day_phrase(day, locale, relation)
            assert not phrase.endswith("."), phrase
            assert not lf.instant_phrase(datetime(2026, month, 1, 9, 5, tzinfo=UTC), locale, relation).endswith(".")


def test_a_day_in_the_month_list_of_the_month_names_is_the_one_a_date_says():
    assert [lf.month_name(m, "kk") for m in MONTHS] == [row[0] for row in KK]
    assert [lf.month_name(m, "ru") for m in MONTHS] == RU_GENITIVE
    assert [lf.month_name(m, "en") for m in MONTHS] == EN


def test_an_instant_is_written_in_kazakhstan_time():
    at = datetime(2026, 12, 1, 21, 5, tzinfo=UTC)  # 2 December, 02:05 in Astana
    assert lf.instant_label(at, "kk") == f"2 желтоқсан 2026{NNBSP}ж., 02:05"
    assert lf.instant_label(at, "ru") == f"2 декабря 2026{NNBSP}г., 02:05"
    assert lf.instant_label(at, "en") == f"December 2, 2026, 2:05{NNBSP}AM"
    assert lf.day_label(at, "kk") == f"2 желтоқсан 2026{NNBSP}ж."  # the Kazakhstan day, not the UTC one
    assert lf.instant_phrase(at, "kk", "on") == "2026 жылғы 2 желтоқсан сағат 02:05-те"
    assert lf.instant_phrase(at, "kk", "from") == "2026 жылғы 2 желтоқсан сағат 02:05-тен бастап"
    assert lf.instant_phrase(at, "ru", "on") == "2 декабря 2026 года в 02:05"
    assert lf.instant_phrase(at, "ru", "from") == "с 02:05 2 декабря 2026 года"
    assert lf.instant_phrase(at, "en", "on") == f"on December 2, 2026 at 2:05{NNBSP}AM"


@pytest.mark.parametrize(
    ("minute", "dative", "ablative", "locative"),
    [
        (0, "ге", "ден", "де"),  # 14:00, "нөл нөл"
        (5, "ке", "тен", "те"),  # бес
        (10, "ға", "нан", "да"),  # он
        (15, "ке", "тен", "те"),  # он бес
        (30, "ға", "дан", "да"),  # отыз
        (40, "қа", "тан", "та"),  # қырық
        (43, "ке", "тен", "те"),  # қырық үш
        (50, "ге", "ден", "де"),  # елу
        (56, "ға", "дан", "да"),  # елу алты
    ],
)
def test_a_kazakh_time_takes_the_ending_of_its_last_spoken_word(minute, dative, ablative, locative):
    assert (
        lf.kk_time_ending(minute, lf.DATIVE),
        lf.kk_time_ending(minute, lf.ABLATIVE),
        lf.kk_time_ending(minute, lf.LOCATIVE),
    ) == (dative, ablative, locative)


def test_the_number_signs_are_cldr_s():
    assert lf.number_signs("kk") == lf.NumberSigns(NBSP, ",")
    assert lf.number_signs("ru") == lf.NumberSigns(NBSP, ",")
    assert lf.number_signs("en") == lf.NumberSigns(",", ".")
    assert lf.number_signs("de") == lf.number_signs("kk")  # anything else is the default, Kazakh


@pytest.mark.parametrize("locale", lf.LOCALES)
def test_numbers_are_grouped_as_babel_groups_them(locale):
    for n in (0, 7, 999, 1000, 12_345, 8_000_000, 1_234_567_890, -4_500):
        assert lf.number(n, locale) == format_decimal(n, locale=locale)


def test_numbers_money_and_percentages():
    assert lf.number(8_000_000, "kk") == f"8{NBSP}000{NBSP}000"
    assert lf.number(8_000_000, "ru") == f"8{NBSP}000{NBSP}000"
    assert lf.number(8_000_000, "en") == "8,000,000"
    assert lf.money(8_000_000, "kk") == f"8{NBSP}000{NBSP}000{NBSP}₸"
    assert lf.money(1_200_000, "en") == f"1,200,000{NBSP}₸"
    assert lf.number(Fraction(8, 3), "ru", 2, 2) == "2,67"
    assert lf.number(Decimal("2.5"), "kk", 0) == "3"  # half up
    assert lf.number(2.0, "en", 2, 1) == "2.0"
    assert lf.number(1234.5, "kk", 1) == f"1{NBSP}234,5"
    assert lf.number(-0.4, "en") == "0"
    assert lf.percent(Fraction(123, 1000), "kk") == "12,3%"
    assert lf.percent(0.5, "en") == "50%"
    assert lf.percent_of(1, 8000, "ru") == "0%"
    assert lf.percent_of(1, 2000, "en") == "0.1%"  # 0.05 % is rounded half up
    assert lf.percent_of(2_501, 50_000, "kk") == "5%"  # 5.002 %
    assert lf.percent_of(12_345, 50_000, "kk") == "24,7%"


def test_an_unknown_relation_is_refused():
    with pytest.raises(ValueError):
        lf.day_phrase(date(2026, 1, 1), "kk", "before")


@pytest.mark.parametrize("locale", lf.LOCALES)
def test_the_day_as_a_cldr_pattern_for_scripts_writes_the_same_day(locale):
    for month in MONTHS:
        day = date(2026, month, 2)
        assert format_date(day, lf.DAY_PATTERNS[locale], locale=locale) == lf.day_label(day, locale)
