"""Every official act on a petition is a JWS signed with an official certificate (API.md "Official
acts"): moderation (`petition.moderate`), the discussion (`petition.discussion`) and the answer
(`petition.answer`). What the act says is what is done; an act that is not the sender's own valid
act for exactly this petition, their role and their body is refused with API.md's code and changes
nothing — not the petition, not its acts, not the public log, not the audit log. An accepted act is
published whole in the petition's `acts`, verifiable with GET /eds/ca alone, and is exactly one
public-log entry of kind `act` with no personal data."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from jose import jws as jose_jws
from sqlalchemy import func, select

from tests.conftest import answer_fields, sign_jws
from tests.petitions.conftest import create_and_submit, sign
from tests.petitions.test_transitions import make_petition, snapshot

ASTANA = "710000000"
ANSWER = answer_fields("partly_supported")  # with its measures and report date


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def everything(petition_id: int) -> dict:
    """What a refused act must leave as it was: the petition (row, signatures, count, events), its
    acts, the public log and the audit log."""
    from audit.models import AuditEntry
    from auth.models import OfficialAct
    from extensions import db
    from publiclog.models import LogEntry

    state = snapshot(petition_id)
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    return {**state, "acts": count(OfficialAct), "log": count(LogEntry), "audit": count(AuditEntry)}


def refused(response, status: int, code: str, case: str = "") -> None:
    body = response.get_json()
    assert response.status_code == status and body["error"]["code"] == code, (case, response.status_code, body)


@pytest.fixture
def cast(app, small_thresholds, make_citizen, actor, officials):
    """The officials (their official certificates issued up front, so counting rows counts only the
    act), a second moderator, a person who is both a moderator and the Government's reviewer, a
    reviewer of both the Government and Astana's akimat, and an author."""
    from auth import services
    from extensions import db

    now = datetime.now(UTC)
    people = {name: make_citizen(kato=ASTANA) for name in ("moderator2", "both", "two_bodies", "author")}
    services.grant_role(people["moderator2"].iin, "moderator", None, now)
    services.grant_role(people["both"].iin, "moderator", None, now)
    services.grant_role(people["both"].iin, "reviewer", "government", now)
    services.grant_role(people["two_bodies"].iin, "reviewer", "government", now)
    services.grant_role(people["two_bodies"].iin, "reviewer", ASTANA, now, body="city_akimat")
    db.session.commit()
    cast = {**officials, **{name: actor(citizen) for name, citizen in people.items()}}
    for name, role, scope, body in (
        ("moderator", "moderator", None, None), ("moderator2", "moderator", None, None),
        ("reviewer", "reviewer", None, None), ("reviewer_astana", "reviewer", None, None),
        ("both", "moderator", None, None), ("both", "reviewer", None, None),
        ("two_bodies", "reviewer", "government", None), ("two_bodies", "reviewer", ASTANA, "city_akimat"),
    ):
        cast[name].citizen.official(role, scope, body)
    return cast


@pytest.fixture
def in_moderation(cast):
    return create_and_submit(cast["author"])


@pytest.fixture
def under_review(cast):
    petition = make_petition("under_review", cast["author"].citizen.iin, datetime.now(UTC))
    return cast["author"].get(f"/api/v1/petitions/{petition.id}").get_json()


def _payload(purpose: str, petition: dict, **fields) -> dict:
    return {"purpose": purpose, "iat": int(time.time()),
            "doc": {"type": "petition", "id": petition["id"], "digest": petition["digest"]}, **fields}


# --- forged and wrongly keyed acts ------------------------------------------------------------


def _hs256(payload: dict, x5c: list, secret: bytes) -> str:
    """The classic confusion: HMAC keyed with the (public) certificate, for a verifier that takes `alg` on trust."""
    signing_input = f"{_b64(json.dumps({'alg': 'HS256', 'x5c': x5c}).encode())}.{_b64(json.dumps(payload).encode())}"
    return f"{signing_input}.{_b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())}"


