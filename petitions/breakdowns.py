"""Signatures by region and by day as published: cells below PETITION_MIN_CELL merged into "other" (disclosure).

One petition's signatures are one breakdown; the page, `GET /petitions/{id}/signatures` and the
open-data exports all publish it through here. A breakdown with fewer signatures in all than the
minimum is not published (empty); the petition's exact count is published elsewhere.

Days: a time series has no natural "other", and merging a small day into its neighbour would blur
the days shown beside it. So a day with fewer signatures than the minimum is folded into one
"other days" row, published last, after the shown days in date order; a shown day's count is that
day's exact count. The usual complementary rule holds: if "other days" would hold fewer than the
minimum, the next smallest day joins it. (A live series can still be differenced between two
readings; the public signer list shows times anyway. What this stops is one reading naming a
region, or a day, of a single signer.)
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from datetime import date
from typing import TypeVar

from flask import current_app

from kernel.disclosure import OTHER, merge_small_cells
from petitions import queries

K = TypeVar("K", bound=Hashable)

__all__ = ["OTHER", "minimum", "publishable", "by_region", "by_day"]


def minimum() -> int:
    return current_app.config["PETITION_MIN_CELL"]


def publishable(rows: Iterable[tuple[K, int]], at_least: int) -> list[tuple[K | str, int]]:
    """The rows in their order with the small ones merged into a last `(OTHER, n)` row; [] when withheld."""
    return merge_small_cells(dict(rows), at_least).rows()


def by_region(petition_id: int) -> list[tuple[str, int]]:
    """(region KATO or OTHER, signatures): most signatures first, ties by KATO, then "other"."""
    rows = sorted(queries.signatures_by_region(petition_id), key=lambda row: (-row[1], row[0]))
    return publishable(rows, minimum())


def by_day(petition_id: int) -> list[tuple[date | str, int]]:
    """(Kazakhstan day or OTHER, signatures): the shown days in date order, then "other days"."""
    return publishable(queries.signatures_by_day(petition_id), minimum())
