"""budgeting's part of the OpenAPI document: cycles, proposals, screening, ballots and results."""

from __future__ import annotations

from openapi import AUTH_ERRORS, BEARER, ERRORS, FOLLOWING, body, error, ref, response

# An official act as published with its proposal (API.md "Official acts"): whole, oldest first.
ACT = {
    "type": "object",
    "required": ["purpose", "at", "official", "jws"],
    "properties": {
        "purpose": {"enum": ["proposal.screen", "proposal.implementation"]},
        "at": {"type": "string", "format": "date-time"},
        "official": {"type": "object", "required": ["name", "role", "body"], "properties": {
            "name": {"type": "string"}, "role": {"type": "string"}, "body": {"type": "string"}}},
        "jws": {"type": "string"},
    },
}

SCHEMAS: dict = {
    "Cycle": {
        "type": "object",
        "required": ["id", "territory", "year", "phase", "amount", "ballot", "rule"],
        "properties": {
            "id": {"type": "integer"},
            "territory": {"type": "string"},
            "year": {"type": "integer"},
            "phase": {"enum": ["scheduled", "proposals", "screening", "voting", "counting", "results"]},
            "amount": {"type": "integer"},
            "ballot": {"enum": ["approval", "knapsack"]},
            "rule": {"enum": ["greedy", "mes"]},
            "min_choices": {"type": ["integer", "null"]},
            "max_choices": {"type": ["integer", "null"]},
            "projects": {"type": "array", "items": {"$ref": "#/components/schemas/Proposal"}},
            "turnout": {
                "type": "object",
                "description": "An extension: the ballots cast (online and on paper, one a voter) against the residents "
                "who may vote, as the ballot's own rule counts them: registered in the rural district (or a settlement "
                "under it) and 18 or over (DAUYS_MIN_AGE) on `as_of`, the Kazakhstan day the figure is for (today, or "
                "the last day of a voting that has closed). `percent` is voted / eligible x 100 rounded half up to one "
                "place, null when nobody is eligible. The cycle's total only: no breakdown by village.",
                "required": ["voted", "eligible", "percent", "as_of"],
                "properties": {
                    "voted": {"type": "integer", "minimum": 0},
                    "eligible": {"type": "integer", "minimum": 0},
                    "percent": {"type": ["number", "null"], "minimum": 0},
                    "as_of": {"type": "string", "format": "date"},
                },
            },
        },
    },
    "Proposal": {
        "type": "object",
        "required": ["id", "cycle", "title", "description", "category", "settlement", "cost", "state", "digest"],
        "properties": {
            "id": {"type": "integer"},
            "cycle": {"type": "integer"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "category": {"type": "string"},
            "settlement": {"type": "string"},
            "cost": {"type": "integer"},
            "checked_cost": {"type": ["integer", "null"]},
            "state": {"enum": ["draft", "submitted", "eligible", "ineligible"]},
            "digest": {"type": "string"},
            "petition": {"type": ["integer", "null"], "description": "The public petition it takes up, if any."},
            "acts": {"type": "array", "items": ACT},
        },
    },
}

CYCLE_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]


