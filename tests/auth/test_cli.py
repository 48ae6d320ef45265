"""The operator commands of API.md: registry, key issuance, revocation, roles."""

from __future__ import annotations

import json
import stat
import time
from datetime import date

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.conftest import pem_to_b64_der, sign_jws


def run(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    return result


def test_registry_add_takes_birth_date_and_sex_from_the_iin(app, territories):
    from auth.models import Person
    from extensions import db

    result = run(app, "registry", "add", "--iin", "850302400123", "--surname", "Сейтқалиева",
                 "--given-name", "Айгерім", "--patronymic", "Нұрланқызы", "--kato", "113243200")
    assert result.exit_code == 0, result.output
    person = db.session.get(Person, "850302400123")
    assert person.birth_date == date(1985, 3, 2)
    assert person.sex == "F"
    assert person.display_name == "Айгерім С."


def test_registry_add_refuses_bad_input_and_writes_nothing(app, territories):
    from auth.models import Person
    from extensions import db

    bad_iin = run(app, "registry", "add", "--iin", "850302400124", "--surname", "A", "--given-name", "B", "--kato", "113243200")
    bad_kato = run(app, "registry", "add", "--iin", "850302400123", "--surname", "A", "--given-name", "B", "--kato", "999999999")
    assert bad_iin.exit_code != 0 and "check digit" in bad_iin.output
    assert bad_kato.exit_code != 0 and "kato" in bad_kato.output
    assert db.session.query(Person).count() == 0


def test_registry_import_is_all_or_nothing(app, territories, tmp_path):
    from auth.models import Person
    from extensions import db

    bad = tmp_path / "bad.csv"
    bad.write_text("iin,surname,given_name,patronymic,kato\n850302400123,Сейтқалиева,Айгерім,,113243200\n"
                   "123,Омаров,Ерлан,,113243100\n", encoding="utf-8")
    refused = run(app, "registry", "import", str(bad))
    assert refused.exit_code != 0
    assert "line 3" in refused.output
    assert db.session.query(Person).count() == 0

    from auth.iin import make

    second = make(date(1990, 1, 1), "M", 19)
    good = tmp_path / "good.csv"
    good.write_text("iin,surname,given_name,patronymic,kato\n850302400123,Сейтқалиева,Айгерім,,113243200\n"
                    f"{second},Омаров,Ерлан,Серікұлы,113243100\n", encoding="utf-8")
    accepted = run(app, "registry", "import", str(good))
    assert accepted.exit_code == 0, accepted.output
    assert db.session.query(Person).count() == 2


def test_eds_issue_writes_a_usable_key_set(app, territories, tmp_path, client):
    run(app, "registry", "add", "--iin", "850302400123", "--surname", "Сейтқалиева", "--given-name", "Айгерім", "--kato", "113243200")
    out = tmp_path / "keys"
    for key_type in ("rsa", "ec"):
        result = run(app, "eds", "issue", "--iin", "850302400123", "--out", str(out / key_type), "--key", key_type)
        assert result.exit_code == 0, result.output
        folder = out / key_type
        for name in ("auth.key.pem", "auth.cert.pem", "sign.key.pem", "sign.cert.pem", "ca-chain.pem"):
            assert (folder / name).exists()
        assert stat.S_IMODE((folder / "auth.key.pem").stat().st_mode) == 0o600
        chain = x509.load_pem_x509_certificates((folder / "ca-chain.pem").read_bytes())
        assert chain[0].subject == x509.load_pem_x509_certificate((folder / "auth.cert.pem").read_bytes()).issuer
        # An outside client signs the challenge with these files and gets a token.
        nonce = client.post("/api/v1/auth/challenge").get_json()["nonce"]
        token = sign_jws(
            {"purpose": "auth", "nonce": nonce, "iat": int(time.time())},
            (folder / "auth.key.pem").read_bytes(),
            {"x5c": [pem_to_b64_der((folder / "auth.cert.pem").read_bytes()), pem_to_b64_der(
                (folder / "ca-chain.pem").read_bytes().split(b"-----END CERTIFICATE-----")[0] + b"-----END CERTIFICATE-----\n")]},
            "RS256" if key_type == "rsa" else "ES256",
        )
        response = client.post("/api/v1/auth/token", json={"jws": token})
        assert response.status_code == 200, response.get_json()


def test_eds_issue_for_an_unknown_person_fails(app, territories, tmp_path):
    result = run(app, "eds", "issue", "--iin", "850302400123", "--out", str(tmp_path / "k"))
    assert result.exit_code != 0
    assert not (tmp_path / "k").exists()


def test_issue_bulk_makes_adult_residents_with_working_keys(app, territories, tmp_path, client):
    from auth.iin import age_on, decode

    out = tmp_path / "people.jsonl"
    result = run(app, "eds", "issue-bulk", "--count", "5", "--kato", "113243200", "--out", str(out), "--key", "ec")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 5
    assert len({line["iin"] for line in lines}) == 5
    for line in lines:
        assert set(line) == {"iin", "surname", "given_name", "kato", "auth_key", "auth_cert", "sign_key", "sign_cert"}
        assert age_on(decode(line["iin"]).birth_date, date.today()) >= 18
        assert line["kato"] == "113243200"
    first = lines[0]
    nonce = client.post("/api/v1/auth/challenge").get_json()["nonce"]
    issuing = x509.load_pem_x509_certificates(client.get("/api/v1/eds/ca").data)[0]  # issuing CA, then root
    chain = [pem_to_b64_der(first["auth_cert"].encode()), pem_to_b64_der(issuing.public_bytes(serialization.Encoding.PEM))]
    token = sign_jws({"purpose": "auth", "nonce": nonce, "iat": int(time.time())}, first["auth_key"].encode(),
                     {"x5c": chain}, "ES256")
    assert client.post("/api/v1/auth/token", json={"jws": token}).status_code == 200


def test_revoke_makes_the_next_login_fail(app, make_citizen, client):
    citizen = make_citizen()
    result = run(app, "eds", "revoke", "--iin", citizen.iin)
    assert result.exit_code == 0 and "revoked 2" in result.output
    nonce = client.post("/api/v1/auth/challenge").get_json()["nonce"]
    token = citizen.jws({"purpose": "auth", "nonce": nonce, "iat": int(time.time())}, usage="auth")
    response = client.post("/api/v1/auth/token", json={"jws": token})
    assert response.get_json()["error"]["code"] == "certificate_revoked"


def test_roles_grant_is_scoped_and_idempotent(app, make_citizen):
    from auth.models import RoleGrant, User
    from extensions import db

    citizen = make_citizen()
    for _ in range(2):
        assert run(app, "roles", "grant", "--iin", citizen.iin, "--role", "reviewer", "--scope", "government").exit_code == 0
    assert run(app, "roles", "grant", "--iin", citizen.iin, "--role", "budget_officer", "--scope", "113243000").exit_code == 0
    assert run(app, "roles", "grant", "--iin", citizen.iin, "--role", "reviewer", "--scope", "nowhere").exit_code != 0
    assert run(app, "roles", "grant", "--iin", citizen.iin, "--role", "king").exit_code != 0
    assert db.session.query(RoleGrant).count() == 2
    user = User(iin=citizen.iin, created_at=db.func.now())
    db.session.add(user)
    db.session.commit()
    user = db.session.get(User, user.id)
    assert user.has_role("reviewer", "government")
    assert not user.has_role("reviewer", "110000000")
    assert user.has_role("budget_officer", "113243000")
    assert not user.has_role("moderator")


def test_population_refresh_is_all_or_nothing(app, territories, tmp_path):
    from extensions import db
    from kernel.territories import Territory

    bad = tmp_path / "bad.csv"
    bad.write_text("kato,population,as_of\n110000000,790000,2026-01-01\n999999999,5,2026-01-01\n")
    assert run(app, "registry", "population", str(bad)).exit_code != 0
    db.session.expire_all()
    assert db.session.get(Territory, "110000000").population == 786000
    good = tmp_path / "good.csv"
    good.write_text("kato,population,as_of\n110000000,790000,2026-01-01\n")
    assert run(app, "registry", "population", str(good)).exit_code == 0
    db.session.expire_all()
    assert db.session.get(Territory, "110000000").population == 790000


def test_ca_private_keys_are_readable_by_the_owner_only(app, instance_dir):
    from auth.instance_ca import certification_authority

    certification_authority()
    folder = instance_dir / "ca"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in ("root.key.pem", "issuing.key.pem"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
