"""IIN (ЖСН/ИИН) rules: validation, check digit, decoding birth date and sex."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_WEIGHTS_1 = tuple(range(1, 12))
_WEIGHTS_2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
_CENTURY = {1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000}
_DIGITS = re.compile(r"^\d{12}$")


class InvalidIIN(ValueError):
    """The string is not a valid IIN; the message says why."""


@dataclass(frozen=True)
class IINInfo:
    iin: str
    birth_date: date
    sex: str  # "M" or "F"


def check_digit(first_eleven: str) -> int | None:
    """The 12th digit for these 11 digits, or None when no check digit exists."""
    digits = [int(c) for c in first_eleven]
    value = sum(d * w for d, w in zip(digits, _WEIGHTS_1)) % 11
    if value == 10:
        value = sum(d * w for d, w in zip(digits, _WEIGHTS_2)) % 11
    return None if value == 10 else value


def decode(iin: str) -> IINInfo:
    """Validate an IIN and return its birth date and sex, or raise InvalidIIN."""
    if not isinstance(iin, str) or not _DIGITS.match(iin):
        raise InvalidIIN("an IIN is exactly 12 digits")
    marker = int(iin[6])
    if marker not in _CENTURY:
        raise InvalidIIN("the 7th digit (century and sex) must be 1 to 6")
    try:
        born = date(_CENTURY[marker] + int(iin[0:2]), int(iin[2:4]), int(iin[4:6]))
    except ValueError as exc:
        raise InvalidIIN("the first six digits are not a date") from exc
    expected = check_digit(iin[:11])
    if expected is None or expected != int(iin[11]):
        raise InvalidIIN("the check digit is wrong")
    return IINInfo(iin=iin, birth_date=born, sex="M" if marker % 2 else "F")


def is_valid(iin: str) -> bool:
    try:
        decode(iin)
    except InvalidIIN:
        return False
    return True


def make(birth_date: date, sex: str, serial: int) -> str:
    """Build a valid IIN for a birth date, sex and a 4-digit serial (the next serial if none fits)."""
    base = _century_base(birth_date.year)
    marker = base + (0 if sex == "M" else 1)
    for candidate in range(serial, serial + 10000):
        head = f"{birth_date:%y%m%d}{marker}{candidate % 10000:04d}"
        digit = check_digit(head)
        if digit is not None:
            return head + str(digit)
    raise InvalidIIN("no serial gives a check digit")  # pragma: no cover - 1 in 11 fail


def _century_base(year: int) -> int:
    if 1800 <= year < 1900:
        return 1
    if 1900 <= year < 2000:
        return 3
    if 2000 <= year < 2100:
        return 5
    raise InvalidIIN("birth year out of range")


def age_on(birth_date: date, day: date) -> int:
    """Full years of age on a day (a person born 29 Feb comes of age on 1 Mar)."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def born_by(day: date, age: int) -> date:
    """The latest birth date of a person `age` or older on `day`, as `age_on` counts (so a person born
    29 Feb comes of age on 1 Mar): whoever was born on it or before is, whoever after is not."""
    year = day.year - age
    try:
        return day.replace(year=year)
    except ValueError:  # 29 Feb, `age` years back, is no day: the 28th's child is of age, the 1 March's not
        return date(year, 2, 28)
