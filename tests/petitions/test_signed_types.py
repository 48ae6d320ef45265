"""What a JWS signs is compared with what the server expects exactly, JSON type and all.

Python's `True == 1 == 1.0` let a `petition.sign` with `doc.id: true` or `doc.id: 1.0` be taken
for petition 1, and a `ballot.cast` with `cycle: 2.0` for cycle 2; an outside verifier comparing
the signed JSON with the document's would find they differ. Every purpose is tried with the id
spelled as `true`, `1.0`, `"1"` and `[1]`, the digest as something other than a string, and the
purpose itself in another type: each is refused with digest_mismatch (a malformed ballot's choices
with validation_error) and nothing is written. (Proposals and ballots: tests/budgeting/test_signed_types.py.)
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from sqlalchemy import func, select

from tests.petitions.conftest import Actor
from tests.petitions.test_transitions import make_petition


def id_spellings(value: int) -> list:
    """The same number in other JSON types; `true` is 1 to Python only, so it is tried on id 1."""
    return ([True] if value == 1 else []) + [float(value), str(value), [value], {"id": value}]


def doc_spellings(doc: dict) -> list[dict]:
    """The document with one member in another JSON type, or the document in another shape."""
    wrong = [{**doc, "id": spelling} for spelling in id_spellings(doc["id"])]
    wrong += [{**doc, "digest": spelling} for spelling in ([doc["digest"]], {"digest": doc["digest"]}, None, 1)]
    wrong += [{**doc, "type": [doc["type"]]}, [doc]]
    return wrong


def purpose_spellings(purpose: str) -> list:
    return [[purpose], {"purpose": purpose}, None, True, 1]


_AS_IS = object()


def signed(citizen, purpose: str, doc: object, spelled_purpose: object = _AS_IS) -> str:
    return citizen.jws({"purpose": purpose if spelled_purpose is _AS_IS else spelled_purpose,
                        "iat": int(time.time()), "doc": doc})


def error_code(response) -> str | None:
    return (response.get_json() or {}).get("error", {}).get("code")


def unlike(answers: list, code: str) -> list:
    """(index, status, body) of each answer that is not a 4xx with `code`."""
    return [(i, a.status_code, a.get_json()) for i, a in enumerate(answers) if error_code(a) != code or a.status_code >= 500]


def count(model) -> int:
    from extensions import db

    db.session.rollback()
    return db.session.scalar(select(func.count(model.id)))


# --- petition.sign -------------------------------------------------------------------------------


def test_a_petition_signature_for_the_document_in_other_json_types_is_refused(app, client, make_citizen):
    from petitions.models import Signature

    author, signer = make_citizen(kato="710000000"), make_citizen(kato="710000000")
    petition = make_petition("open", author.iin, datetime.now(UTC), threshold=1000)
    assert petition.id == 1  # so that `true` is tried where Python would take it for the id
    doc, url = petition.signed_doc(), f"/api/v1/petitions/{petition.id}/signatures"

    tokens = [signed(signer, "petition.sign", wrong) for wrong in doc_spellings(doc)]
    tokens += [signed(signer, "petition.sign", doc, spelled) for spelled in purpose_spellings("petition.sign")]
    answers = [client.post(url, json={"jws": token}) for token in tokens]

    assert unlike(answers, "digest_mismatch") == []
    assert count(Signature) == 0
    assert client.post(url, json={"jws": signed(signer, "petition.sign", doc)}).status_code == 201


# --- petition.submit -----------------------------------------------------------------------------


def test_a_petition_submission_for_the_document_in_other_json_types_is_refused(app, client, make_citizen):
    from petitions.models import Petition

    author_citizen = make_citizen(kato="710000000")
    author = Actor(client, author_citizen)
    petition = make_petition("draft", author_citizen.iin, datetime.now(UTC))
    assert petition.id == 1
    doc, url = petition.signed_doc(), f"/api/v1/petitions/{petition.id}/submit"

    tokens = [signed(author_citizen, "petition.submit", wrong) for wrong in doc_spellings(doc)]
    tokens += [signed(author_citizen, "petition.submit", doc, spelled) for spelled in purpose_spellings("petition.submit")]
    answers = [author.post(url, {"jws": token}) for token in tokens]

    assert unlike(answers, "digest_mismatch") == []
    from extensions import db

    db.session.rollback()
    stored = db.session.get(Petition, petition.id)
    assert (stored.state, stored.submit_jws, stored.submitted_at) == ("draft", None, None)
    assert author.post(url, {"jws": signed(author_citizen, "petition.submit", doc)}).status_code == 200


def test_the_same_document_compares_equal_however_its_members_are_ordered():
    from auth import eds

    doc = {"type": "petition", "id": 7, "digest": "sha256:ab"}
    assert eds.same_json({"digest": "sha256:ab", "id": 7, "type": "petition"}, doc)
    for other in ({**doc, "id": 7.0}, {**doc, "id": "7"}, {**doc, "extra": None}, {"type": "petition", "id": 7}):
        assert not eds.same_json(other, doc)
    assert not eds.same_json(True, 1) and not eds.same_json(1.0, 1) and not eds.same_json(0, False)
    assert not eds.same_json(-0.0, 0)
