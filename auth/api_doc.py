"""auth's part of the OpenAPI document: the CA and its CRL, territories, login, the signed-in person."""

from __future__ import annotations

from openapi import AUTH_ERRORS, BEARER, ERRORS, NULLABLE_STRING, body, error, ref, response

SCHEMAS: dict = {
    "Jws": {
        "type": "object",
        "required": ["jws"],
        "properties": {"jws": {"type": "string", "description": "compact JWS, RS256 or ES256; header alg, x5c = [leaf, issuing CA] (base64 DER), optional typ, nothing else"}},
    },
    "Territory": {
        "type": "object",
        "required": ["kato", "name_kk", "name_ru", "level", "parent", "population"],
        "properties": {
            "kato": {"type": "string", "pattern": "^[0-9]{9}$"},
            "name_kk": {"type": "string"},
            "name_ru": {"type": "string"},
            "name_en": NULLABLE_STRING,
            "level": {"type": "string", "enum": ["region", "district", "city", "rural_district", "settlement"]},
            "parent": NULLABLE_STRING,
            "population": {"type": ["integer", "null"]},
        },
    },
}


def paths() -> dict:
    return {
        "/eds/ca": {"get": {"summary": "Issuing CA then root CA, PEM", "responses": {
            "200": {"description": "PEM", "content": {"application/x-pem-file": {"schema": {"type": "string"}}}}}}},
        "/eds/crl": {"get": {"summary": "Certificate revocation list, PEM", "responses": {
            "200": {"description": "PEM", "content": {"application/x-pem-file": {"schema": {"type": "string"}}}}}}},
        "/territories": {"get": {
            "summary": "KATO territories",
            "parameters": [
                {"name": "level", "in": "query", "schema": {"type": "string"}},
                {"name": "parent", "in": "query", "schema": {"type": "string"}},
            ],
            "responses": {"200": response({"type": "object", "required": ["items"], "properties": {
                "items": {"type": "array", "items": ref("Territory")}}}), "422": ERRORS["422"]},
        }},
        "/auth/challenge": {"post": {"summary": "A single-use login nonce (5 minutes)", "responses": {
            "201": response({"type": "object", "required": ["nonce", "expires_at"], "properties": {
                "nonce": {"type": "string"}, "expires_at": {"type": "string", "format": "date-time"}}}),
            "429": error("Too many requests")}}},
        "/auth/token": {"post": {
            "summary": "Exchange an `auth` JWS for a Bearer token",
            "requestBody": body(ref("Jws")),
            "responses": {"200": response({"type": "object", "required": ["access_token", "token_type", "expires_in"],
                                           "properties": {"access_token": {"type": "string"},
                                                          "token_type": {"const": "Bearer"},
                                                          "expires_in": {"type": "integer"}}}),
                          **ERRORS, "403": error("Not in the registry"), "429": error("Too many requests")},
        }},
        "/auth/logout": {"post": {
            "security": BEARER,
            "summary": "End the token's login session: the token, and every copy of it, is refused from now on",
            "responses": {"204": {"description": "Signed out"}, "401": AUTH_ERRORS["401"]},
        }},
        "/me": {"get": {"security": BEARER, "summary": "The signed-in person", "responses": {
            "200": response({"type": "object"}), "401": AUTH_ERRORS["401"]}}},
    }
