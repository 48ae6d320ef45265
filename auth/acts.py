"""Official acts: a decision an official signs with their official certificate (API.md "Official acts").

Every act goes through here, whichever use case decides it (moderation, a discussion, an answer, a
screening, an implementation update, a paper ballot):

- `verify_act` proves the JWS (auth.eds.verify_official: form, chain, the official key usage, not
  revoked, the document) and that it is the act of the official who sends it, in the role and for
  the body the use case asks of them — an official of another body, or a citizen's key, is refused
  and nothing changes;
- `act_fields` reads the decision out of the signed payload: what the official signed is what is
  done, so a page's form fields are only what the browser signs;
- `record` keeps the act whole, to be published with its document (`acts_json`), and logs it in
  the public log (a paper ballot only as a commitment: its payload names the voter).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select

from auth import eds
from auth.models import GOVERNMENT_SCOPE, NATIONAL_ROLES, OfficialAct, RoleGrant, User
from extensions import db
from jsonapi import JSON_TYPE_NAMES, typed
from kernel.errors import DomainError
from publiclog import entries as log_entries

# What `official.body` says for a grant of each shape (also the certificate's OU).
PLATFORM_BODY = "platform"  # moderators and admins serve the platform itself
RURAL_BODY = "rural_akimat"  # budget officers and secretaries serve a rural district's akimat


def body_code(role: str, scope: str | None, body: str | None) -> str:
    """The body a grant serves, as one string: `platform`, `government`, `region_akimat:110000000`,
    `rural_akimat:113243000`. What an act's `official.body` and the certificate's OU say."""
    if role in NATIONAL_ROLES:
        return PLATFORM_BODY
    if scope == GOVERNMENT_SCOPE:
        return GOVERNMENT_SCOPE
    return f"{body or RURAL_BODY}:{scope}"


def verify_act(
    jws: object, purpose: str, official: object, now: datetime, *, doc: dict | None,
    role: str, scope: str | None = None, body: str | None = None,
) -> eds.OfficialSigner:
    """The signer of an act, if it is `official`'s own and their certificate serves `role` for exactly
    `scope` and `body` (as auth.access.require_role reads a grant); else DomainError, nothing changed.

    The console (a command on the server) acts with no certificate of its own: it cannot sign an act.
    """
    if not isinstance(official, User):  # the console is no official: it holds no certificate
        raise DomainError("forbidden", "an official act is signed by the official who sends it")
    signer = eds.verify_official(jws, purpose, now, expected_doc=doc)
    if signer.iin != official.iin:
        raise DomainError("forbidden", "an official act is signed with the sender's own official certificate")
    grant = RoleGrant(role=signer.role, scope=signer.scope, body=signer.body)
    if not grant.serves(role, scope, body):
        raise DomainError("forbidden", "this official certificate is for another role or body")
    return signer


def act_fields(signer: eds.OfficialSigner, required: Mapping[str, type], optional: Mapping[str, type] = {}) -> dict:
    """The signed payload's decision: each member of its JSON type (jsonapi.typed: `true` is no
    integer, `1` no string), the required ones present and not null, nothing else besides purpose,
    iat and doc; else validation_error naming every wrong member. A null optional one is absent."""
    payload = signer.payload
    known = {"purpose", "iat", "doc", *required, *optional}
    fields = {name: "not a member of this act" for name in sorted(set(payload) - known)}
    try:
        values = typed(payload, **required, **optional)
    except DomainError as wrong:
        fields.update(wrong.fields)
        values = {}
    for name, kind in required.items():
        if name not in fields and values.get(name) is None:
            fields[name] = f"required: {JSON_TYPE_NAMES[kind]}"
    if fields:
        raise DomainError("validation_error", fields=fields)
    return {name: value for name, value in values.items() if value is not None}


def _log(kind: str, subject_type: str, subject_id: int, now: datetime, jws: str, receipt: str | None, purpose: str) -> None:
    """An entry of the public log, in the caller's transaction: no personal data, a commitment to the JWS."""
    log_entries.append(kind, subject_type, subject_id, now, jws, receipt, purpose)


def record(signer: eds.OfficialSigner, jws: str, subject_type: str, subject_id: int, now: datetime) -> OfficialAct:
    """Keep an act whole, to be published with its document, and log it: in the caller's transaction."""
    _log("act", subject_type, subject_id, now, jws, None, signer.payload["purpose"])
    act = OfficialAct(
        subject_type=subject_type, subject_id=subject_id, purpose=signer.payload["purpose"], at=now,
        official_name=signer.name, official_role=signer.role,
        official_body=body_code(signer.role, signer.scope, signer.body), jws=jws,
    )
    db.session.add(act)
    return act


def log_paper_ballot(signer: eds.OfficialSigner, jws: str, cycle_id: int, receipt: str, now: datetime) -> None:
    """A paper ballot is an act whose payload names the voter: it is never published, only logged as
    a ballot of its cycle (its commitment, the SHA-256 of the JWS), in the caller's transaction."""
    _log("ballot", "cycle", cycle_id, now, jws, receipt, signer.payload["purpose"])


def acts_json(subject_type: str, subject_id: int) -> list[dict]:
    """The acts of a document, oldest first, each whole (API.md `acts`)."""
    rows = db.session.scalars(
        select(OfficialAct)
        .where(OfficialAct.subject_type == subject_type, OfficialAct.subject_id == subject_id)
        .order_by(OfficialAct.id)
    )
    return [
        {
            "purpose": act.purpose,
            "at": act.at.isoformat(),
            "official": {"name": act.official_name, "role": act.official_role, "body": act.official_body},
            "jws": act.jws,
        }
        for act in rows
    ]
