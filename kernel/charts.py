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


def columns_chart(rows: list[tuple[str, int]], height: int = 160) -> Chart:
    """Vertical bars over time; the first and last labels (and a few between) under the axis."""
    top = max((value for _, value in rows), default=0) or 1
    plot = height - 36  # room for the value above the bar and the labels under the axis
    slot = min(WIDTH / max(len(rows), 1), 40)  # one day is a column, not the whole width
    gap = min(slot * 0.2, 6)
    bars = []
    for i, (label, value) in enumerate(rows):
        bar_height = max(plot * value / top, 2 if value else 0)
        x = i * slot + gap / 2
        y = 14 + plot - bar_height
        bars.append(
            Bar(label, value, x=round(x, 1), y=round(y, 1), width=round(slot - gap, 1), height=round(bar_height, 1),
                label_x=round(x + (slot - gap) / 2, 1), label_y=height - 4,
                value_x=round(x + (slot - gap) / 2, 1), value_y=round(y - 3, 1), text=str(value))
        )
    step = max(1, -(-len(rows) // 4))
    shown = sorted({0, len(rows) - 1, *range(0, len(rows), step)}) if rows else []
    axis = [_axis_label(bars, i) for i in shown]
    # Values above columns only when they fit.
    return Chart(WIDTH, height, bars if len(rows) <= 16 else [_no_value(b) for b in bars], axis)


def _no_value(bar: Bar) -> Bar:
    return Bar(bar.label, bar.value, bar.x, bar.y, bar.width, bar.height, bar.label_x, bar.label_y, -1, -1, bar.text)


def _axis_label(bars: list[Bar], i: int) -> tuple[float, str, str]:
    """The first label starts at its bar and the last ends at its bar, so neither leaves the chart."""
    bar = bars[i]
    if len(bars) == 1:
        return (bar.label_x, bar.label, "middle")
    if i == 0:
        return (bar.x, bar.label, "start")
    if i == len(bars) - 1:
        return (round(bar.x + bar.width, 1), bar.label, "end")
    return (bar.label_x, bar.label, "middle")
