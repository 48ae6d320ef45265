"""What lands in the public log, written by the use cases themselves: every accepted signature and
ballot, nothing for a refused one; and retention keeps every entry and root (DOMAIN.md "Verifiability")."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.petitions.test_transitions import make_petition


def _sign_jws(citizen, petition) -> str:
    return citizen.jws({"purpose": "petition.sign", "iat": int(time.time()), "doc": petition.signed_doc()})


def _sha(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _entries():
    from extensions import db
    from publiclog.models import LogEntry

    return db.session.execute(select(LogEntry.entry, LogEntry.leaf_hash, LogEntry.idx).order_by(LogEntry.id)).all()


@pytest.fixture
def open_petition(app, make_citizen):
    author = make_citizen(kato="710000000")
    return make_petition("open", author.iin, datetime.now(UTC), threshold=1000)


def test_an_accepted_signature_is_one_entry_with_no_personal_data(app, client, make_citizen, open_petition):
    citizen = make_citizen(kato="710000000")
    jws = _sign_jws(citizen, open_petition)
    taken = client.post(f"/api/v1/petitions/{open_petition.id}/signatures", json={"jws": jws})
    assert taken.status_code == 201, taken.get_json()
    receipt = taken.get_json()["receipt"]

    (entry, leaf, idx), = _entries()
    assert idx is None  # pending: the integrator numbers it, the signer never waits for that
    document = json.loads(entry)
    assert document == {
        "kind": "signature", "subject": {"type": "petition", "id": open_petition.id}, "at": document["at"],
        "commitment": _sha(jws), "receipt": _sha(receipt), "purpose": "petition.sign", "region": "710000000",
    }
    assert entry == json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert bytes(leaf) == hashlib.sha256(b"\x00" + entry.encode("utf-8")).digest()
    assert citizen.iin not in entry and "Айгерім" not in entry

    # refused (already signed; a garbage token): nothing more is logged
    assert client.post(f"/api/v1/petitions/{open_petition.id}/signatures", json={"jws": jws}).status_code == 409
    again = _sign_jws(citizen, open_petition)
    assert client.post(f"/api/v1/petitions/{open_petition.id}/signatures", json={"jws": again}).status_code == 409
    assert client.post(f"/api/v1/petitions/{open_petition.id}/signatures", json={"jws": "a.b.c"}).status_code == 400
    assert len(_entries()) == 1


def test_retention_changes_no_entry_and_no_root(app, client, make_citizen, open_petition):
    from extensions import db
    from petitions import retention
    from publiclog import integrate

    receipts = []
    for _ in range(5):
        citizen = make_citizen(kato="710000000")
        taken = client.post(f"/api/v1/petitions/{open_petition.id}/signatures", json={"jws": _sign_jws(citizen, open_petition)})
        assert taken.status_code == 201
        receipts.append(taken.get_json()["receipt"])
    integrate.integrate_all()
    head = integrate.sign_head(datetime.now(UTC))
    before = _entries()
    proofs = [client.get(f"/api/v1/log/proof?receipt={_sha(r)}").get_json() for r in receipts]

    retention.anonymise(open_petition.id, datetime.now(UTC) + timedelta(days=400))
    db.session.commit()

    assert _entries() == before
    assert integrate.sign_head(datetime.now(UTC)) is None  # nothing new to sign: the tree is the same
    assert client.get("/api/v1/log/head").get_json()["root_hash"] == head["root_hash"]
    # every receipt is still provable after its signature lost its personal data
    assert [client.get(f"/api/v1/log/proof?receipt={_sha(r)}").get_json() for r in receipts] == proofs
    from petitions.models import Signature

    assert db.session.scalar(select(func.count()).where(Signature.jws.is_not(None))) == 0
