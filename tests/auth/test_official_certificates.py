"""Official certificates (API.md "Official acts"): issued to role holders, no IIN, a key usage of their own."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _now():
    return datetime.now(UTC)


@pytest.fixture
def moderator(app, make_citizen):
    from auth import services
    from extensions import db

    citizen = make_citizen(kato="710000000", surname="Оспанов", given_name="Ерлан")
    services.grant_role(citizen.iin, "moderator", None, _now())
    db.session.commit()
    return citizen


@pytest.fixture
def reviewer(app, make_citizen):
    from auth import services
    from extensions import db

    citizen = make_citizen(kato="710000000")
    services.grant_role(citizen.iin, "reviewer", "710000000", _now(), body="city_akimat")
    services.grant_role(citizen.iin, "reviewer", "government", _now())
    db.session.commit()
    return citizen


def _verify(jws, purpose="petition.moderate", doc=None):
    from auth import eds

    return eds.verify_official(jws, purpose, _now(), expected_doc=doc)


def _code(call):
    from kernel.errors import DomainError

    with pytest.raises(DomainError) as refused:
        call()
    return refused.value.code


def test_cli_issues_official_key_set_without_iin(app, moderator, tmp_path):
    out = tmp_path / "official"
    result = app.test_cli_runner().invoke(args=["eds", "issue-official", "--iin", moderator.iin, "--out", str(out), "--key", "ec"])
    assert result.exit_code == 0, result.output
    assert moderator.iin not in result.output
    assert sorted(p.name for p in out.iterdir()) == ["ca-chain.pem", "official.cert.pem", "official.key.pem"]
    assert (out / "official.key.pem").stat().st_mode & 0o777 == 0o600
    cert = x509.load_pem_x509_certificate((out / "official.cert.pem").read_bytes())
    subject = cert.subject
    assert moderator.iin not in subject.rfc4514_string()
    assert subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value.startswith("STAFF-")
    assert subject.get_attributes_for_oid(NameOID.SURNAME)[0].value == "ОСПАНОВ"
    assert subject.get_attributes_for_oid(NameOID.TITLE)[0].value == "moderator"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == "platform"
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH not in eku and len(list(eku)) == 1


def test_cli_refuses_a_person_without_a_role_and_asks_which_of_several(app, make_citizen, reviewer, tmp_path):
    citizen = make_citizen()
    runner = app.test_cli_runner()
    none = runner.invoke(args=["eds", "issue-official", "--iin", citizen.iin, "--out", str(tmp_path / "a")])
    assert none.exit_code != 0 and "not_found" in none.output
    several = runner.invoke(args=["eds", "issue-official", "--iin", reviewer.iin, "--out", str(tmp_path / "b")])
    assert several.exit_code != 0 and "validation_error" in several.output and "government" in several.output
    picked = runner.invoke(
        args=["eds", "issue-official", "--iin", reviewer.iin, "--out", str(tmp_path / "c"), "--scope", "government"]
    )
    assert picked.exit_code == 0, picked.output
    cert = x509.load_pem_x509_certificate((tmp_path / "c" / "official.cert.pem").read_bytes())
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == "government"
    assert not (tmp_path / "a").exists()


@pytest.mark.parametrize("key_type", ["ec", "rsa"])
def test_an_official_signs_an_act(app, moderator, key_type):
    official = moderator.official(key_type=key_type)
    doc = {"type": "petition", "id": 7, "digest": "sha256:" + "0" * 64}
    signer = _verify(moderator.act("petition.moderate", doc, decision="approve"), doc=doc)
    assert (signer.iin, signer.role, signer.scope, signer.body) == (moderator.iin, "moderator", None, None)
    assert signer.name == "ОСПАНОВ ЕРЛАН" and signer.staff_serial == official.staff_serial
    assert signer.payload["decision"] == "approve"


def test_a_citizen_key_cannot_sign_an_act_and_an_official_key_cannot_sign_as_a_citizen(app, moderator):
    from auth import eds

    doc = {"type": "petition", "id": 7, "digest": "sha256:" + "0" * 64}
    payload = {"purpose": "petition.moderate", "iat": int(time.time()), "doc": doc, "decision": "approve"}
    for usage in ("sign", "auth"):
        assert _code(lambda u=usage: _verify(moderator.jws(payload, usage=u))) == "wrong_key_usage"
    as_citizen = moderator.official().jws({"purpose": "petition.sign", "iat": int(time.time()), "doc": doc})
    assert _code(lambda: eds.verify(as_citizen, "petition.sign", _now(), expected_doc=doc)) == "wrong_key_usage"
    login = moderator.official().jws({"purpose": "auth", "iat": int(time.time()), "nonce": "x"})
    assert _code(lambda: eds.verify(login, "auth", _now())) == "wrong_key_usage"


def test_the_signed_document_and_time_are_checked(app, moderator):
    doc = {"type": "petition", "id": 7, "digest": "sha256:" + "0" * 64}
    other = {**doc, "id": 8}
    assert _code(lambda: _verify(moderator.act("petition.moderate", other, decision="approve"), doc=doc)) == "digest_mismatch"
    old = moderator.act("petition.moderate", doc, iat=int(time.time()) - 3600, decision="approve")
    assert _code(lambda: _verify(old, doc=doc)) == "stale_signature"
    wrong_purpose = moderator.act("petition.answer", doc, decision="approve")
    assert _code(lambda: _verify(wrong_purpose, doc=doc)) == "digest_mismatch"


def test_revoking_the_person_or_withdrawing_the_role_revokes_it(app, moderator, reviewer):
    from auth import services
    from extensions import db

    doc = {"type": "petition", "id": 7, "digest": "sha256:" + "0" * 64}
    moderator.official()
    services.revoke_certificates(moderator.iin, _now())
    db.session.commit()
    assert _code(lambda: _verify(moderator.act("petition.moderate", doc, decision="approve"), doc=doc)) == "certificate_revoked"

    reviewer.official(scope="government")
    reviewer.official(scope="710000000")
    answer = {"decision": "supported", "text": "x" * 30}
    _verify(reviewer.act("petition.answer", doc, scope="government", **answer), "petition.answer")
    services.withdraw_role(reviewer.iin, "reviewer", "government", _now())
    db.session.commit()
    withdrawn = reviewer.act("petition.answer", doc, scope="government", **answer)
    assert _code(lambda: _verify(withdrawn, "petition.answer")) == "certificate_revoked"
    # the other grant's certificate still serves
    assert _verify(reviewer.act("petition.answer", doc, scope="710000000", **answer), "petition.answer").body == "city_akimat"


def test_a_certificate_of_a_grant_deleted_without_withdrawal_serves_nothing(app, moderator):
    from auth.models import RoleGrant
    from extensions import db

    moderator.official()
    db.session.query(RoleGrant).filter_by(iin=moderator.iin).delete()
    db.session.commit()
    doc = {"type": "petition", "id": 7, "digest": "sha256:" + "0" * 64}
    assert _code(lambda: _verify(moderator.act("petition.moderate", doc, decision="approve"), doc=doc)) == "forbidden"


def test_verify_act_fits_the_sender_role_and_body(app, moderator, reviewer, make_citizen):
    from auth import acts
    from auth.services import account_for

    doc = {"type": "petition", "id": 7, "digest": "sha256:" + "0" * 64}
    jws = reviewer.act("petition.answer", doc, scope="710000000", decision="supported", text="x" * 30)
    sender = account_for(reviewer.iin, _now())

    def check(user=sender, role="reviewer", scope="710000000", body="city_akimat"):
        return acts.verify_act(jws, "petition.answer", user, _now(), doc=doc, role=role, scope=scope, body=body)

    assert check().role == "reviewer"
    assert _code(lambda: check(scope="government", body=None)) == "forbidden"  # another body
    assert _code(lambda: check(body="city_maslikhat")) == "forbidden"
    assert _code(lambda: check(role="moderator", scope=None, body=None)) == "forbidden"  # another role
    assert _code(lambda: check(user=account_for(moderator.iin, _now()))) == "forbidden"  # not the sender's
    from auth.access import CONSOLE

    assert _code(lambda: check(user=CONSOLE)) == "forbidden"


def test_act_fields_reads_the_signed_decision_by_json_type(app, moderator):
    from auth import acts

    doc = {"type": "petition", "id": 7, "digest": "sha256:" + "0" * 64}

    def read(**fields):
        signer = _verify(moderator.act("petition.moderate", doc, **fields), doc=doc)
        return acts.act_fields(signer, {"decision": str}, {"reason": str, "cost": int})

    assert read(decision="approve") == {"decision": "approve"}
    assert read(decision="reject", reason="x", cost=None) == {"decision": "reject", "reason": "x"}
    for bad in ({"decision": 1}, {"decision": "reject", "cost": True}, {"decision": "reject", "cost": 1.0},
                {}, {"decision": "approve", "extra": 1}, {"decision": ["approve"]}):
        assert _code(lambda b=bad: read(**b)) == "validation_error"


def test_the_act_key_usage_is_refused_without_the_staff_serial(app, moderator):
    """An official certificate with an IIN in SERIALNUMBER (a mis-issued one) is not trusted."""
    from auth import pki
    from auth.instance_ca import certification_authority

    official = pki.Official("A", "B", "IIN" + moderator.iin, "moderator", "platform", "Dauys")
    issued = pki.issue_official(certification_authority(), official, "ec", _now(), 30)
    from tests.conftest import OfficialKeys

    forged = OfficialKeys(issued.key_pem, issued.cert_pem, moderator.chain, official.staff_serial)
    doc = {"type": "petition", "id": 7, "digest": "sha256:" + "0" * 64}
    jws = forged.jws({"purpose": "petition.moderate", "iat": int(time.time()), "doc": doc, "decision": "approve"})
    assert _code(lambda: _verify(jws, doc=doc)) == "untrusted_certificate"