def _forgeries(official, role: str, petition: dict, purpose: str, fields: dict) -> dict[str, tuple[str, str]]:
    """name -> (jws, the code API.md gives it)."""
    payload = _payload(purpose, petition, **fields)
    keys = official.citizen.official(role)
    header_x5c = json.loads(base64.urlsafe_b64decode(keys.jws(payload).split(".")[0] + "=="))["x5c"]
    body = _b64(json.dumps(payload).encode())
    none_head = _b64(json.dumps({"alg": "none", "x5c": header_x5c}).encode())
    return {
        "alg none": (f"{none_head}.{body}.", "invalid_signature"),
        "alg none, a signature segment": (f"{none_head}.{body}.{_b64(b'x')}", "invalid_signature"),
        "HS256 with the certificate as the secret": (_hs256(payload, header_x5c, keys.cert), "invalid_signature"),
        "no x5c": (sign_jws(payload, keys.key, {}), "untrusted_certificate"),
        "x5c without the issuing CA": (sign_jws(payload, keys.key, {"x5c": header_x5c[:1]}), "untrusted_certificate"),
        "the payload changed after signing": (
            ".".join([keys.jws(payload).split(".")[0], _b64(json.dumps({**payload, "forged": 1}).encode()),
                      keys.jws(payload).split(".")[2]]), "invalid_signature"),
        "the citizen SIGN key": (official.citizen.jws(payload, usage="sign"), "wrong_key_usage"),
        "the citizen AUTH key": (official.citizen.jws(payload, usage="auth"), "wrong_key_usage"),
        "not a JWS": ("approve", "invalid_signature"),
        "an empty string": ("", "invalid_signature"),
        "stale: an hour old": (keys.jws({**payload, "iat": payload["iat"] - 3600}), "stale_signature"),
        "stale: an hour ahead": (keys.jws({**payload, "iat": payload["iat"] + 3600}), "stale_signature"),
        "no iat": (keys.jws({k: v for k, v in payload.items() if k != "iat"}), "stale_signature"),
    }


@pytest.mark.parametrize("endpoint", ["moderation", "review"])
def test_a_forged_or_wrongly_keyed_act_is_refused_and_changes_nothing(client, cast, in_moderation, under_review, endpoint):
    if endpoint == "moderation":
        official, role, petition, purpose, fields = (cast["moderator"], "moderator", in_moderation, "petition.moderate",
                                                     {"decision": "approve"})
    else:
        official, role, petition, purpose, fields = cast["reviewer"], "reviewer", under_review, "petition.answer", ANSWER
    path = f"/api/v1/petitions/{petition['id']}/{endpoint}"
    before = everything(petition["id"])
    wrong = []
    for name, (jws, code) in _forgeries(official, role, petition, purpose, fields).items():
        response = official.post(path, {"jws": jws})
        got = (response.status_code, (response.get_json() or {}).get("error", {}).get("code"))
        if got[1] != code or not 400 <= got[0] < 500:
            wrong.append(f"{name}: {got}, not {code}")
    assert wrong == []
    assert everything(petition["id"]) == before


# --- the wrong official ---------------------------------------------------------------------------


def test_only_the_senders_own_moderator_certificate_moderates(cast, in_moderation):
    pid = in_moderation["id"]
    before = everything(pid)
    approve = {"decision": "approve"}
    cases = {
        # another moderator's act, sent by this one
        "another's certificate": (cast["moderator"], cast["moderator2"].act("petition.moderate", in_moderation,
                                                                              role="moderator", **approve)),
        # a reviewer's certificate is for another role
        "a reviewer's certificate": (cast["both"], cast["both"].act("petition.moderate", in_moderation,
                                                                    role="reviewer", **approve)),
    }
    for name, (sender, jws) in cases.items():
        refused(sender.post(f"/api/v1/petitions/{pid}/moderation", {"jws": jws}), 403, "forbidden", name)
    # not a moderator at all: the role is checked before the act is read
    for name in ("reviewer", "admin", "author"):
        sender = cast[name]
        jws = sender.citizen.jws(_payload("petition.moderate", in_moderation, **approve))
        assert sender.post(f"/api/v1/petitions/{pid}/moderation", {"jws": jws}).status_code == 403, name
    assert everything(pid) == before


