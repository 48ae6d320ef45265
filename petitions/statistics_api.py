"""/api/v1/statistics/bodies and /api/v1/calendar: every body's record, and the calendar it is counted on.

The calendar is published beside the record so that its median working days (and every petition's
deadlines) can be recomputed by anyone: a working day is one that is not in `non_working_days`.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, jsonify, request

from jsonapi import API_PREFIX
from kernel.errors import DomainError
from kernel.kazakhstan_time import local_date
from kernel.work_calendar import load_work_calendar
from kernel.working_days import non_working_days
from petitions import body_statistics
from web import clock

bp = Blueprint("petition_statistics_api", __name__, url_prefix=API_PREFIX)

CALENDAR_MAX_DAYS = 3 * 366  # a range of at most about three years, both ends included
CACHE_SECONDS = 60


def _public(response, seconds: int = CACHE_SECONDS):
    response.cache_control.public = True
    response.cache_control.max_age = seconds
    return response


@bp.get("/statistics/bodies")
def bodies():
    period = body_statistics.period_from(request.args)
    now = clock.now()
    records = body_statistics.body_records(now, period)
    return _public(
        jsonify(
            {
                "from": _iso(period.start),
                "to": _iso(period.end),
                "today": local_date(now).isoformat(),
                "items": [record.to_json() for record in records],
            }
        )
    )


@bp.get("/calendar")
def calendar():
    """Every non-working day of [from, to] (default: this year in Kazakhstan), admin transfers included."""
    days, fields = body_statistics.date_range_from(request.args)
    if not fields:
        this_year = local_date(clock.now()).year
        start = days["from"] or (date(days["to"].year, 1, 1) if days["to"] else date(this_year, 1, 1))
        end = days["to"] or date(start.year, 12, 31)
        if start > end:
            fields["to"] = "a day on or after `from`"
        elif (end - start) >= timedelta(days=CALENDAR_MAX_DAYS):
            fields["to"] = f"at most {CALENDAR_MAX_DAYS} days from `from`"
    if fields:
        raise DomainError("validation_error", fields=fields)
    return _public(
        jsonify(
            {
                "from": start.isoformat(),
                "to": end.isoformat(),
                "non_working_days": [day.isoformat() for day in non_working_days(load_work_calendar(), start, end)],
            }
        )
    )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
