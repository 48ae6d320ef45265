"""Demo petitions to the Government: drafted, submitted, approved and signed through the real services
and real JWS, over the days before the seed (keys are issued as of then, so they were valid then)."""

from __future__ import annotations

import base64
import json
import random
import time
from datetime import date, datetime, timedelta
from typing import NamedTuple

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from sqlalchemy import func, select

from auth import services as auth_services
from auth.instance_ca import certification_authority
from auth.models import Person
from demo.timing import moments
from extensions import db
from kernel.kazakhstan_time import local_date
from petitions import count_moves, services, signing
from petitions.models import Petition

# `submitted` and `approved`: days before the seed; the signers sign from the approval to the seed
DEMO_PETITIONS = (
    {
        "title": "Ауылдық жолдарды жөндеуге арнайы қор құру",
        "body": (
            "Ауылдық округтердегі жолдардың көбі көктем сайын жүріп болмайтын күйге түседі: мектеп автобусы "
            "мен жедел жәрдем жете алмайды. Ұсыныс: облыстық бюджеттен бөлек ауылдық жолдар қорын құрып, "
            "жөндеу кестесін жыл сайын ашық жариялау."
        ),
        "signers": 180,
        "stage": "open",
        "submitted": 30,
        "approved": 27,
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
        "submitted": 6,
        "approved": 4,
    },
    {
        "title": "Мектеп асханаларындағы ас мәзірін ашық жариялау",
        "body": (
            "Ата-аналар балалардың не жейтінін білмейді. Ұсыныс: әр мектеп апта сайынғы мәзір мен оның құнын "
            "мектеп сайтында және ата-аналар чатында жариялауы тиіс, ал бақылауды ата-аналар комитеті жүргізсін."
        ),
        "signers": 0,
        "stage": "moderation",
        "submitted": 1,
    },
)
MORNING_UTC = 4  # 09:00 in Kazakhstan: when a day's official step happens


class DemoKey(NamedTuple):
    """A demo signer's private key, loaded once, and the header its JWS carry (x5c: [leaf, issuing CA])."""

    key: ec.EllipticCurvePrivateKey | object
    header: str  # base64url of the protected header


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _demo_key(key_pem: bytes, cert_der: bytes) -> DemoKey:
    key = serialization.load_pem_private_key(key_pem, None)
    alg = "ES256" if isinstance(key, ec.EllipticCurvePrivateKey) else "RS256"
    issuing = certification_authority().issuing_cert.public_bytes(serialization.Encoding.DER)
    x5c = [base64.b64encode(cert_der).decode(), base64.b64encode(issuing).decode()]  # API.md: [leaf, issuing CA]
    return DemoKey(key, _b64(json.dumps({"alg": alg, "x5c": x5c}, separators=(",", ":")).encode()))