def paths() -> dict:
    proposal = response(ref("Proposal"))
    receipt = response({"type": "object", "required": ["receipt"], "properties": {"receipt": {"type": "string"}}})
    ballot_errors = {
        **ERRORS, "403": error("Not eligible, not resident, or not allowed"), "404": error("Not found"),
        "409": error("Already voted or wrong phase"), "422": error("Over budget, too many or too few choices"),
    }
    return {
        "/budget/cycles": {"get": {"summary": "Budget cycles", "parameters": [
            {"name": "territory", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": response({"type": "object", "required": ["items"], "properties": {
                "items": {"type": "array", "items": ref("Cycle")}}})}}},
        "/budget/cycles/{id}": {"parameters": CYCLE_ID, "get": {"summary": "A cycle with its projects", "responses": {
            "200": response(ref("Cycle")), "404": error("Not found")}}},
        "/budget/cycles/{id}/proposals": {"parameters": CYCLE_ID, "post": {
            "security": BEARER, "summary": "Propose an item (adult residents, proposals phase)",
            "requestBody": body({"type": "object", "required": ["title", "description", "category", "settlement", "cost"],
                                  "properties": {"title": {"type": "string"}, "description": {"type": "string"},
                                                 "category": {"type": "string"}, "settlement": {"type": "string"},
                                                 "cost": {"type": "integer"},
                                                 "petition": {"type": ["integer", "null"], "description":
                                                              "The number of a public petition it takes up"}}}),
            "responses": {"201": proposal, **AUTH_ERRORS, "404": error("Not found"), "409": error("Wrong phase"),
                          "422": ERRORS["422"]}}},
        "/budget/proposals/{id}": {"parameters": CYCLE_ID, "get": {"summary": "A proposal", "responses": {
            "200": proposal, "404": error("Not found")}}},
        "/budget/proposals/{id}/submit": {"parameters": CYCLE_ID, "post": {
            "security": BEARER, "summary": "Submit with a `proposal.submit` JWS", "requestBody": body(ref("Jws")),
            "responses": {"200": proposal, **ERRORS, **AUTH_ERRORS, "404": error("Not found"),
                          "409": error("Wrong phase or state")}}},
        "/budget/proposals/{id}/screening": {"parameters": CYCLE_ID, "post": {
            "security": BEARER, "summary": "Screen a proposal: a `proposal.screen` act of the rural district's budget officer",
            "requestBody": body(ref("Jws")),
            "responses": {"200": proposal, **ERRORS, **AUTH_ERRORS, "404": error("Not found"),
                          "409": error("Wrong phase or state")}}},
        "/budget/proposals/{id}/implementation": {"parameters": CYCLE_ID, "post": {
            "security": BEARER, "summary": "Implementation of a funded item: a `proposal.implementation` act",
            "requestBody": body(ref("Jws")),
            "responses": {"200": proposal, **ERRORS, **AUTH_ERRORS, "404": error("Not found"), "409": error("Not funded")}}},
        "/budget/cycles/{id}/ballots": {"parameters": CYCLE_ID, "post": {
            "summary": "Cast the final ballot with a `ballot.cast` JWS", "requestBody": body({
                "type": "object", "required": ["jws"], "properties": {"jws": {"type": "string"},
                                                                      "notify": {"type": "boolean"}}}),
            "responses": {"201": receipt, **ballot_errors, "429": error("Too many requests")}}},
        "/budget/cycles/{id}/paper-ballots": {"parameters": CYCLE_ID, "post": {
            "security": BEARER,
            "summary": "Record a paper ballot: a `ballot.paper` act of the community-meeting secretary",
            "requestBody": body(ref("Jws")),
            "responses": {"201": receipt, **ballot_errors, "401": AUTH_ERRORS["401"]}}},
        "/budget/cycles/{id}/follow": {"parameters": CYCLE_ID, "post": {
            "security": BEARER, "summary": "Hear about phase changes and results (residents)",
            "responses": {"200": response({"type": "object"}), **AUTH_ERRORS, "404": error("Not found")}},
            # an extension (README "Beyond API.md"): the same follow, idempotent, and its undoing
            "get": {"security": BEARER, "summary": "Whether the caller follows the cycle",
                    "responses": {"200": response(FOLLOWING), **AUTH_ERRORS, "404": error("Not found")}},
            "put": {"security": BEARER, "summary": "Follow the cycle (residents; as POST, idempotent)",
                    "responses": {"200": response(FOLLOWING), **AUTH_ERRORS, "404": error("Not found")}},
            "delete": {"security": BEARER, "summary": "Stop following the cycle (idempotent)",
                       "responses": {"200": response(FOLLOWING), **AUTH_ERRORS, "404": error("Not found")}}},
        "/budget/cycles/{id}/results": {"parameters": CYCLE_ID, "get": {"summary": "The published result", "responses": {
            "200": response({"type": "object", "required": ["rule", "funded", "not_funded", "pb_sha256"], "properties": {
                "rule": {"enum": ["greedy", "mes"]}, "funded": {"type": "array", "items": {"type": "integer"}},
                "not_funded": {"type": "array", "items": {"type": "object", "required": ["id", "reason"]}},
                "pb_sha256": {"type": "string"}, "greedy_funded": {"type": "array", "items": {"type": "integer"}}}}),
            "404": error("Not found"), "409": error("Not counted yet")}}},
        "/budget/cycles/{id}/ballots.pb": {"parameters": CYCLE_ID, "get": {
            "summary": "The anonymised ballots in pabulib format", "responses": {
                "200": {"description": "pabulib", "content": {"text/plain": {"schema": {"type": "string"}}}},
                "404": error("Not found"), "409": error("Not frozen yet")}}},
    }
