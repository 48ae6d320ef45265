"""Small-cell suppression: which cells of a published breakdown are merged into "other" so none singles out a person.

DOMAIN.md, "Privacy of small groups": a breakdown of ballots or signatures (by village, region, day)
publishes no cell with fewer than a minimum number of people; totals stay exact. The classic ways a
table leaks anyway are handled here, once, for every feature that publishes one:

- a small cell is not shown on its own but folded into one "other" cell;
- complementary disclosure: the total is published, so "other" equals the total minus the shown
  cells; if it held fewer than the minimum (one small village merged alone) it would give that
  cell back, so the next smallest shown cells join it until it reaches the minimum;
- a breakdown whose total is below the minimum is withheld whole: only the total is published;
- a cell of 0 is shown as it is: it says no person is there, which identifies nobody.

What this cannot stop, and callers should know: a breakdown that changes over time can be
differenced between two readings (a live count that grows by one while "other" grows by one), and a
shown cell may still be unanimous about an attribute (ten ballots of one village, all for one
project). The rule protects against reading one person's cell off one publication.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

OTHER = "other"  # the key under which the merged cells are published


@dataclass(frozen=True)
class MergedCells(Generic[K]):
    """A breakdown as it may be published.

    `shown` are the cells published as they are (in the order given, zeros included), `merged` the
    keys folded into `other` (their sum; 0 when nothing was merged). When `withheld`, the breakdown
    is not published at all: `shown` is empty and `other` is the total.
    """

    shown: dict[K, int]
    merged: tuple[K, ...]
    other: int
    total: int
    withheld: bool

    def rows(self) -> list[tuple[K | str, int]]:
        """The published rows: the shown cells, then `(OTHER, n)` when something was merged; none when withheld."""
        if self.withheld:
            return []
        rows: list[tuple[K | str, int]] = list(self.shown.items())
        if self.merged:
            rows.append((OTHER, self.other))
        return rows


def merge_small_cells(counts: Mapping[K, int], minimum: int) -> MergedCells[K]:
    """Merge every cell below `minimum` (but above 0) into "other", and enough more that "other" reaches it.

    Ties between equally small shown cells are broken by their order in `counts`, so the same data
    always gives the same publication. A `minimum` of 0 or 1 merges nothing.
    """
    if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 0:
        raise ValueError("minimum must be a non-negative integer")
    for key, n in counts.items():
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"count of {key!r} must be a non-negative integer")
    total = sum(counts.values())
    if 0 < total < minimum:
        return MergedCells({}, tuple(k for k, n in counts.items() if n), total, total, withheld=True)

    merged = [k for k, n in counts.items() if 0 < n < minimum]
    other = sum(counts[k] for k in merged)
    # Smallest first: the published total minus the shown cells must not give a small "other" back.
    candidates = sorted(
        ((n, position, k) for position, (k, n) in enumerate(counts.items()) if n >= minimum),
        key=lambda item: (item[0], item[1]),
        reverse=True,
    )
    while 0 < other < minimum and candidates:
        n, _position, key = candidates.pop()
        merged.append(key)
        other += n

    folded = set(merged)
    shown = {k: n for k, n in counts.items() if k not in folded}
    order = {k: i for i, k in enumerate(counts)}
    return MergedCells(shown, tuple(sorted(merged, key=order.__getitem__)), other, total, withheld=False)
