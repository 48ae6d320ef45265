"""GET /api/v1/log/…: API.md's shapes, proofs a client verifies on its own, and every bad parameter
a 4xx with a stable code."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from publiclog import entries, merkle
from tests.publiclog.test_integrate import add, stored_leaves

NOW = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
HEX64 = set("0123456789abcdef")


def published(count: int) -> dict:
    from publiclog import integrate

    add(count)
    integrate.integrate_all()
    return integrate.sign_head(NOW)


def is_hex(value: str) -> bool:
    return len(value) == 64 and set(value) <= HEX64


def test_before_any_head_everything_is_not_found(client):
    for url in ("/api/v1/log/head", "/api/v1/log/entries?start=0&end=0", "/api/v1/log/consistency?first=0&second=0",
                "/api/v1/log/proof?receipt=sha256:" + "a" * 64):
        answer = client.get(url)
        assert answer.status_code == 404, url
        assert answer.get_json()["error"]["code"] == "not_found"


def test_the_head_is_the_latest_signed_one_briefly_cacheable(client):
    head = published(6)
    answer = client.get("/api/v1/log/head")
    assert answer.status_code == 200
    assert answer.get_json() == head
    assert set(head) == {"tree_size", "root_hash", "timestamp", "jws"}
    assert head["tree_size"] == 6 and is_hex(head["root_hash"]) and head["timestamp"] == "2026-05-01T12:00:00Z"
    assert answer.headers["Cache-Control"] == "public, max-age=2"


def test_entries_are_the_canonical_json_and_its_leaf_hash_at_most_1000(client):
    published(1003)
    answer = client.get("/api/v1/log/entries?start=1&end=4")
    items = answer.get_json()["entries"]
    assert [i["index"] for i in items] == [1, 2, 3]
    for item in items:
        assert set(item) == {"index", "entry", "leaf_hash"}
        assert item["leaf_hash"] == merkle.leaf_hash(item["entry"].encode("utf-8")).hex()
        document = json.loads(item["entry"])
        assert set(document) == {"kind", "subject", "at", "commitment", "receipt", "purpose", "region"}
        assert item["entry"] == json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    many = client.get("/api/v1/log/entries?start=2&end=1003").get_json()["entries"]
    assert [i["index"] for i in many] == list(range(2, 1002))  # 1,000: ask again from 1002
    assert client.get("/api/v1/log/entries?start=1003&end=1003").get_json() == {"entries": []}


def test_an_inclusion_proof_verifies_against_the_head_and_an_older_tree(client):
    head = published(37)
    leaves = stored_leaves()
    receipt = entries.receipt_hash("receipt-21")
    proof = client.get(f"/api/v1/log/proof?receipt={receipt}").get_json()
    assert set(proof) == {"index", "tree_size", "entry", "audit_path"}
    assert proof["tree_size"] == 37 and json.loads(proof["entry"])["receipt"] == receipt
    path = [bytes.fromhex(h) for h in proof["audit_path"]]
    assert all(is_hex(h) for h in proof["audit_path"])
    leaf = merkle.leaf_hash(proof["entry"].encode("utf-8"))
    assert merkle.verify_inclusion(proof["index"], 37, leaf, path, bytes.fromhex(head["root_hash"]))
    older = client.get(f"/api/v1/log/proof?receipt={receipt.upper().replace('SHA256', 'sha256')}&tree_size=30")
    assert older.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    older = older.get_json()
    assert older["tree_size"] == 30 and older["index"] == proof["index"]
    assert merkle.verify_inclusion(older["index"], 30, leaf, [bytes.fromhex(h) for h in older["audit_path"]],
                                   merkle.mth(leaves[:30]))
    too_small = client.get(f"/api/v1/log/proof?receipt={receipt}&tree_size={proof['index']}")
    assert too_small.status_code == 404 and "not in the tree of size" in too_small.get_json()["error"]["fields"]["receipt"]


def test_an_act_is_proven_by_its_commitment(client):
    head = published(8)
    commitment = entries.commitment("eyJhbGciOiJFUzI1NiJ9.e30.s2")  # entry 2 is an act: no receipt
    proof = client.get(f"/api/v1/log/proof?commitment={commitment}").get_json()
    assert json.loads(proof["entry"])["kind"] == "act" and json.loads(proof["entry"])["receipt"] is None
    leaf = merkle.leaf_hash(proof["entry"].encode("utf-8"))
    assert merkle.verify_inclusion(proof["index"], 8, leaf, [bytes.fromhex(h) for h in proof["audit_path"]],
                                   bytes.fromhex(head["root_hash"]))


def test_a_receipt_not_yet_in_a_signed_head_is_not_found_saying_so(client):
    from publiclog import integrate

    published(3)
    add(2, start=3)  # pending
    pending = client.get(f"/api/v1/log/proof?receipt={entries.receipt_hash('receipt-3')}")
    assert pending.status_code == 404
    assert "not yet in a signed head" in pending.get_json()["error"]["fields"]["receipt"]
    integrate.integrate_all()  # integrated, no head yet
    assert client.get(f"/api/v1/log/proof?receipt={entries.receipt_hash('receipt-3')}").status_code == 404
    integrate.sign_head(NOW)
    assert client.get(f"/api/v1/log/proof?receipt={entries.receipt_hash('receipt-3')}").status_code == 200
    unknown = client.get("/api/v1/log/proof?receipt=sha256:" + "b" * 64)
    assert unknown.status_code == 404 and unknown.get_json()["error"]["code"] == "not_found"


def test_consistency_between_any_two_published_sizes_verifies(client):
    from publiclog import integrate

    first_head = published(13)
    add(20, start=13)
    integrate.integrate_all()
    second_head = integrate.sign_head(NOW)
    leaves = stored_leaves()
    answer = client.get("/api/v1/log/consistency?first=13&second=33")
    body = answer.get_json()
    assert set(body) == {"first", "second", "consistency"} and (body["first"], body["second"]) == (13, 33)
    proof = [bytes.fromhex(h) for h in body["consistency"]]
    assert merkle.verify_consistency(13, 33, bytes.fromhex(first_head["root_hash"]),
                                     bytes.fromhex(second_head["root_hash"]), proof)
    for first, second in ((0, 33), (33, 33), (1, 2), (7, 21)):
        proof = [bytes.fromhex(h) for h in client.get(
            f"/api/v1/log/consistency?first={first}&second={second}").get_json()["consistency"]]
        assert merkle.verify_consistency(first, second, merkle.mth(leaves[:first]), merkle.mth(leaves[:second]), proof)


BAD = [
    # (url, status, the field named)
    ("/log/entries", 422, "start"), ("/log/entries?start=0", 422, "end"), ("/log/entries?end=3", 422, "start"),
    ("/log/entries?start=-1&end=3", 422, "start"), ("/log/entries?start=1e3&end=3", 422, "start"),
    ("/log/entries?start=%201&end=3", 422, "start"), ("/log/entries?start=1%20&end=3", 422, "start"),
    ("/log/entries?start=+1&end=3", 422, "start"), ("/log/entries?start=01&end=3", 422, "start"),
    ("/log/entries?start=0x1&end=3", 422, "start"), ("/log/entries?start=1.0&end=3", 422, "start"),
    ("/log/entries?start=%D9%A1&end=3", 422, "start"), ("/log/entries?start=&end=3", 422, "start"),
    ("/log/entries?start=0&end=99999999999999999999999999", 422, "end"),
    ("/log/entries?start=0&end=9223372036854775808", 422, "end"),
    ("/log/entries?start=0&end=9223372036854775807", 422, "end"),  # a number, but beyond the head
    ("/log/entries?start=0&end=6", 422, "end"), ("/log/entries?start=3&end=2", 422, "start"),
    ("/log/entries?start=0&start=1&end=2", 422, "start"), ("/log/entries?start=true&end=2", 422, "start"),
    ("/log/consistency?first=1", 422, "second"), ("/log/consistency?second=1", 422, "first"),
    ("/log/consistency?first=3&second=2", 422, "first"), ("/log/consistency?first=1&second=6", 422, "second"),
    ("/log/consistency?first=-0&second=2", 422, "first"), ("/log/consistency?first=1&second=NaN", 422, "second"),
    ("/log/consistency?first=1&second=2e0", 422, "second"),
    ("/log/proof", 422, "receipt"), ("/log/proof?receipt=", 422, "receipt"),
    ("/log/proof?receipt=" + "a" * 64, 422, "receipt"), ("/log/proof?receipt=sha256:" + "a" * 63, 422, "receipt"),
    ("/log/proof?receipt=sha256:" + "g" * 64, 422, "receipt"), ("/log/proof?receipt=sha1:" + "a" * 40, 422, "receipt"),
    ("/log/proof?receipt=sha256:" + "a" * 64 + "%0A", 422, "receipt"),
    ("/log/proof?receipt=sha256:" + "a" * 64 + "&commitment=sha256:" + "a" * 64, 422, "receipt"),
    ("/log/proof?commitment=xyz", 422, "commitment"),
    ("/log/proof?receipt=sha256:" + "a" * 64 + "&tree_size=0", 422, "tree_size"),
    ("/log/proof?receipt=sha256:" + "a" * 64 + "&tree_size=6", 422, "tree_size"),
    ("/log/proof?receipt=sha256:" + "a" * 64 + "&tree_size=-1", 422, "tree_size"),
    ("/log/proof?receipt=sha256:" + "a" * 64 + "&tree_size=1e1", 422, "tree_size"),
    ("/log/proof?receipt=sha256:" + "a" * 64 + "&tree_size=5", 404, "receipt"),
]


def test_every_bad_parameter_is_a_4xx_naming_it(client):
    published(5)
    for url, status, field in BAD:
        answer = client.get("/api/v1" + url)
        assert answer.status_code == status, (url, answer.status_code, answer.data[:200])
        error = answer.get_json()["error"]
        assert error["code"] == ("validation_error" if status == 422 else "not_found"), url
        assert field in error.get("fields", {}), (url, error)


@pytest.mark.parametrize("path", ["/log/head", "/log/entries", "/log/proof", "/log/consistency"])
def test_only_get_is_allowed(client, path):
    answer = client.post("/api/v1" + path)
    assert answer.status_code == 405 and answer.get_json()["error"]["code"] == "method_not_allowed"
