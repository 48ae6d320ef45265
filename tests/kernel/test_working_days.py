"""Working days on the Kazakhstan production calendar, pinned to real 2025 and 2026 dates."""

from datetime import date

import pytest

from kernel.working_days import WorkCalendar, add_working_days, working_days_between

KZ = WorkCalendar()


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 1, 1), False),  # New Year
        (date(2025, 1, 2), False),
        (date(2025, 1, 3), False),  # Friday off: transferred from Sunday 5 January
        (date(2025, 1, 4), False),  # ordinary Saturday
        (date(2025, 1, 5), True),  # Sunday worked: the other side of that transfer
        (date(2025, 1, 6), True),
        (date(2025, 1, 7), False),  # Orthodox Christmas
        (date(2025, 3, 8), False),  # Saturday, Women's Day
        (date(2025, 3, 10), False),  # ... moved to Monday
        (date(2025, 3, 21), False),  # Nauryz 21-23 March; 22-23 fall on the weekend
        (date(2025, 3, 24), False),  # ... so Monday and Tuesday are off
        (date(2025, 3, 25), False),
        (date(2025, 3, 26), True),
        (date(2025, 6, 6), False),  # Kurban ait
        (date(2025, 12, 16), False),  # Independence Day
        (date(2026, 3, 23), False),  # Nauryz 2026: 21-22 on the weekend, 23 Monday
        (date(2026, 3, 24), False),
        (date(2026, 3, 25), False),
        (date(2026, 3, 26), True),
        (date(2026, 5, 11), False),  # Victory Day on Saturday, moved to Monday
        (date(2026, 10, 26), False),  # Republic Day on Sunday, moved to Monday
        (date(2026, 11, 23), True),  # an ordinary Monday
    ],
)
def test_official_calendar(day, working):
    assert KZ.is_working_day(day) is working


def test_adding_working_days_skips_nauryz():
    # Thursday 20 March 2025 + 1 working day jumps the whole Nauryz break.
    assert add_working_days(KZ, date(2025, 3, 20), 1) == date(2025, 3, 26)


def test_adding_working_days_counts_a_transferred_sunday():
    # Tuesday 31 Dec 2024 + 1: 1-4 Jan are off, Sunday 5 Jan is a working day.
    assert add_working_days(KZ, date(2024, 12, 31), 1) == date(2025, 1, 5)
    assert add_working_days(KZ, date(2024, 12, 31), 2) == date(2025, 1, 6)


def test_forty_working_days_from_a_real_date():
    # Threshold reached Friday 14 March 2025: review counted from the next day.
    # March: 17-20, 26-28, 31 (8); April: 1-4, 7-11, 14-18, 21-25, 28-30 (22, total 30);
    # May: 1 off, 2, 5, 6, 7 off, 8, 9 off, 12-16, 19 (the 40th).
    assert add_working_days(KZ, date(2025, 3, 14), 40) == date(2025, 5, 19)


def test_twenty_working_days_for_local_bodies():
    # 8 in March, then 1-4, 7-11, 14-16 April: the 20th is Wednesday 16 April.
    assert add_working_days(KZ, date(2025, 3, 14), 20) == date(2025, 4, 16)


def test_working_days_between_is_inverse_of_adding():
    start = date(2025, 12, 1)
    for n in (1, 5, 20, 40):
        assert working_days_between(KZ, start, add_working_days(KZ, start, n)) == n


def test_working_days_between_is_negative_when_overdue():
    assert working_days_between(KZ, date(2025, 3, 26), date(2025, 3, 20)) == -1


def test_admin_transfer_overrides_the_package():
    # Suppose a decree makes Friday 8 May 2026 a day off, worked on Saturday 16 May.
    with_transfer = WorkCalendar(
        extra_days_off=frozenset({date(2026, 5, 8)}), extra_working_days=frozenset({date(2026, 5, 16)})
    )
    assert KZ.is_working_day(date(2026, 5, 8))
    assert not with_transfer.is_working_day(date(2026, 5, 8))
    assert with_transfer.is_working_day(date(2026, 5, 16))
    assert add_working_days(with_transfer, date(2026, 5, 6), 1) == date(2026, 5, 12)


def test_adding_zero_is_refused():
    with pytest.raises(ValueError):
        add_working_days(KZ, date(2025, 1, 1), 0)


def test_counting_without_walking_the_days_agrees_with_walking_them():
    """working_days_between counts weekdays and corrects the exceptional days (bench/growth.py: the
    body record of 10,000 petitions counted each of their days): the same as asking every day."""
    import random
    from datetime import timedelta

    def walked(calendar, start, end):
        if end < start:
            return -walked(calendar, end, start)
        return sum(calendar.is_working_day(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))

    with_transfer = WorkCalendar(
        extra_days_off=frozenset({date(2026, 5, 8), date(2024, 12, 31)}),
        extra_working_days=frozenset({date(2026, 5, 16), date(2025, 1, 4)}),
    )
    spans = random.Random(16)
    for _ in range(2000):
        start = date(2019, 1, 1) + timedelta(days=spans.randrange(3300))
        end = start + timedelta(days=spans.randrange(-800, 800))
        for calendar in (KZ, with_transfer):
            assert working_days_between(calendar, start, end) == walked(calendar, start, end), (start, end)
