"""Open data: public petitions and their counts by region and day, as CSV or JSON, and every body's
record as CSV; no personal data. A KATO code comes with its territory's names."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Blueprint, jsonify, request
from sqlalchemy import func, select

from extensions import db
from jsonapi import API_PREFIX
from kernel.csv_export import csv_response
from kernel.errors import DomainError
from kernel.territories import Territory
from petitions import body_statistics, breakdowns
from petitions.models import Petition, PetitionCounter, Signature
from petitions.queries import PUBLIC_STATES, kazakhstan_day
from web import clock

bp = Blueprint("petition_exports", __name__, url_prefix=API_PREFIX + "/exports")

# A KATO code column's territory names in Kazakh and Russian (empty when the registry has none), as
# GET /territories names them, come as new columns at the end: a reader that takes columns by position
# still finds every earlier column where it was.
PETITION_FIELDS = (
    "id", "title", "language", "addressee", "territory", "state", "threshold", "signature_count",
    "submitted_at", "published_at", "collection_ends_at", "threshold_reached_at", "review_due_on",
    "answered_at", "answer_decision", "territory_name_kk", "territory_name_ru",
)
REGION_FIELDS = ("petition_id", "region", "count", "region_name_kk", "region_name_ru")
# The row of the regions merged for privacy (petitions.breakdowns), named as the petition page names it.
OTHER_REGION_NAMES = {"name_kk": "Басқа өңірлер", "name_ru": "Другие регионы"}


def _public_petitions() -> list[Petition]:
    return list(db.session.scalars(select(Petition).where(Petition.state.in_(PUBLIC_STATES)).order_by(Petition.id)))


def _value(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _names(katos: set[str | None]) -> dict[str, dict[str, str]]:
    """{kato: {"name_kk", "name_ru"}} of the registry's territories among `katos`."""
    wanted = {kato for kato in katos if kato and kato != breakdowns.OTHER}
    if not wanted:
        return {}
    rows = db.session.scalars(select(Territory).where(Territory.kato.in_(wanted)))
    return {row.kato: {"name_kk": row.name_kk, "name_ru": row.name_ru} for row in rows}


def _named(kato: str | None, names: dict[str, dict[str, str]], prefix: str) -> dict[str, str | None]:
    found = OTHER_REGION_NAMES if kato == breakdowns.OTHER else names.get(kato or "", {})
    return {f"{prefix}_name_kk": found.get("name_kk"), f"{prefix}_name_ru": found.get("name_ru")}


def _exact_counts() -> dict[int, int]:
    """Every public petition's exact count (the sum of its shards), in one query: not one a petition."""
    rows = db.session.execute(
        select(PetitionCounter.petition_id, func.sum(PetitionCounter.count))
        .where(PetitionCounter.petition_id.in_(select(Petition.id).where(Petition.state.in_(PUBLIC_STATES))))
        .group_by(PetitionCounter.petition_id)
    )
    return {petition_id: int(count) for petition_id, count in rows}


def petition_rows() -> list[dict]:
    petitions = _public_petitions()
    names = _names({petition.territory for petition in petitions})
    counts = _exact_counts()
    rows = []
    for petition in petitions:
        row = {name: _value(getattr(petition, name, None)) for name in PETITION_FIELDS if name != "signature_count"}
        row.update(_named(petition.territory, names, "territory"))
        row["signature_count"] = counts.get(petition.id, 0)
        rows.append({name: row[name] for name in PETITION_FIELDS})
    return rows


def _public_signatures():
    return Signature.petition_id.in_(select(Petition.id).where(Petition.state.in_(PUBLIC_STATES)))


def _per_petition(rows: Iterable[tuple[int, object, int]], key: str) -> list[dict]:
    """Each petition's cells as its own breakdown, small cells merged into "other" (petitions.breakdowns)."""
    cells: dict[int, list[tuple[object, int]]] = {}
    for petition_id, value, count in rows:
        cells.setdefault(petition_id, []).append((_value(value), count))
    at_least = breakdowns.minimum()
    return [
        {"petition_id": petition_id, key: value, "count": count}
        for petition_id, petition_cells in cells.items()
        for value, count in breakdowns.publishable(petition_cells, at_least)
    ]


def region_rows() -> list[dict]:
    """Per petition, its regions by KATO, then "other"; a petition below the minimum has no rows."""
    stmt = (
        select(Signature.petition_id, Signature.region, func.count(Signature.id))
        .where(_public_signatures())
        .group_by(Signature.petition_id, Signature.region)
        .order_by(Signature.petition_id, Signature.region)
    )
    rows = _per_petition(db.session.execute(stmt), "region")
    names = _names({row["region"] for row in rows})
    return [{name: {**row, **_named(row["region"], names, "region")}[name] for name in REGION_FIELDS} for row in rows]


def day_rows() -> list[dict]:
    """Per petition, its days in date order, then "other" days (see petitions.breakdowns)."""
    day = kazakhstan_day(Signature.signed_at)
    stmt = (
        select(Signature.petition_id, day, func.count(Signature.id))
        .where(_public_signatures())
        .group_by(Signature.petition_id, day)
        .order_by(Signature.petition_id, day)
    )
    return _per_petition(db.session.execute(stmt), "day")


FORMATS = ("csv", "json")
DATASETS = {
    "petitions": (petition_rows, PETITION_FIELDS),
    "signatures-by-region": (region_rows, REGION_FIELDS),
    "signatures-by-day": (day_rows, ("petition_id", "day", "count")),
}


@bp.get("/bodies.csv")
def bodies_csv():
    """GET /statistics/bodies as CSV, one row a body (the same `from`, `to`; columns CSV_FIELDS)."""
    period = body_statistics.period_from(request.args)
    records = body_statistics.body_records(clock.now(), period)
    return _public(csv_response([r.csv_row() for r in records], body_statistics.CSV_FIELDS, "bodies.csv"))


def _public(response):
    response.cache_control.public = True
    response.cache_control.max_age = 60
    return response


@bp.get("/<name>.<fmt>")
def export(name: str, fmt: str):
    if name not in DATASETS or fmt not in FORMATS:
        raise DomainError("not_found")
    make_rows, fields = DATASETS[name]
    rows = make_rows()
    if fmt == "json":
        response = jsonify({"items": rows})
    else:
        response = csv_response(rows, fields, f"{name}.csv")
    return _public(response)
