"""The results chart: each project's votes, funded or not, its cost, and the running total of what is
funded against the budget. Pure: rows in, geometry out (no database, no clock).

Funded and not funded differ by more than colour: a word on each row ("Funded" / "Not funded",
templates/budgeting/results.html), a hatched bar for the not funded, and the table behind the chart
says the same. The funded come first, in the order the rule chose them, so the running total climbs
to what was spent; the not funded follow, most votes first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kernel.charts import WIDTH

TITLE_Y, BAR_Y, BAR_HEIGHT, STATUS_Y = 13, 18, 16, 50  # within a row
TOTAL_Y, TRACK_Y, TRACK_HEIGHT = 66, 71, 8  # a funded row's running total: its line and its track
FUNDED_ROW, NOT_FUNDED_ROW = 90, 62  # the height of each kind of row
VALUE_ROOM = 48  # room for the votes after the longest bar


@dataclass(frozen=True)
class FundingRow:
    """One project of the results: `running_total` is what the funded so far cost, this one included."""

    proposal_id: int
    title: str
    votes: int
    cost: int
    funded: bool
    running_total: int | None


@dataclass(frozen=True)
class FundingBar:
    row: FundingRow
    y: float  # the top of the row
    bar_width: float
    spent_before: float  # funded rows: the track filled by the projects before this one
    spent_with: float  # … and by this one too

    @property
    def title_y(self) -> float:
        return self.y + TITLE_Y

    @property
    def bar_y(self) -> float:
        return self.y + BAR_Y

    @property
    def value_x(self) -> float:
        return round(self.bar_width + 6, 1)

    @property
    def value_y(self) -> float:
        return self.y + BAR_Y + BAR_HEIGHT - 3

    @property
    def status_y(self) -> float:
        return self.y + STATUS_Y

    @property
    def total_y(self) -> float:
        return self.y + TOTAL_Y

    @property
    def track_y(self) -> float:
        return self.y + TRACK_Y

    @property
    def own_width(self) -> float:
        return round(self.spent_with - self.spent_before, 1)


@dataclass(frozen=True)
class FundingChart:
    width: int
    height: int
    track_width: int
    amount: int  # the budget: the whole track
    bars: list[FundingBar]
    bar_height: int = BAR_HEIGHT
    track_height: int = TRACK_HEIGHT


def funding_rows(
    funded: Sequence[tuple[int, str, int, int]], not_funded: Sequence[tuple[int, str, int, int]]
) -> list[FundingRow]:
    """Rows from (id, title, votes, cost): the funded in the order given (the rule's), each with the
    running total, then the not funded in the order given."""
    rows, total = [], 0
    for pid, title, votes, cost in funded:
        total += cost
        rows.append(FundingRow(pid, title, votes, cost, True, total))
    rows += [FundingRow(pid, title, votes, cost, False, None) for pid, title, votes, cost in not_funded]
    return rows


def funding_chart(rows: Sequence[FundingRow], amount: int) -> FundingChart:
    """Votes as bars (the most votes the longest), and under each funded row its share of the budget
    added to the running total: the track is the whole budget."""
    top = max((r.votes for r in rows), default=0) or 1
    room = WIDTH - VALUE_ROOM
    track = WIDTH
    budget = max(amount, 1)
    bars, y = [], 0
    for row in rows:
        width = max(room * row.votes / top, 2 if row.votes else 0)
        before = after = 0.0
        if row.funded and row.running_total is not None:
            after = track * min(row.running_total, budget) / budget
            before = track * min(row.running_total - row.cost, budget) / budget
        bars.append(FundingBar(row, y, round(width, 1), round(before, 1), round(after, 1)))
        y += FUNDED_ROW if row.funded else NOT_FUNDED_ROW
    return FundingChart(WIDTH, max(y, 1), track, amount, bars)
