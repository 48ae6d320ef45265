"""kernel/charts.py: the labels under a column chart never run into each other, whatever the labels."""

import pytest

from kernel import charts


def _extent(x: float, label: str, anchor: str) -> tuple[float, float]:
    width = len(label) * charts.LABEL_CHAR_WIDTH
    left = {"start": x, "end": x - width}.get(anchor, x - width / 2)
    return left, left + width


def _assert_apart(labels) -> None:
    spans = sorted(_extent(*label) for label in labels)
    for (_, right), (left, _) in zip(spans, spans[1:]):
        assert left >= right + charts.GAP, spans
    for left, right in spans:
        assert left >= 0 and right <= charts.WIDTH, spans


@pytest.mark.parametrize("days", [2, 3, 5, 6, 7, 12, 30])
@pytest.mark.parametrize("last", ["Other days", "Басқа күндер", "Другие дни", "30.11"])
def test_day_labels_and_the_other_days_label_never_overlap(days, last):
    rows = [(f"{d:02}.11", 10 + d) for d in range(1, days)] + [(last, 98)]
    chart = charts.columns_chart(rows)
    _assert_apart(chart.axis_labels)
    # the first and the last column are always named
    texts = [text for _x, text, _a in chart.axis_labels]
    assert rows[0][0] in texts and last in texts


def test_given_axis_labels_are_placed_in_order_of_want_and_kept_apart():
    rows = [(str(i), i) for i in range(48)]
    axis = [(0, "06.12 00:00"), (47, "07.12 23:00"), (20, "07.12 00:00"), (1, "06.12 01:00")]
    chart = charts.columns_chart(rows, axis=axis)
    texts = [text for _x, text, _a in chart.axis_labels]
    assert texts == ["06.12 00:00", "07.12 00:00", "07.12 23:00"]
    _assert_apart(chart.axis_labels)
