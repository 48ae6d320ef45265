"""The OpenAPI document is valid and complete; exports carry no personal data; JSON matches the schema."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC

import jsonschema
from openapi_spec_validator import validate

from openapi import document
from tests.petitions.conftest import create_and_submit, sign


def test_openapi_document_is_valid(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    assert spec["openapi"].startswith("3.")


def test_every_api_route_is_in_the_openapi_document(app):
    documented = set(document()["paths"])
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1/openapi.json":
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        path = re.sub(r"{(petition|cycle|proposal)_id}", "{id}", path)
        assert path in documented, f"{rule.rule} is missing from openapi.json"


def _validate(instance: dict, name: str) -> None:
    spec = document()
    schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    jsonschema.validate(instance, schema)


def test_petition_json_and_exports(app, client, small_thresholds, make_citizen, actor, officials):
    app.config["PETITION_MIN_CELL"] = 1  # two signers fill the breakdowns; merging is test_small_cells'
    author = actor(make_citizen())
    petition = create_and_submit(author)
    _validate(petition, "Petition")
    officials["moderator"].moderate(petition['id'])
    signers = [make_citizen(kato=k) for k in ("113243200", "113243100")]
    for citizen in signers:
        assert sign(client, citizen, petition).status_code == 201
    listed = client.get("/api/v1/petitions").get_json()
    _validate(listed, "PetitionPage")
    _validate(client.get(f"/api/v1/petitions/{petition['id']}/count").get_json(), "Count")

    exported = client.get("/api/v1/exports/petitions.json").get_json()["items"]
    assert [row["id"] for row in exported] == [petition["id"]]
    assert exported[0]["signature_count"] == 2
    regions = client.get("/api/v1/exports/signatures-by-region.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(regions.removeprefix("\ufeff"))))
    assert {(r["region"], r["count"]) for r in rows} == {("110000000", "2")}
    days = client.get("/api/v1/exports/signatures-by-day.json").get_json()["items"]
    assert sum(row["count"] for row in days) == 2
    everything = "".join(
        client.get(f"/api/v1/exports/{name}.{fmt}").get_data(as_text=True)
        for name in ("petitions", "signatures-by-region", "signatures-by-day") for fmt in ("csv", "json")
    )
    for citizen in [author.citizen, *signers]:
        assert citizen.iin not in everything
    assert "Айгерім" not in everything  # no names either
    assert client.get("/api/v1/exports/people.csv").status_code == 404


def test_count_is_cacheable_with_an_etag(app, client, small_thresholds, make_citizen, actor, officials):
    petition = create_and_submit(actor(make_citizen()))
    officials["moderator"].moderate(petition['id'])
    first = client.get(f"/api/v1/petitions/{petition['id']}/count")
    assert first.headers["Cache-Control"] in ("public, max-age=1", "max-age=1, public")
    again = client.get(f"/api/v1/petitions/{petition['id']}/count", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_search_finds_kazakh_and_russian_text_whatever_the_case(app, client, small_thresholds, make_citizen, actor, officials):
    author = actor(make_citizen())
    kazakh = create_and_submit(author, title="Ауыл көшесін жөндеу керек")
    russian = create_and_submit(author, title="Отремонтировать дорогу в селе Кенес")
    for petition in (kazakh, russian):
        officials["moderator"].moderate(petition['id'])
        for kato in ("113243200", "113243100"):
            assert sign(client, make_citizen(kato=kato), petition).status_code == 201

    def found(q):
        return [p["id"] for p in client.get("/api/v1/petitions", query_string={"q": q}).get_json()["items"]]

    assert found("КӨШЕСІН") == [kazakh["id"]]
    assert found("кенес") == [russian["id"]]
    assert found("ДОРОГУ") == [russian["id"]]
    assert found("жоқ-мұндай-сөз") == []


def test_search_treats_percent_and_underscore_as_letters(app, client, small_thresholds, make_citizen, actor, officials):
    author = actor(make_citizen())
    petition = create_and_submit(author, title="Салық 100% емес, 50% болсын")
    officials["moderator"].moderate(petition['id'])
    for kato in ("113243200", "113243100"):
        sign(client, make_citizen(kato=kato), petition)
    assert client.get("/api/v1/petitions", query_string={"q": "100%"}).get_json()["total"] == 1
    assert client.get("/api/v1/petitions", query_string={"q": "1_0"}).get_json()["total"] == 0
    assert client.get("/api/v1/petitions", query_string={"q": "%"}).get_json()["total"] == 1
    assert client.get("/api/v1/petitions", query_string={"q": "_%"}).get_json()["total"] == 0


def test_signatures_are_counted_on_the_kazakhstan_day(app, client, small_thresholds, make_citizen, actor, officials):
    from datetime import date, datetime

    from extensions import db
    from petitions.models import Signature
    from petitions.queries import signatures_by_day

    petition = create_and_submit(actor(make_citizen()))
    officials["moderator"].moderate(petition['id'])
    assert sign(client, make_citizen(), petition).status_code == 201
    # 20:30 UTC on 1 March is 01:30 on 2 March in Kazakhstan.
    db.session.query(Signature).update({"signed_at": datetime(2026, 3, 1, 20, 30, tzinfo=UTC)})
    db.session.commit()
    assert signatures_by_day(petition["id"]) == [(date(2026, 3, 2), 1)]


# The columns each export had before names were added: kept, in their order (API.md: extend, never rename).
COLUMNS_BEFORE = {
    "petitions": (
        "id", "title", "language", "addressee", "territory", "state", "threshold", "signature_count", "submitted_at",
        "published_at", "collection_ends_at", "threshold_reached_at", "review_due_on", "answered_at", "answer_decision",
    ),
    "signatures-by-region": ("petition_id", "region", "count"),
    "signatures-by-day": ("petition_id", "day", "count"),
}


def test_every_kato_column_of_an_export_has_the_territory_names_in_new_columns_at_the_end(app, client, small_thresholds, make_citizen,
                                                                           actor, officials):
    app.config["PETITION_MIN_CELL"] = 2  # two signers of a region are shown (merging is test_small_cells')
    app.config["PETITION_THRESHOLD_GOVERNMENT"] = 10  # still collecting after four signatures
    author = actor(make_citizen())
    national = create_and_submit(author)
    regional = create_and_submit(author, addressee="region_akimat", territory="110000000", title="Облыс жолын жөндеу керек")
    signers_of = ((national, ("113243200", "113243100", "710000000", "710000000")), (regional, ("113243200", "113243100")))
    for petition, signers in signers_of:
        officials["moderator"].moderate(petition["id"])
        for kato in signers:
            assert sign(client, make_citizen(kato=kato), petition).status_code == 201

    def exported(name: str) -> tuple[list[str], list[dict], list[dict]]:
        text = client.get(f"/api/v1/exports/{name}.csv").get_data(as_text=True).removeprefix("\ufeff")
        header = next(csv.reader(io.StringIO(text)))
        return header, list(csv.DictReader(io.StringIO(text))), client.get(f"/api/v1/exports/{name}.json").get_json()["items"]

    for name, before in COLUMNS_BEFORE.items():
        header, _rows, items = exported(name)
        assert header[: len(before)] == list(before), name  # none lost, none moved: new columns come after
        for code in ("territory", "region"):
            if code in header:
                assert header[len(before) :] == [f"{code}_name_kk", f"{code}_name_ru"], name
        assert all(set(item) == set(header) for item in items), name  # the JSON has the CSV's columns
    _header, petitions, items = exported("petitions")
    named = {(r["id"], r["territory"], r["territory_name_kk"], r["territory_name_ru"]) for r in petitions}
    assert named == {(str(national["id"]), "", "", ""),
                     (str(regional["id"]), "110000000", "Ақмола облысы", "Акмолинская область")}
    assert [item["territory_name_ru"] for item in items] == [None, "Акмолинская область"]
    _header, regions, items = exported("signatures-by-region")
    assert {(r["region"], r["region_name_kk"], r["region_name_ru"], r["count"]) for r in regions
            if r["petition_id"] == str(national["id"])} == {
        ("110000000", "Ақмола облысы", "Акмолинская область", "2"), ("710000000", "Астана қаласы", "город Астана", "2"),
    }
    from petitions.exports import _named

    assert _named("other", {}, "region") == {"region_name_kk": "Басқа өңірлер", "region_name_ru": "Другие регионы"}


def test_the_petitions_export_asks_the_same_queries_for_one_petition_or_three(
    app, client, small_thresholds, make_citizen, actor, officials
):
    """The counts in one query, not one a petition (bench/growth.py: the export of 10,000 petitions
    asked 10,000 counts)."""
    from sqlalchemy import event

    from extensions import db
    from workers.queues import wait_for_inprocess

    app.config["PETITION_MIN_CELL"] = 1

    def publish() -> None:
        petition = create_and_submit(actor(make_citizen()))
        officials["moderator"].moderate(petition["id"])
        for kato in ("113243200", "113243100"):
            assert sign(client, make_citizen(kato=kato), petition).status_code == 201

    def counter_reads() -> tuple[int, list[int]]:
        wait_for_inprocess()  # the jobs the signatures queued, which read on their own
        seen = []

        def listen(_conn, _cursor, sql, *_rest):
            if "petition_counter" in sql:
                seen.append(sql)

        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            items = client.get("/api/v1/exports/petitions.json").get_json()["items"]
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
        return len(seen), [row["signature_count"] for row in items]

    publish()
    one, counts = counter_reads()
    assert counts[-1:] == [2]
    publish()
    publish()
    three, counts = counter_reads()
    assert counts[-3:] == [2, 2, 2]
    assert one == three == 1
