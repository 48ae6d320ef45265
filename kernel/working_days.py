"""Working days on the Kazakhstan production calendar: pure functions, the calendar passed in."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import holidays
from holidays.countries.kazakhstan import KazakhstanStaticHolidays


@dataclass(frozen=True)
class WorkCalendar:
    """Kazakhstan's public holidays and weekend transfers, plus transfers an admin added.

    `extra_days_off` are weekdays the government declared non-working (a transfer's
    day off); `extra_working_days` are weekend days declared working (its make-up day).
    The admin's entries win over the package's, so a late decree can be entered by hand.
    """

    extra_days_off: frozenset[date] = field(default_factory=frozenset)
    extra_working_days: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off:
            return False
        if day in _official_makeup_days():
            return True
        return day.weekday() < 5 and day not in _official_days_off(day.year)


@lru_cache(maxsize=256)
def _official_days_off(year: int) -> frozenset[date]:
    """Public holidays, their observed days and the day-off side of transfers."""
    return frozenset(holidays.country_holidays("KZ", years=year).keys())


@lru_cache(maxsize=1)
def _official_makeup_days() -> frozenset[date]:
    """The weekend days the government's transfers turned into working days.

    The `holidays` package records each transfer as (day off, moved from); the
    moved-from day is the make-up working day. Entries are (m, d, m, d[, year]).
    """
    days: set[date] = set()
    for year, entries in KazakhstanStaticHolidays.special_public_holidays.items():
        if entries and not isinstance(entries[0], tuple):
            entries = (entries,)
        for entry in entries:
            from_year = entry[4] if len(entry) > 4 else year
            days.add(date(from_year, entry[2], entry[3]))
    return frozenset(days)


def add_working_days(calendar: WorkCalendar, start: date, n: int) -> date:
    """The n-th working day after `start` (start itself not counted); n >= 1."""
    if n < 1:
        raise ValueError("n must be at least 1")
    day = start
    remaining = n
    while remaining:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            remaining -= 1
    return day


def working_days_between(calendar: WorkCalendar, start: date, end: date) -> int:
    """Working days in (start, end]; negative when end is before start (overdue).

    Counted without walking the days: the weekdays of the span, corrected on the few days the
    calendar makes an exception of (holidays, transfers, an admin's entries), so a body record of
    thousands of petitions does not cost a call per day of each."""
    if end < start:
        return -working_days_between(calendar, end, start)
    count = _weekdays_through(end) - _weekdays_through(start)
    days, corrections = _exceptions(calendar, start.year, end.year)
    # the corrections of the exceptional days in (start, end]: a prefix sum, found by bisection
    return count + corrections[bisect_right(days, end)] - corrections[bisect_right(days, start)]


def _weekdays_through(day: date) -> int:
    """Mondays to Fridays from a fixed Monday (0001-01-01) up to and including `day`."""
    weeks, rest = divmod(day.toordinal(), 7)  # ordinal 1 is a Monday: rest 1..5 are weekdays past the weeks
    return weeks * 5 + min(rest, 5)


@lru_cache(maxsize=64)
def _exceptions(calendar: WorkCalendar, first_year: int, last_year: int) -> tuple[list[date], list[int]]:
    """The days of those years whose working status may differ from Monday-to-Friday's (holidays,
    transfers, an admin's entries), in order, and the running sum of what each changes (+1 a
    working Saturday, -1 a weekday off, 0 neither): corrections[i] is the sum over days[:i]."""
    candidates = set(calendar.extra_days_off | calendar.extra_working_days | _official_makeup_days())
    for year in range(first_year, last_year + 1):
        candidates |= _official_days_off(year)
    days = sorted(day for day in candidates if first_year <= day.year <= last_year)
    corrections = [0]
    for day in days:
        corrections.append(corrections[-1] + calendar.is_working_day(day) - (day.weekday() < 5))
    return days, corrections


def non_working_days(calendar: WorkCalendar, start: date, end: date) -> list[date]:
    """Every day of [start, end] that is not a working day: what `working_days_between` skips."""
    days = []
    day = start
    while day <= end:
        if not calendar.is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days
