"""Signatures by region, by day and by hour as published: cells below PETITION_MIN_CELL merged into "other" (disclosure).

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

Hours: the first PETITION_HOURLY_DAYS days of signing, hour by hour from the hour of the first
signature (up to the current hour while they last), follow the rule of days: every hour of that
span is a cell (an hour without signatures is a 0, which names nobody), small hours are folded into
one "other hours" row. A slow petition's hours would nearly all be folded, so the page draws the
curve only for a fast one: one whose hours so far average at least the minimum (`is_fast`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

from flask import current_app

from kernel import process_cache
from kernel.disclosure import OTHER, merge_small_cells
from petitions import queries
from petitions.lifecycle import PETITION
from petitions.signing_facts import signing_facts

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")

__all__ = ["OTHER", "minimum", "publishable", "by_region", "by_day", "HourlySeries", "by_hour"]


def minimum() -> int:
    return current_app.config["PETITION_MIN_CELL"]


def publishable(rows: Iterable[tuple[K, int]], at_least: int) -> list[tuple[K | str, int]]:
    """The rows in their order with the small ones merged into a last `(OTHER, n)` row; [] when withheld."""
    return merge_small_cells(dict(rows), at_least).rows()


# A petition that no longer collects has its signatures for good (the retention job keeps their
# regions and times), so its breakdowns are kept in the process: a closed petition of 800,000
# signatures is grouped once in FINISHED_TTL_SECONDS per process, not at every view of its page. One
# that still collects is grouped at every view (its cells move with every signature).
FINISHED_TTL_SECONDS = 600.0
_CACHE = "dauys_breakdowns"


def _kept(kind: str, petition_id: int, read: Callable[[], T], *key: Hashable) -> T:
    facts = signing_facts(petition_id)
    if facts is None or PETITION.allows(facts.state, "sign") or PETITION.allows(facts.state, "submit"):
        return read()
    return process_cache.kept(_CACHE, (kind, petition_id, facts.state, minimum(), *key), FINISHED_TTL_SECONDS, read)


def by_region(petition_id: int) -> list[tuple[str, int]]:
    """(region KATO or OTHER, signatures): most signatures first, ties by KATO, then "other"."""

    def read() -> list[tuple[str, int]]:
        rows = sorted(queries.signatures_by_region(petition_id), key=lambda row: (-row[1], row[0]))
        return publishable(rows, minimum())

    return _kept("region", petition_id, read)


def by_day(petition_id: int) -> list[tuple[date | str, int]]:
    """(Kazakhstan day or OTHER, signatures): the shown days in date order, then "other days"."""
    return _kept("day", petition_id, lambda: publishable(queries.signatures_by_day(petition_id), minimum()))


@dataclass(frozen=True)
class HourlySeries:
    start: datetime | None  # the first hour of the span (UTC), None before the first signature
    # (the hour's first instant in UTC, or OTHER; signatures): the shown hours in order, then "other hours"
    rows: list[tuple[datetime | str, int]]
    hours: int  # hours the span covers so far
    total: int  # signatures in the span

    @property
    def is_fast(self) -> bool:
        """Its hours average at least the minimum cell, and some are shown: the curve says something."""
        shown = [n for key, n in self.rows if key != OTHER]
        return bool(shown) and self.total >= self.hours * minimum()


def hourly_days() -> int:
    return current_app.config["PETITION_HOURLY_DAYS"]


def by_hour(petition_id: int, now: datetime) -> HourlySeries:
    """Signatures per hour over the first PETITION_HOURLY_DAYS days of signing (see the module's docstring)."""
    current_hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return _kept("hour", petition_id, lambda: _by_hour(petition_id, current_hour), current_hour, hourly_days())


def _by_hour(petition_id: int, current_hour: datetime) -> HourlySeries:
    first = queries.first_signature_at(petition_id)
    if first is None:
        return HourlySeries(None, [], 0, 0)
    start = first.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    end = max(min(start + timedelta(days=hourly_days()), current_hour), start + timedelta(hours=1))
    counts = queries.signatures_by_hour(petition_id, start, end)
    hours = int((end - start) / timedelta(hours=1))
    cells = [(start + timedelta(hours=i), counts.get(start + timedelta(hours=i), 0)) for i in range(hours)]
    return HourlySeries(start, publishable(cells, minimum()), hours, sum(counts.values()))
