"""The petition page's signature charts, each with the table behind it: regions ranked, days, and the first days hour by hour.

The cells are those petitions/breakdowns.py publishes (small ones merged into "other"); this module
only names and writes them in the reader's language (kernel/local_formats.py) and lays them out
(kernel/charts.py). Hours are Astana time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _

from kernel import charts, local_formats
from kernel.territories import named_places
from petitions import breakdowns


@dataclass(frozen=True)
class RegionRow:
    rank: int | None  # None for "other regions", which has no place in the ranking
    name: str
    count: str
    share: str


@dataclass(frozen=True)
class SignatureCharts:
    region_chart: charts.Chart
    region_rows: list[RegionRow]
    day_chart: charts.Chart
    day_rows: list[tuple[str, str]]
    hour_chart: charts.Chart | None  # only for a fast petition (breakdowns.HourlySeries.is_fast)
    hour_rows: list[tuple[str, str]]
    hours_other: int | None  # signatures of the hours folded together, when any were


def signature_charts(petition_id: int, locale: str, now: datetime) -> SignatureCharts | None:
    """The charts of a public petition's signatures; None while the breakdown is withheld (too few in all)."""
    by_region = breakdowns.by_region(petition_id)
    if not by_region:
        return None
    region_rows = ranked_regions(by_region, locale)
    by_day = breakdowns.by_day(petition_id)
    hours = breakdowns.by_hour(petition_id, now)
    hour_chart, hour_rows, hours_other = _hours(hours, locale) if hours.is_fast else (None, [], None)
    return SignatureCharts(
        region_chart=charts.rows_chart(
            [(_ranked_label(row), n) for row, (_kato, n) in zip(region_rows, by_region, strict=True)],
            text=lambda n: local_formats.number(n, locale),
        ),
        region_rows=region_rows,
        day_chart=charts.columns_chart(
            [(_day_text(day, locale, short=True), n) for day, n in by_day],
            text=lambda n: local_formats.number(n, locale),
        ),
        day_rows=[(_day_text(day, locale), local_formats.number(n, locale)) for day, n in by_day],
        hour_chart=hour_chart,
        hour_rows=hour_rows,
        hours_other=hours_other,
    )


def ranked_regions(by_region: list[tuple[str, int]], locale: str) -> list[RegionRow]:
    """Most signatures first (breakdowns.by_region's order), each named; equal counts share a rank."""
    names = named_places({kato for kato, _ in by_region if kato != breakdowns.OTHER}, locale)
    total = sum(n for _, n in by_region)
    rows, rank, previous = [], 0, None
    for place, (kato, n) in enumerate(by_region, start=1):
        if kato == breakdowns.OTHER:
            rows.append(RegionRow(None, _("Other regions"), local_formats.number(n, locale), _share(n, total, locale)))
            continue
        rank = rank if n == previous else place
        previous = n
        rows.append(RegionRow(rank, names[kato], local_formats.number(n, locale), _share(n, total, locale)))
    return rows


def _share(n: int, total: int, locale: str) -> str:
    return local_formats.percent(n / total if total else 0, locale)


def _ranked_label(row: RegionRow) -> str:
    return row.name if row.rank is None else f"{row.rank}. {row.name}"


def _day_text(day, locale: str, short: bool = False) -> str:
    if day == breakdowns.OTHER:
        return _("Other days")
    return local_formats.short_day(day, locale) if short else local_formats.day_label(day, locale)


def _hours(series: breakdowns.HourlySeries, locale: str) -> tuple[charts.Chart, list[tuple[str, str]], int | None]:
    """Every hour of the span on the axis, a folded hour drawn as no column; its table lists the shown hours."""
    shown = {hour: n for hour, n in series.rows if hour != breakdowns.OTHER}
    other = next((n for hour, n in series.rows if hour == breakdowns.OTHER), None)
    axis = [series.start + timedelta(hours=i) for i in range(series.hours)]
    chart = charts.columns_chart(
        [(_hour_text(hour, locale), shown.get(hour)) for hour in axis],
        text=lambda n: local_formats.number(n, locale),
        axis=_day_starts(axis, locale),
    )
    rows = [(local_formats.hour_label(hour, locale), local_formats.number(n, locale)) for hour, n in shown.items()]
    if other is not None:
        rows.append((_("Other hours"), local_formats.number(other, locale)))
    return chart, rows, other


def _hour_text(hour: datetime, locale: str) -> str:
    return f"{local_formats.short_day(hour, locale)} {local_formats.time_label(hour, locale)}"


def _day_starts(hours: list[datetime], locale: str) -> list[tuple[int, str]]:
    """Under the axis: each Astana midnight as its day, then the first hour with its time if it fits."""
    midnights = [
        (i, local_formats.short_day(h, locale)) for i, h in enumerate(hours) if local_formats.kazakhstan(h).hour == 0
    ]
    return [*midnights, (0, _hour_text(hours[0], locale))] if hours else []