def _jws(keys: DemoKey, payload: dict, at: datetime | None = None) -> str:
    """A compact JWS of `payload` with `iat` as of `at`, as a citizen's wallet makes it (RFC 7515:
    ES256 is the raw r || s of the ECDSA signature): the server verifies it like any other."""
    iat = int(at.timestamp()) if at else int(time.time())
    signing_input = f"{keys.header}.{_b64(json.dumps({**payload, 'iat': iat}).encode())}"
    if isinstance(keys.key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(keys.key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    else:
        signature = keys.key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64(signature)}"


def _sign_keys(person: Person, now: datetime) -> DemoKey:
    """A fresh EC SIGN key for a demo signer, and only that (the demo's residents hold no key files
    and never sign in): issue it once per signer and sign all they sign with it."""
    key = auth_services.issue_key(person, "sign", "ec", now)
    return _demo_key(key.key_pem, key.cert.public_bytes(serialization.Encoding.DER))


def official_keys(iin: str, now: datetime) -> DemoKey:
    """A fresh EC official key of a demo official's one role, issued as of `now` (so valid then), in the
    shape `_jws` signs with: the demo's acts are signed like anyone's (API.md "Official acts")."""
    person = db.session.get(Person, iin)
    issued = auth_services.issue_official_key_set(person, auth_services.official_grant(iin), "ec", now)
    return _demo_key(issued.key.key_pem, issued.key.cert.public_bytes(serialization.Encoding.DER))


def day_at(now: datetime, days_ago: int, hour: int = MORNING_UTC) -> datetime:
    """That hour (UTC) of the day `days_ago` days before `now`."""
    return (now - timedelta(days=days_ago)).replace(hour=hour, minute=0, second=0, microsecond=0)


class Signing(NamedTuple):
    """A petition's signers, and when each signs (in time order)."""

    petition: Petition
    signers: list[str]
    at: list[datetime]


def sign_together(signings: list[Signing], keys: dict, told: frozenset = frozenset()) -> None:
    """Each signer signs at their instant through the signing service, each petition's signatures
    in time order; at the end of each local day the moves its count allows are made (as the signing
    endpoint and the recount job make them) and committed with the day's signatures.

    The petitions are signed side by side, the n-th signature of each after the (n-1)-th of all: a
    resident who signs several of them, at nearby places in each, is then verified from the
    certificate the signing service keeps parsed (auth.eds, its few hundred last leaves), which
    keeps the seed's time in check."""
    docs = [one.petition.signed_doc() for one in signings]
    for n in range(max((len(one.at) for one in signings), default=0)):
        for (petition, signers, at), doc in zip(signings, docs, strict=True):
            if n >= len(at):
                continue
            jws = _jws(keys[signers[n]], {"purpose": "petition.sign", "doc": doc}, at[n])
            signing.sign(petition, jws, at[n], notify=signers[n] in told)
            if n + 1 == len(at) or local_date(at[n + 1]) != local_date(at[n]):
                count_moves.advance(petition.id, at[n])  # the day's count, this transaction's rows in it
                db.session.commit()


def seed_petitions(author_iin: str, moderator_iin: str, now: datetime, not_signing: set[str] = frozenset()) -> int:
    """Three petitions at three stages, once; returns how many were made. Their signers are the
    registry's adults in IIN order, but those in `not_signing` (the demo's key holders, who may sign
    them themselves, and those who sign the Astana ones)."""
    if db.session.scalar(select(func.count(Petition.id))):
        return 0
    earliest = day_at(now, max(spec["submitted"] for spec in DEMO_PETITIONS) + 1)
    author = auth_services.account_for(author_iin, earliest)
    moderator = auth_services.account_for(moderator_iin, earliest)
    first_day = earliest.date()
    adult_then = date(first_day.year - 18, first_day.month, min(first_day.day, 28))  # adults on every day they sign
    adults = [
        person
        for person in db.session.scalars(select(Person).where(Person.birth_date < adult_then).order_by(Person.iin))
        if person.iin not in not_signing
    ]
    signers = adults[: max(spec["signers"] for spec in DEMO_PETITIONS)]
    # one SIGN key each, valid on every day they sign; the author's, and the moderator's act key
    keys = {person.iin: _sign_keys(person, earliest) for person in signers}
    author_keys = _sign_keys(author.person, earliest)
    moderator_keys = official_keys(moderator_iin, earliest)  # the approvals are the moderator's signed acts
    made = 0
    for spec in DEMO_PETITIONS:
        submitted = day_at(now, spec["submitted"], MORNING_UTC + 9)  # 18:00, after work
        petition = services.create_draft(
            author,
            title=spec["title"],
            body=spec["body"],
            language=spec.get("language", "kk"),
            addressee="government",
            territory=None,
            now=submitted - timedelta(hours=1),
        )
        doc = petition.signed_doc()
        services.submit(
            petition, author, _jws(author_keys, {"purpose": "petition.submit", "doc": doc}, submitted), submitted
        )
        db.session.commit()
        if spec["stage"] != "moderation":
            approved = day_at(now, spec["approved"])
            act = {"purpose": "petition.moderate", "doc": doc, "decision": "approve"}
            services.moderate(petition, moderator, _jws(moderator_keys, act, approved), approved)
            db.session.commit()
            rng = random.Random(spec["title"])
            # shared by word of mouth: a slower start, and a longer tail, than the city's petitions
            at = moments(rng, spec["signers"], local_date(approved), local_date(now), approved, now, fade_days=5)
            sign_together([Signing(petition, [person.iin for person in signers[: spec["signers"]]], at)], keys)
        if petition.state != spec["stage"]:
            raise ValueError(f"{spec['title']}: {petition.state} after its signatures, not {spec['stage']}")
        made += 1
    return made
