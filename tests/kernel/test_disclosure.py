"""The small-cell rule on its own: no shown cell and no "other" read back from the total is below the minimum."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernel.disclosure import OTHER, merge_small_cells

breakdowns = st.dictionaries(st.text(min_size=1, max_size=4), st.integers(min_value=0, max_value=40), max_size=12)
minimums = st.integers(min_value=0, max_value=25)


@given(breakdowns, minimums)
def test_no_published_cell_and_no_derivable_other_is_below_the_minimum(counts, minimum):
    merged = merge_small_cells(counts, minimum)
    assert merged.total == sum(counts.values())
    if merged.withheld:
        assert 0 < merged.total < minimum
        assert merged.shown == {} and merged.rows() == []
        return
    for n in merged.shown.values():
        assert n == 0 or n >= minimum
    # what a reader gets by subtracting the shown cells from the published total
    derivable_other = merged.total - sum(merged.shown.values())
    assert derivable_other == merged.other
    assert merged.other == 0 or merged.other >= minimum
    # a merged cell of 0 would be pointless; every key is either shown or merged, once
    assert all(counts[k] > 0 for k in merged.merged)
    assert sorted(map(str, [*merged.shown, *merged.merged])) == sorted(map(str, counts))


@given(breakdowns, minimums)
def test_totals_stay_exact_and_rows_add_up(counts, minimum):
    merged = merge_small_cells(counts, minimum)
    rows = merged.rows()
    if not merged.withheld:
        assert sum(n for _, n in rows) == sum(counts.values())
        assert (OTHER, merged.other) in rows or not merged.merged


@given(breakdowns, minimums)
def test_a_cell_at_or_over_the_minimum_is_merged_only_to_protect_a_small_other(counts, minimum):
    merged = merge_small_cells(counts, minimum)
    if merged.withheld:
        return
    big = [k for k in merged.merged if counts[k] >= minimum]
    small_sum = sum(counts[k] for k in merged.merged if counts[k] < minimum)
    assert len(big) <= 1
    if big:
        assert 0 < small_sum < minimum
        # the smallest shown-able cell is the one that joins
        assert counts[big[0]] <= min((n for n in merged.shown.values() if n >= minimum), default=counts[big[0]])


@given(breakdowns, minimums)
def test_the_same_data_always_gives_the_same_publication(counts, minimum):
    again = merge_small_cells(dict(reversed(list(counts.items()))), minimum)
    first = merge_small_cells(counts, minimum)
    assert first.withheld == again.withheld and first.other == again.other
    assert merge_small_cells(counts, minimum) == first
    assert list(first.shown) == [k for k in counts if k in first.shown]  # input order kept


def test_a_one_and_a_nine_are_merged_a_ten_is_shown():
    merged = merge_small_cells({"a": 1, "b": 9, "c": 10, "d": 12}, 10)
    assert merged.shown == {"c": 10, "d": 12}
    assert merged.merged == ("a", "b") and merged.other == 10
    assert merged.rows() == [("c", 10), ("d", 12), (OTHER, 10)]


def test_a_single_small_cell_takes_the_next_smallest_with_it():
    merged = merge_small_cells({"a": 3, "b": 12, "c": 10}, 10)
    assert merged.shown == {"b": 12}
    assert merged.merged == ("a", "c") and merged.other == 13


def test_a_breakdown_below_the_minimum_is_withheld_and_zeros_are_shown():
    assert merge_small_cells({"a": 4, "b": 0, "c": 5}, 10).withheld
    assert merge_small_cells({"a": 0, "b": 0}, 10).rows() == [("a", 0), ("b", 0)]
    assert merge_small_cells({"a": 0, "b": 15}, 10).rows() == [("a", 0), ("b", 15)]
    assert merge_small_cells({}, 10).rows() == []


def test_a_minimum_of_one_merges_nothing():
    assert merge_small_cells({"a": 1, "b": 2}, 1).rows() == [("a", 1), ("b", 2)]
    assert merge_small_cells({"a": 1, "b": 2}, 0).rows() == [("a", 1), ("b", 2)]


@pytest.mark.parametrize("counts, minimum", [({"a": -1}, 10), ({"a": 1.5}, 10), ({"a": True}, 10), ({"a": 1}, -1)])
def test_impossible_input_is_refused(counts, minimum):
    with pytest.raises(ValueError):
        merge_small_cells(counts, minimum)
