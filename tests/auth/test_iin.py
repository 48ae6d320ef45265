"""IIN rules of DOMAIN.md: check digit (both weight rounds), century and sex, birth date."""

from datetime import date

import pytest

from auth.iin import InvalidIIN, age_on, check_digit, decode, is_valid, make


def reference_check_digit(eleven: str) -> int | None:
    # Written out again from DOMAIN.md, independently of auth.iin.
    d = [int(c) for c in eleven]
    first = sum(d[i] * (i + 1) for i in range(11)) % 11
    if first != 10:
        return first
    second = sum(x * w for x, w in zip(d, [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2])) % 11
    return None if second == 10 else second


def test_hand_worked_iin_is_valid():
    # 8*1+5*2+0*3+3*4+0*5+2*6+4*7+0*8+0*9+1*10+2*11 = 102; 102 mod 11 = 3
    info = decode("850302400123")
    assert info.birth_date == date(1985, 3, 2)
    assert info.sex == "F"  # 4: 1900s, female


def test_wrong_check_digit_is_refused():
    with pytest.raises(InvalidIIN, match="check digit"):
        decode("850302400124")


def test_second_weights_apply_when_first_sum_gives_ten():
    # Find serials whose first round gives 10 and compare against the reference.
    seen_second_round = 0
    for serial in range(0, 2000):
        eleven = f"9001013{serial:04d}"
        d = [int(c) for c in eleven]
        if sum(d[i] * (i + 1) for i in range(11)) % 11 == 10:
            seen_second_round += 1
            assert check_digit(eleven) == reference_check_digit(eleven)
    assert seen_second_round > 50


@pytest.mark.parametrize(
    ("marker", "year", "sex"),
    [(1, 1890, "M"), (2, 1890, "F"), (3, 1990, "M"), (4, 1990, "F"), (5, 2090, "M"), (6, 2090, "F")],
)
def test_century_and_sex_digit(marker, year, sex):
    born = date(year, 7, 15)
    iin = make(born, sex, 17)
    assert iin[6] == str(marker)
    assert decode(iin).birth_date == born
    assert decode(iin).sex == sex


@pytest.mark.parametrize(
    "bad",
    ["", "12345", "8503024001234", "85030240012a", "850230400123", "850302000123", "850302700123", None, 850302400123],
)
def test_malformed_iins_are_refused(bad):
    assert not is_valid(bad)


def test_no_valid_check_digit_exists_for_some_prefixes():
    prefixes = [f"9001013{s:04d}" for s in range(10000)]
    invalid = [p for p in prefixes if reference_check_digit(p) is None]
    assert invalid, "the rule leaves some serials without a check digit"
    for prefix in invalid[:20]:
        assert check_digit(prefix) is None
        for digit in "0123456789":
            assert not is_valid(prefix + digit)


def test_made_iins_are_valid_for_every_serial_start():
    for serial in range(0, 10000, 97):
        assert is_valid(make(date(2001, 2, 28), "M", serial))


def test_age_counts_full_years_and_leap_birthdays():
    assert age_on(date(2008, 11, 23), date(2026, 11, 23)) == 18
    assert age_on(date(2008, 11, 24), date(2026, 11, 23)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18


def test_born_by_is_the_last_birth_date_of_age_as_age_on_counts():
    from datetime import timedelta

    from auth.iin import born_by

    day = date(2023, 1, 1)
    while day < date(2029, 1, 1):  # two leap days in the years counted back from, and their neighbours
        latest = born_by(day, 18)
        assert age_on(latest, day) >= 18 and age_on(latest + timedelta(days=1), day) < 18, day
        day += timedelta(days=1)
    assert born_by(date(2024, 2, 29), 18) == date(2006, 2, 28)
    assert born_by(date(2026, 3, 1), 18) == date(2008, 3, 1)