def test_only_a_reviewer_of_the_addressee_reviews_with_that_bodys_certificate(cast, under_review):
    pid = under_review["id"]
    before = everything(pid)
    at = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    for purpose, fields in (("petition.answer", ANSWER), ("petition.discussion", {"at": at, "place": "Астана"})):
        # another body's reviewer (Astana's akimat, for a petition to the Government)
        refused(cast["reviewer_astana"].review(under_review, purpose, **fields), 403, "forbidden")
        # a reviewer of both bodies, signing with the certificate of the other one
        refused(cast["two_bodies"].review(under_review, purpose, scope=ASTANA, body="city_akimat", **fields),
                403, "forbidden")
        # a moderator serves no body: their certificate reviews nothing, even in the hands of a reviewer
        refused(cast["both"].review(under_review, purpose, role="moderator", **fields), 403, "forbidden")
        refused(cast["moderator"].review(under_review, purpose, role="moderator", **fields), 403, "forbidden")
        # another reviewer's act, sent by this one
        jws = cast["both"].act(purpose, under_review, role="reviewer", **fields)
        refused(cast["reviewer"].post(f"/api/v1/petitions/{pid}/review", {"jws": jws}), 403, "forbidden")
    assert everything(pid) == before
    assert cast["two_bodies"].review(under_review, "petition.answer", scope="government", **ANSWER).status_code == 200


def test_an_official_never_acts_on_their_own_petition(cast, make_citizen):
    moderator = cast["moderator"]
    petition = create_and_submit(moderator)
    before = everything(petition["id"])
    refused(moderator.moderate(petition), 403, "forbidden")
    assert everything(petition["id"]) == before
    reviewers_own = make_petition("under_review", cast["reviewer"].citizen.iin, datetime.now(UTC))
    before = everything(reviewers_own.id)
    refused(cast["reviewer"].review(reviewers_own, "petition.answer", **ANSWER), 403, "forbidden")
    assert everything(reviewers_own.id) == before


def test_a_withdrawn_role_or_a_revoked_certificate_signs_nothing(cast, in_moderation):
    from auth import services
    from extensions import db

    jws = cast["moderator2"].act("petition.moderate", in_moderation, role="moderator", decision="approve")
    services.revoke_certificates(cast["moderator2"].citizen.iin, datetime.now(UTC))
    db.session.commit()
    before = everything(in_moderation["id"])
    response = cast["moderator2"].post(f"/api/v1/petitions/{in_moderation['id']}/moderation", {"jws": jws})
    assert response.status_code in (400, 401, 403), response.get_json()  # the session ends with the certificates
    assert everything(in_moderation["id"]) == before


# --- the wrong document ---------------------------------------------------------------------------


