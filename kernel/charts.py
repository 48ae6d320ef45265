"""Geometry of the server-drawn SVG bar charts (no JavaScript, no chart library)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

WIDTH = 320  # viewBox units; the SVG scales to its container


NO_VALUE = "—"  # what a bar without a value (a share of nothing) says


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    x: float
    y: float
    width: float
    height: float
    label_x: float
    label_y: float
    value_x: float
    value_y: float
    text: str = ""  # the value as the chart writes it (a count as it is, a share as the caller formats it)


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    axis_labels: list[tuple[float, str, str]]  # (x, text, text-anchor) under a column chart


def rows_chart(
    rows: Sequence[tuple[str, float | None]], row_height: int = 40, *, top: float | None = None,
    text: Callable[[float], str] = str,
) -> Chart:
    """Horizontal bars, one row each: the label above its bar, the value after it (long region names fit a phone).

    The longest bar is `top` (default: the largest value), so shares can be drawn against their whole;
    a value of None draws no bar and says NO_VALUE; `text` writes a value (a share as a percentage)."""
    top = top or max((value or 0 for _, value in rows), default=0) or 1
    room = WIDTH - 48  # space for the value after the longest bar
    bars = []
    for i, (label, value) in enumerate(rows):
        y = i * row_height
        width = max(room * min(value or 0, top) / top, 2 if value else 0)
        bars.append(
            Bar(label, value, x=0, y=y + 18, width=round(width, 1), height=16, label_x=0, label_y=y + 13,
                value_x=round(width + 6, 1), value_y=y + 31, text=NO_VALUE if value is None else text(value))
        )
    return Chart(WIDTH, max(len(rows), 1) * row_height, bars, [])


def columns_chart(
    rows: Sequence[tuple[str, int | None]], height: int = 160, *, text: Callable[[int], str] = str,
    axis: Sequence[tuple[int, str]] | None = None,
) -> Chart:
    """Vertical bars over time; the first and last labels (and a few between) under the axis.

    A value of None keeps its place on the axis but draws no bar and says NO_VALUE (an hour whose
    signatures are counted with others); `text` writes a value (grouped as the reader's language does);
    `axis`, when given, is what to write under the axis instead: (bar index, text), the most wanted
    first, each starting at its bar, those that would run into one already placed left out."""
    top = max((value or 0 for _, value in rows), default=0) or 1
    plot = height - 36  # room for the value above the bar and the labels under the axis
    slot = min(WIDTH / max(len(rows), 1), 40)  # one day is a column, not the whole width
    gap = min(slot * 0.2, 6)
    bars = []
    for i, (label, value) in enumerate(rows):
        bar_height = max(plot * (value or 0) / top, 2 if value else 0)
        x = i * slot + gap / 2
        y = 14 + plot - bar_height
        bars.append(
            Bar(label, value, x=round(x, 1), y=round(y, 1), width=round(slot - gap, 1), height=round(bar_height, 1),
                label_x=round(x + (slot - gap) / 2, 1), label_y=height - 4,
                value_x=round(x + (slot - gap) / 2, 1), value_y=round(y - 3, 1),
                text=NO_VALUE if value is None else text(value))
        )
    if axis is None:
        step = max(1, -(-len(rows) // 4))
        between = [i for i in range(step, len(rows) - 1, step)]
        wanted = list(dict.fromkeys([0, len(rows) - 1, *between])) if rows else []  # the ends first
        labels = _without_overlaps([_axis_label(bars, i) for i in wanted])
    else:
        labels = _without_overlaps([_at_bar(bars[i], label) for i, label in axis])
    # Values above columns only when they fit.
    return Chart(WIDTH, height, bars if len(rows) <= 16 else [_no_value(b) for b in bars], labels)


LABEL_CHAR_WIDTH = 7  # viewBox units a character of an axis label takes (12px text), a little generously
GAP = 4  # viewBox units kept clear between two axis labels


Label = tuple[float, str, str]  # (x, text, text-anchor)


def _at_bar(bar: Bar, label: str) -> list[Label]:
    """Where a label may go: starting at its bar, else ending at it."""
    return [(bar.x, label, "start"), (round(bar.x + bar.width, 1), label, "end")]


def _without_overlaps(wanted: Sequence[list[Label]]) -> list[Label]:
    """The axis labels in order of want, each at the first of its places that stays inside the chart
    and clear of those already placed (else left out: a date between the ends, say, that would run
    into "other days"), sorted along the axis."""
    taken: list[tuple[float, float]] = []
    placed = []
    for places in wanted:
        for x, label, anchor in places:
            width = len(label) * LABEL_CHAR_WIDTH
            left = {"start": x, "end": x - width}.get(anchor, x - width / 2)
            inside = left >= 0 and left + width <= WIDTH
            if inside and not any(left < right + GAP and left + width + GAP > other for other, right in taken):
                taken.append((left, left + width))
                placed.append((x, label, anchor))
                break
    return sorted(placed)


def _no_value(bar: Bar) -> Bar:
    return Bar(bar.label, bar.value, bar.x, bar.y, bar.width, bar.height, bar.label_x, bar.label_y, -1, -1, bar.text)


def _axis_label(bars: list[Bar], i: int) -> list[Label]:
    """Where bar i's label may go: the first starts at its bar, the last ends at its bar (or, in a
    chart of a few columns, starts there), so neither leaves the chart; the others under their bar."""
    bar = bars[i]
    middle = (bar.label_x, bar.label, "middle")
    if len(bars) == 1:
        return [middle, (bar.x, bar.label, "start")]
    if i == 0:
        return [(bar.x, bar.label, "start")]
    if i == len(bars) - 1:
        return [(round(bar.x + bar.width, 1), bar.label, "end"), (bar.x, bar.label, "start")]
    return [middle]
