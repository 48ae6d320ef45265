"""publiclog's part of the OpenAPI document: the signed head, entries, inclusion and consistency proofs."""

from __future__ import annotations

from openapi import error, ref, response

HEX_HASH = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
SIZE = {"type": "integer", "minimum": 0}

SCHEMAS: dict = {
    "LogHead": {
        "type": "object",
        "required": ["tree_size", "root_hash", "timestamp", "jws"],
        "properties": {
            "tree_size": SIZE,
            "root_hash": HEX_HASH,
            "timestamp": {"type": "string", "format": "date-time"},
            "jws": {"type": "string", "description": "Compact JWS by the log's certificate, purpose `log.head`, "
                                                     "payload {purpose, tree_size, root_hash, timestamp}"},
        },
    },
    "LogEntries": {
        "type": "object",
        "required": ["entries"],
        "properties": {
            "entries": {"type": "array", "maxItems": 1000, "items": {
                "type": "object", "required": ["index", "entry", "leaf_hash"],
                "properties": {"index": SIZE, "entry": {"type": "string", "description": "the canonical JSON"},
                               "leaf_hash": HEX_HASH}}},
        },
    },
    "InclusionProof": {
        "type": "object",
        "required": ["index", "tree_size", "entry", "audit_path"],
        "properties": {"index": SIZE, "tree_size": SIZE, "entry": {"type": "string"},
                       "audit_path": {"type": "array", "items": HEX_HASH}},
    },
    "ConsistencyProof": {
        "type": "object",
        "required": ["first", "second", "consistency"],
        "properties": {"first": SIZE, "second": SIZE, "consistency": {"type": "array", "items": HEX_HASH}},
    },
}


def _size(name: str, required: bool, description: str) -> dict:
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}}


DIGEST = {"type": "string", "pattern": "^sha256:[0-9a-fA-F]{64}$"}
INVALID = error("A parameter is missing, not a whole number, or beyond the latest signed head")


def paths() -> dict:
    return {
        "/log/head": {"get": {"summary": "The latest signed tree head (cacheable for 2 s)", "responses": {
            "200": response(ref("LogHead")), "404": error("No head signed yet")}}},
        "/log/entries": {"get": {
            "summary": "Entries start ≤ index < end (at most 1,000; fewer when the range is longer)",
            "parameters": [_size("start", True, "the first index"),
                           _size("end", True, "one past the last index; at most the latest head's tree_size")],
            "responses": {"200": response(ref("LogEntries")), "404": error("No head signed yet"), "422": INVALID}}},
        "/log/proof": {"get": {
            "summary": "RFC 9162 §2.1.3 inclusion proof of the entry with this receipt (or commitment)",
            "parameters": [
                {"name": "receipt", "in": "query", "schema": DIGEST,
                 "description": "sha256: and the hex SHA-256 of the receipt (UTF-8)"},
                {"name": "commitment", "in": "query", "schema": DIGEST,
                 "description": "instead of receipt (acts have none): sha256: and the hex SHA-256 of the JWS"},
                _size("tree_size", False, "a tree size from 1 to the latest head's (default: the latest head's)"),
            ],
            "responses": {"200": response(ref("InclusionProof")),
                          "404": error("No such entry, or not yet in a signed head (or in that tree)"),
                          "422": INVALID}}},
        "/log/consistency": {"get": {
            "summary": "RFC 9162 §2.1.4 consistency proof between the trees of sizes first ≤ second",
            "parameters": [_size("first", True, "the older tree's size"),
                           _size("second", True, "the newer tree's size, at most the latest head's")],
            "responses": {"200": response(ref("ConsistencyProof")), "404": error("No head signed yet"),
                          "422": INVALID}}},
    }