def test_an_act_on_another_document_or_version_is_digest_mismatch(cast, in_moderation):
    author, moderator = cast["author"], cast["moderator"]
    # a draft edited after its digest was shown, then submitted: the earlier digest is another version
    draft = author.post("/api/v1/petitions", {"title": "Ауыл көшесін жөндеу керек", "body": in_moderation["body"],
                                              "language": "kk", "addressee": "government"}).get_json()
    earlier = dict(draft)
    edited = author.client.patch(f"/api/v1/petitions/{draft['id']}", json={"title": "Ауыл көшесін жөндеу қажет"},
                                 headers=author.auth).get_json()
    doc = {"type": "petition", "id": edited["id"], "digest": edited["digest"]}
    assert author.post(f"/api/v1/petitions/{draft['id']}/submit",
                       {"jws": author.sign_doc("petition.submit", doc)}).status_code == 200
    assert earlier["digest"] != edited["digest"]
    pid = draft["id"]
    before = everything(pid)
    keys = moderator.citizen.official("moderator")
    good = {"type": "petition", "id": pid, "digest": edited["digest"]}
    docs = {
        "an earlier version": {**good, "digest": earlier["digest"]},
        "another petition": {**good, "id": in_moderation["id"], "digest": in_moderation["digest"]},
        "another petition's id": {**good, "id": in_moderation["id"]},
        "the id as a string": {**good, "id": str(pid)},
        "the id as true": {**good, "id": True},
        "a proposal": {**good, "type": "proposal"},
        "a member more": {**good, "title": "x"},
        "no digest": {"type": "petition", "id": pid},
        "a bare digest": good["digest"],
        "no doc": None,
    }
    for name, signed_doc in docs.items():
        payload = {"purpose": "petition.moderate", "iat": int(time.time()), "decision": "approve"}
        if signed_doc is not None:
            payload["doc"] = signed_doc
        refused(moderator.post(f"/api/v1/petitions/{pid}/moderation", {"jws": keys.jws(payload)}), 400,
                "digest_mismatch", name)
    # an act of another purpose
    answer = keys.jws({"purpose": "petition.answer", "iat": int(time.time()), "doc": good, **ANSWER})
    refused(moderator.post(f"/api/v1/petitions/{pid}/moderation", {"jws": answer}), 400, "digest_mismatch")
    assert everything(pid) == before
    assert moderator.moderate(pid).status_code == 200


# --- the wrong decision ---------------------------------------------------------------------------


@pytest.mark.parametrize(("fields", "member"), [
    ({"decision": 1}, "decision"), ({"decision": True}, "decision"), ({"decision": ["approve"]}, "decision"),
    ({"decision": {"approve": True}}, "decision"), ({"decision": None}, "decision"), ({}, "decision"),
    ({"decision": "approved"}, "decision"), ({"decision": "APPROVE"}, "decision"), ({"decision": ""}, "decision"),
    ({"decision": "reject", "reason": "duplicate", "comment": 5}, "comment"),
    ({"decision": "reject", "reason": ["duplicate"], "comment": "Бар."}, "reason"),
    ({"decision": "reject", "reason": "no_such_reason", "comment": "Бар."}, "reason"),
    ({"decision": "reject", "reason": "duplicate"}, "comment"),
    ({"decision": "approve", "reason": "duplicate"}, "reason"),
    ({"decision": "approve", "state": "open"}, "state"),
])
def test_a_moderation_act_with_a_wrong_member_is_validation_error(cast, in_moderation, fields, member):
    pid = in_moderation["id"]
    before = everything(pid)
    keys = cast["moderator"].citizen.official("moderator")
    jws = keys.jws(_payload("petition.moderate", in_moderation, **fields))
    response = cast["moderator"].post(f"/api/v1/petitions/{pid}/moderation", {"jws": jws})
    refused(response, 422, "validation_error")
    assert member in response.get_json()["error"]["fields"], response.get_json()
    assert everything(pid) == before


@pytest.mark.parametrize(("purpose", "fields", "member"), [
    ("petition.answer", {**ANSWER, "decision": "yes"}, "decision"),
    ("petition.answer", {**ANSWER, "decision": 1}, "decision"),
    ("petition.answer", {**ANSWER, "text": ["x" * 40]}, "text"),
    ("petition.answer", {"decision": "supported"}, "text"),
    ("petition.answer", {**ANSWER, "measures": "all of them"}, "measures"),
    ("petition.answer", {**ANSWER, "report_due_on": "next year"}, "report_due_on"),
    ("petition.answer", {**ANSWER, "report_due_on": 2027}, "report_due_on"),
    ("petition.answer", {**ANSWER, "official": "Someone else"}, "official"),
    ("petition.discussion", {"at": "tomorrow", "place": "Астана"}, "at"),
    ("petition.discussion", {"at": 1767225600, "place": "Астана"}, "at"),
    ("petition.discussion", {"at": "2001-01-01T10:00:00+05:00", "place": "Астана"}, "at"),
    ("petition.discussion", {"place": "Астана"}, "at"),
    ("petition.discussion", {"at": "2099-01-01T10:00:00+05:00"}, "place"),
])
def test_a_review_act_with_a_wrong_member_is_validation_error(cast, under_review, purpose, fields, member):
    pid = under_review["id"]
    before = everything(pid)
    response = cast["reviewer"].review(under_review, purpose, **fields)
    refused(response, 422, "validation_error")
    assert member in response.get_json()["error"]["fields"], response.get_json()
    assert everything(pid) == before


