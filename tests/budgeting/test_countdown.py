"""The voting countdown in Kazakhstan calendar days (budgeting/countdown.py), pure: no clock, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from budgeting.countdown import voting_countdown
from budgeting.funding_chart import funding_chart, funding_rows


def astana(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC) - timedelta(hours=5)


OPEN, CLOSE = astana(1, 9), astana(12, 20)


@pytest.mark.parametrize(
    ("now", "stage", "days", "day"),
    [
        (astana(1, 8, 59), "before", 0, date(2026, 12, 1)),  # opens today, in a minute
        (datetime(2026, 11, 30, 18, 59, tzinfo=UTC), "before", 1, date(2026, 12, 1)),  # 30 Nov, 23:59 in Astana
        (astana(1, 9), "open", 11, date(2026, 12, 12)),
        (astana(11, 23, 59), "open", 1, date(2026, 12, 12)),
        (astana(12, 0, 0), "open", 0, date(2026, 12, 12)),  # the last day, from its first minute
        (astana(12, 19, 59), "open", 0, date(2026, 12, 12)),
        (astana(12, 20), "closed", 0, date(2026, 12, 12)),
    ],
)
def test_days_are_calendar_days_of_astana(now, stage, days, day):
    countdown = voting_countdown(OPEN, CLOSE, now)
    assert (countdown.stage, countdown.days, countdown.day) == (stage, days, day)
    assert not countdown.at_midnight


def test_a_utc_evening_is_already_the_next_day_in_astana():
    # 20:00 UTC on 10 December is 01:00 on the 11th in Astana: one day left, not two
    assert voting_countdown(OPEN, CLOSE, datetime(2026, 12, 10, 20, 0, tzinfo=UTC)).days == 1


def test_a_close_at_midnight_ends_the_day_before():
    close = astana(13, 0)  # 00:00 on the 13th
    countdown = voting_countdown(OPEN, close, astana(12, 10))
    assert (countdown.stage, countdown.days, countdown.day, countdown.at_midnight) == (
        "open",
        0,
        date(2026, 12, 12),
        True,
    )
    assert voting_countdown(OPEN, close, astana(10, 10)).days == 2


def test_the_running_total_climbs_through_the_funded_only():
    rows = funding_rows([(1, "a", 9, 600), (3, "c", 5, 300)], [(2, "b", 7, 500)])
    assert [(r.proposal_id, r.funded, r.running_total) for r in rows] == [
        (1, True, 600),
        (3, True, 900),
        (2, False, None),
    ]
    chart = funding_chart(rows, 1000)
    assert [(b.spent_before, b.spent_with) for b in chart.bars] == [(0.0, 192.0), (192.0, 288.0), (0.0, 0.0)]
    assert chart.bars[0].bar_width > chart.bars[2].bar_width > chart.bars[1].bar_width  # 9, 7, 5 votes
    assert chart.height == 90 + 90 + 62


def test_an_empty_result_draws_an_empty_chart():
    chart = funding_chart(funding_rows([], []), 1000)
    assert chart.bars == [] and chart.height == 1
