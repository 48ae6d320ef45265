"""Demo petitions: drafted, submitted, approved and signed through the real services and real JWS."""

from __future__ import annotations

import json
import time
from datetime import datetime

from jose import jws as jose_jws
from sqlalchemy import func, select

from auth import services as auth_services
from auth.instance_ca import certification_authority
from auth.models import Person
from extensions import db
from petitions import count_moves, services, signing
from petitions.models import Petition

DEMO_PETITIONS = (
    {
        "title": "Ауылдық жолдарды жөндеуге арнайы қор құру",
        "body": (
            "Ауылдық округтердегі жолдардың көбі көктем сайын жүріп болмайтын күйге түседі: мектеп автобусы "
            "мен жедел жәрдем жете алмайды. Ұсыныс: облыстық бюджеттен бөлек ауылдық жолдар қорын құрып, "
            "жөндеу кестесін жыл сайын ашық жариялау."
        ),
        "signers": 60,
        "stage": "open",
    },
    {
        "title": "Открыть в райцентре круглосуточную аптеку",
        "body": (
            "Ночью ближайшая работающая аптека находится в 90 км от села. Предлагаем обязать районный акимат "
            "обеспечить работу хотя бы одной дежурной аптеки в райцентре круглосуточно и публиковать её адрес."
        ),
        "signers": 12,
        "stage": "restricted",
        "language": "ru",
    },
    {
        "title": "Мектеп асханаларындағы ас мәзірін ашық жариялау",
        "body": (
            "Ата-аналар балалардың не жейтінін білмейді. Ұсыныс: әр мектеп апта сайынғы мәзір мен оның құнын "
            "мектеп сайтында және ата-аналар чатында жариялауы тиіс, ал бақылауды ата-аналар комитеті жүргізсін."
        ),
        "signers": 0,
        "stage": "moderation",
    },
)


def _jws(person_keys, payload: dict, at: datetime | None = None) -> str:
    key_pem, cert_b64, issuing_b64 = person_keys
    alg = "ES256" if _is_ec(key_pem) else "RS256"
    iat = int(at.timestamp()) if at else int(time.time())
    return jose_jws.sign(json.dumps({**payload, "iat": iat}).encode(), key_pem.decode(),
                         headers={"x5c": [cert_b64, issuing_b64]}, algorithm=alg)  # API.md: [leaf, issuing CA]


def _is_ec(key_pem: bytes) -> bool:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    return isinstance(serialization.load_pem_private_key(key_pem, None), ec.EllipticCurvePrivateKey)


def _sign_keys(person: Person, now: datetime):
    """A fresh EC SIGN key for a demo signer, and only that (the demo's residents hold no key files
    and never sign in): issue it once per signer and sign all they sign with it."""
    import base64

    from cryptography.hazmat.primitives import serialization

    key = auth_services.issue_key(person, "sign", "ec", now)
    der = key.cert.public_bytes(serialization.Encoding.DER)
    issuing = certification_authority().issuing_cert.public_bytes(serialization.Encoding.DER)
    return key.key_pem, base64.b64encode(der).decode(), base64.b64encode(issuing).decode()


def official_keys(iin: str, now: datetime):
    """A fresh EC official key of a demo official's one role, issued as of `now` (so valid then), in the
    shape `_jws` signs with: the demo's acts are signed like anyone's (API.md "Official acts")."""
    import base64

    from cryptography.hazmat.primitives import serialization

    person = db.session.get(Person, iin)
    issued = auth_services.issue_official_key_set(person, auth_services.official_grant(iin), "ec", now)
    der = issued.key.cert.public_bytes(serialization.Encoding.DER)
    issuing = certification_authority().issuing_cert.public_bytes(serialization.Encoding.DER)
    return issued.key.key_pem, base64.b64encode(der).decode(), base64.b64encode(issuing).decode()


def seed_petitions(author_iin: str, moderator_iin: str, now: datetime, not_signing: set[str] = frozenset()) -> int:
    """Three petitions at three stages, once; returns how many were made. Their signers are the
    registry's adults in IIN order, but those in `not_signing` (who sign the answered ones)."""
    if db.session.scalar(select(func.count(Petition.id))):
        return 0
    author = auth_services.account_for(author_iin, now)
    moderator = auth_services.account_for(moderator_iin, now)
    adults = [
        person for person in db.session.scalars(
            select(Person).where(Person.birth_date < now.date().replace(year=now.year - 18)).order_by(Person.iin)
        )
        if person.iin not in not_signing
    ]
    author_keys = _sign_keys(author.person, now)
    moderator_keys = official_keys(moderator_iin, now)  # the approvals are the moderator's signed acts
    made = 0
    for spec in DEMO_PETITIONS:
        petition = services.create_draft(
            author, title=spec["title"], body=spec["body"], language=spec.get("language", "kk"),
            addressee="government", territory=None, now=now,
        )
        doc = petition.signed_doc()
        services.submit(petition, author, _jws(author_keys, {"purpose": "petition.submit", "doc": doc}), now)
        if spec["stage"] != "moderation":
            act = {"purpose": "petition.moderate", "doc": doc, "decision": "approve"}
            services.moderate(petition, moderator, _jws(moderator_keys, act), now)
        db.session.commit()
        for person in adults[: spec["signers"]]:
            signing.sign(petition, _jws(_sign_keys(person, now), {"purpose": "petition.sign", "doc": doc}), now)
        db.session.commit()
        count_moves.advance(petition.id, now)
        db.session.commit()
        made += 1
    return made


