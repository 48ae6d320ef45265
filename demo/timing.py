"""When the demo's citizens sign: most on the first days after a petition is shared, fewer each day
after, and through Kazakhstan's waking hours, most at lunch and in the evening, so that a demo
petition's by-day chart and its recent signers look like a real petition's."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from kernel.kazakhstan_time import KAZAKHSTAN

# how a day's signatures fall over the hours of the local day (00:00 … 23:00): few at night, a rise
# from the morning, a peak at lunch, the most in the evening after work
HOUR_WEIGHTS = (
    1.0,
    0.5,
    0.3,
    0.2,
    0.2,
    0.4,
    1.2,
    2.8,
    4.0,
    4.8,
    5.2,
    5.6,
    7.2,
    6.8,
    5.4,
    5.0,
    5.0,
    5.6,
    6.6,
    8.2,
    9.0,
    8.0,
    5.6,
    3.0,
)
FLOOR = 0.08  # the share of the first day's signers a petition still gathers on a late day


def moments(
    rng: random.Random,
    count: int,
    first_day: date,
    last_day: date,
    not_before: datetime,
    not_after: datetime,
    fade_days: float = 2.5,
) -> list[datetime]:
    """`count` instants (UTC, to the second, in time order) on the local days `first_day` to
    `last_day`, none before `not_before` nor after `not_after`: each day gathers half as many as the
    day `fade_days` before it (but never fewer than FLOOR of the first day's), each hour its share
    of HOUR_WEIGHTS."""
    days = (last_day - first_day).days + 1
    if days < 1 or not_before > not_after:
        raise ValueError("no day to sign on")
    day_weights = [0.5 ** (day / fade_days) + FLOOR for day in range(days)]
    result = []
    while len(result) < count:
        day = first_day + timedelta(days=rng.choices(range(days), day_weights)[0])
        hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
        local = datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), KAZAKHSTAN)
        at = local.astimezone(not_before.tzinfo)
        if not_before <= at <= not_after:  # the hours before the petition was out, or still to come: drawn again
            result.append(at)
    return sorted(result)


def crossing_moments(
    rng: random.Random,
    count: int,
    threshold: int,
    first_day: date,
    last_day: date,
    not_before: datetime,
    not_after: datetime,
) -> list[datetime]:
    """`count` instants as `moments` gives them, but the petition's `threshold` is reached on
    `last_day` and not before: a little short of it on the days before, the rest (its last push)
    on the last day, the earlier of a whole day's worth there (once the threshold is reached, the
    petition takes no more signatures)."""
    if not threshold <= count:
        raise ValueError("the signers must reach the threshold")
    before = threshold - 1 - rng.randint(20, 60)
    last_morning = datetime.combine(last_day, time(0), KAZAKHSTAN).astimezone(not_before.tzinfo)
    on_the_day = moments(rng, 2 * (count - before), last_day, last_day, max(not_before, last_morning), not_after)
    earlier = moments(
        rng, before, first_day, last_day - timedelta(days=1), not_before, last_morning - timedelta(seconds=1)
    )
    return earlier + on_the_day[: count - before]


def weekday_before(day: datetime) -> datetime:
    """`day`, or the Friday before it if it is a Saturday or a Sunday in Kazakhstan: when an office
    holds a meeting."""
    weekday = day.astimezone(KAZAKHSTAN).weekday()
    return day - timedelta(days=weekday - 4) if weekday > 4 else day