def test_the_body_is_the_jws_and_nothing_else(cast, in_moderation, under_review):
    moderator, reviewer = cast["moderator"], cast["reviewer"]
    cases = [
        (moderator, in_moderation, {"jws": moderator.act("petition.moderate", in_moderation, role="moderator",
                                                         decision="reject", reason="duplicate", comment="Бар."),
                                    "decision": "approve"}, "decision"),
        (moderator, in_moderation, {"decision": "approve"}, "decision"),
        (reviewer, under_review, {"jws": reviewer.act("petition.answer", under_review, **ANSWER),
                                  "action": "answer"}, "action"),
        (reviewer, under_review, {"action": "answer", **ANSWER}, "action"),
    ]
    for sender, petition, body, member in cases:
        endpoint = "moderation" if sender is moderator else "review"
        before = everything(petition["id"])
        response = sender.post(f"/api/v1/petitions/{petition['id']}/{endpoint}", body)
        refused(response, 422, "validation_error")
        assert member in response.get_json()["error"]["fields"]
        assert everything(petition["id"]) == before


def test_acts_of_issue_14_and_other_purposes_are_refused_cleanly_at_review(cast, under_review):
    reviewer = cast["reviewer"]
    before = everything(under_review["id"])
    refused(reviewer.review(under_review, "petition.follow_up", text="x" * 40), 409, "wrong_state")
    refused(reviewer.review(under_review, "petition.report", text="x" * 40, measures=[]), 409, "wrong_state")
    refused(reviewer.review(under_review, "petition.moderate", decision="approve"), 422, "validation_error")
    sign_act = reviewer.citizen.jws(_payload("petition.sign", under_review))
    refused(reviewer.post(f"/api/v1/petitions/{under_review['id']}/review", {"jws": sign_act}), 422, "validation_error")
    assert everything(under_review["id"]) == before


# --- accepted acts: published whole, verifiable, logged once --------------------------------------


