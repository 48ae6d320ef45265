"""How long a cycle's voting has left, or how soon it opens, in calendar days of Kazakhstan.

Pure: the cycle's two voting instants and `now` in, no clock and no database. The pages word it
(templates/budgeting/_macros.html: voting_countdown).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from kernel.kazakhstan_time import KAZAKHSTAN, local_date

_INSTANT = timedelta(microseconds=1)


@dataclass(frozen=True)
class VotingCountdown:
    """`stage` is "before" (voting opens later), "open" or "closed".

    Before voting, `day` is the day it opens and `at` the instant; while it is open, `day` is the
    last day a ballot is taken and `at` the closing instant. `days` counts calendar days from today
    to `day` (0: today). A close at midnight ends the day before it (`at_midnight`): its last day is
    that whole day, not the one the clock turns to.
    """

    stage: str
    days: int
    day: date
    at: datetime
    at_midnight: bool


def _midnight(at: datetime) -> bool:
    return at.astimezone(KAZAKHSTAN).time() == time(0, 0)


def voting_countdown(voting_open: datetime, voting_close: datetime, now: datetime) -> VotingCountdown:
    """Where `now` stands against the voting of a cycle (open from `voting_open`, until before `voting_close`)."""
    today = local_date(now)
    if now < voting_open:
        day = local_date(voting_open)
        return VotingCountdown("before", (day - today).days, day, voting_open, _midnight(voting_open))
    last_day = local_date(voting_close - _INSTANT)
    stage = "open" if now < voting_close else "closed"
    return VotingCountdown(stage, (last_day - today).days, last_day, voting_close, _midnight(voting_close))
