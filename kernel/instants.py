"""Dates and instants that people give (API bodies, page forms, CLI options): one reading, in bounds.

Python's datetime ends at year 9999 and starts at year 1, so converting 9999-12-31T23:59-05:00 to
UTC, or 0001-01-01T00:00 in Astana, or adding days to either, raises OverflowError (a 500). Every
date a person gives is read here and must fall in the calendar years Dauys can mean, FIRST_YEAR
to LAST_YEAR, before anything converts it or counts from it; a use case then applies its own
window (a discussion ahead of now, a budget's phases around its year). Pure: no clock, no database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo

FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_TEXT = 64  # the longest ISO 8601 spelling is about 40 characters
YEARS_TEXT = f"a year from {FIRST_YEAR} to {LAST_YEAR}"


class DateRefused(ValueError):
    """The date or instant cannot be taken; the message says why, for an API client or a CLI user."""


def instant(value: object, *, zone_if_none: tzinfo | None = None) -> datetime:
    """The aware UTC instant an ISO 8601 date-time names, or DateRefused.

    Without a zone (or offset) it is refused, unless `zone_if_none` says whose wall clock it is.
    """
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise DateRefused("an ISO 8601 instant with a time zone")
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise DateRefused("an ISO 8601 instant with a time zone") from None
    if when.tzinfo is None:
        if zone_if_none is None:
            raise DateRefused("an ISO 8601 instant with a time zone")
        when = when.replace(tzinfo=zone_if_none)
    return _utc(when)


def wall_clock(value: datetime, zone: tzinfo) -> datetime:
    """The UTC instant of a naive wall-clock time in `zone` (a page's datetime-local field), or DateRefused."""
    return _utc(value.replace(tzinfo=zone))


def day(value: object) -> date:
    """The calendar day an ISO 8601 date (YYYY-MM-DD) names, or DateRefused."""
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise DateRefused("an ISO 8601 date (YYYY-MM-DD)")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise DateRefused("an ISO 8601 date (YYYY-MM-DD)") from None
    return checked_day(parsed)


def checked_day(value: date) -> date:
    """`value` when its year is one Dauys can mean, else DateRefused (for a date a form or CLI parsed)."""
    if not in_years(value):
        raise DateRefused(YEARS_TEXT)
    return value


def in_years(value: date | datetime) -> bool:
    """True when `value` (a day, or a date-time as written, before any conversion) is in FIRST_YEAR..LAST_YEAR."""
    return FIRST_YEAR <= value.year <= LAST_YEAR


def _utc(when: datetime) -> datetime:
    # The year is checked as written, before converting: an offset is under a day, so a year in
    # bounds is far from datetime's ends and astimezone cannot overflow.
    if not in_years(when):
        raise DateRefused(YEARS_TEXT)
    return when.astimezone(UTC)