def _verify_with_the_published_ca_alone(client, jws: str) -> dict:
    """What an outsider does with GET /eds/ca and nothing else: the chain, then the signature."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding

    pem = client.get("/api/v1/eds/ca").data
    issuing, root = x509.load_pem_x509_certificates(pem)
    header = json.loads(base64.urlsafe_b64decode(jws.split(".")[0] + "=="))
    leaf = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
    assert base64.b64decode(header["x5c"][1]) == issuing.public_bytes(serialization.Encoding.DER)
    for child, parent in ((leaf, issuing), (issuing, root)):
        key = parent.public_key()
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(child.signature, child.tbs_certificate_bytes, ec.ECDSA(child.signature_hash_algorithm))
        else:
            key.verify(child.signature, child.tbs_certificate_bytes, padding.PKCS1v15(), child.signature_hash_algorithm)
    public = leaf.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return json.loads(jose_jws.verify(jws, public.decode(), algorithms=[header["alg"]]))


def _entries_after(count: int) -> list[dict]:
    from extensions import db
    from publiclog.models import LogEntry

    db.session.rollback()
    return [json.loads(e) for e in db.session.scalars(select(LogEntry.entry).order_by(LogEntry.id).offset(count))]


def test_accepted_acts_are_published_whole_oldest_first_and_each_is_one_log_entry(client, cast, make_citizen):
    from extensions import db
    from publiclog.models import LogEntry

    author = cast["author"]
    petition = create_and_submit(author)
    pid = petition["id"]
    logged = db.session.scalar(select(func.count()).select_from(LogEntry))

    approval = cast["moderator"].act("petition.moderate", petition, role="moderator", decision="approve",
                                     comment="Ережеге сай.")
    approved = cast["moderator"].post(f"/api/v1/petitions/{pid}/moderation", {"jws": approval})
    assert approved.status_code == 200, approved.get_json()
    assert [e["kind"] for e in _entries_after(logged)] == ["act"]  # the act, and nothing else, logged
    logged += 1
    for _ in range(3):
        assert sign(client, make_citizen(kato=ASTANA), petition).status_code == 201
    logged += 3
    at = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0).isoformat()
    discussion = cast["reviewer"].act("petition.discussion", petition, at=at, place="Астана, Үкімет үйі")
    answer = cast["reviewer"].act("petition.answer", petition, **ANSWER)  # measures and report date included
    for jws in (discussion, answer):
        response = cast["reviewer"].post(f"/api/v1/petitions/{pid}/review", {"jws": jws})
        assert response.status_code == 200, response.get_json()

    shown = client.get(f"/api/v1/petitions/{pid}").get_json()
    assert shown["state"] == "answered" and shown["answer"]["decision"] == ANSWER["decision"]
    assert shown["discussion"]["place"] == "Астана, Үкімет үйі"
    acts = shown["acts"]
    assert [a["purpose"] for a in acts] == ["petition.moderate", "petition.discussion", "petition.answer"]
    assert [a["jws"] for a in acts] == [approval, discussion, answer]  # whole, as accepted
    assert [a["at"] for a in acts] == sorted(a["at"] for a in acts)
    for act in acts:
        assert set(act) == {"purpose", "at", "official", "jws"}
        payload = _verify_with_the_published_ca_alone(client, act["jws"])
        assert payload["purpose"] == act["purpose"] and payload["doc"]["id"] == pid
    assert acts[0]["official"] == {"name": "СЕЙТҚАЛИЕВА АЙГЕРІМ", "role": "moderator", "body": "platform"}
    assert acts[2]["official"] == {"name": "СЕЙТҚАЛИЕВА АЙГЕРІМ", "role": "reviewer", "body": "government"}

    entries = _entries_after(logged)
    assert [(e["kind"], e["purpose"], e["subject"]) for e in entries] == [
        ("act", "petition.discussion", {"type": "petition", "id": pid}),
        ("act", "petition.answer", {"type": "petition", "id": pid}),
    ]
    for entry, jws in zip(entries, (discussion, answer), strict=True):
        assert entry["commitment"] == "sha256:" + hashlib.sha256(jws.encode()).hexdigest()
        assert entry["receipt"] is None and entry["region"] is None
    text = json.dumps(_entries_after(0), ensure_ascii=False)
    for person in (cast["moderator"], cast["reviewer"], author):
        assert person.citizen.iin not in text
    assert "СЕЙТҚАЛИЕВА" not in text.upper() and "АЙГЕРІМ" not in text.upper()  # no name either: the act is published, not logged

    page = client.get(f"/petitions/{pid}?lang=en").get_data(as_text=True)
    assert "Signed decisions" in page and "Moderation decision" in page and "Answer" in page
    assert "Moderator" in page and "Reviewer" in page and "Government of the Republic of Kazakhstan" in page
    for jws in (approval, discussion, answer):
        assert jws in page
    for lang, words in (("kk", "Қол қойылған шешімдер"), ("ru", "Подписанные решения")):
        assert words in client.get(f"/petitions/{pid}?lang={lang}").get_data(as_text=True)
    for person in (cast["moderator"], cast["reviewer"], author):
        assert person.citizen.iin not in page


def test_a_rejection_is_the_signed_reason_and_comment(client, cast, in_moderation):
    pid = in_moderation["id"]
    response = cast["moderator"].moderate(in_moderation, "reject", reason="duplicate", comment="Мұндай петиция бар.")
    assert response.status_code == 200, response.get_json()
    shown = response.get_json()
    assert shown["state"] == "rejected"
    assert shown["rejection"] == {"reason": "duplicate", "comment": "Мұндай петиция бар."}
    assert [a["purpose"] for a in shown["acts"]] == ["petition.moderate"]
    assert client.get(f"/api/v1/petitions/{pid}").get_json()["acts"] == shown["acts"]
