"""Who may sign: adults on the signing day, residents of a local petition's territory, valid SIGN keys.

Each refusal carries API.md's code and status and writes nothing: no signature row,
no count, no account, no event.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import pytest

from kernel.kazakhstan_time import local_date
from tests.conftest import Citizen, _pem_blocks, pem_to_b64_der
from tests.petitions.conftest import create_and_submit, sign
from tests.petitions.test_transitions import ca_2024, keys_at, make_petition, signed, snapshot  # noqa: F401


def _eighteenth_birthday_is(day: date) -> date:
    """The birth date of someone who turns 18 on `day`."""
    try:
        return day.replace(year=day.year - 18)
    except ValueError:  # 29 February: no such day 18 years earlier
        pytest.skip("the signing day is 29 February")


def _sign_api(client, citizen: Citizen, petition, usage: str = "sign", doc: dict | None = None):
    payload = {"purpose": "petition.sign", "iat": int(datetime.now(UTC).timestamp()), "doc": doc or petition.signed_doc()}
    return client.post(
        f"/api/v1/petitions/{petition.id}/signatures", json={"jws": citizen.jws(payload, usage=usage), "notify": True}
    )


def _refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"] == code


@pytest.fixture
def open_petition(app, make_citizen):
    return make_petition("open", make_citizen().iin, datetime.now(UTC))


def test_a_seventeen_year_old_is_refused_not_eligible(app, client, make_citizen, open_petition):
    tomorrow = local_date(datetime.now(UTC)) + timedelta(days=1)
    minor = make_citizen(born=_eighteenth_birthday_is(tomorrow))  # 17 today, 18 tomorrow
    before = snapshot(open_petition.id)
    _refused(_sign_api(client, minor, open_petition), 403, "not_eligible")
    assert snapshot(open_petition.id) == before


def test_a_citizen_who_turns_eighteen_on_the_signing_day_may_sign(app, client, make_citizen, open_petition):
    adult = make_citizen(born=_eighteenth_birthday_is(local_date(datetime.now(UTC))))
    response = _sign_api(client, adult, open_petition)
    assert response.status_code == 201, response.get_json()
    after = snapshot(open_petition.id)
    assert after["signatures"] == after["count"] == 1


def test_the_signing_day_is_the_kazakhstan_day(app, make_citizen, keys_at):  # noqa: F811
    """At 18:59:30 UTC it is still the eve of the birthday in Kazakhstan; at 19:00:30 it is the day."""
    from extensions import db
    from kernel.errors import DomainError
    from petitions import signing

    eve, birthday_morning = datetime(2026, 3, 13, 18, 59, 30, tzinfo=UTC), datetime(2026, 3, 13, 19, 0, 30, tzinfo=UTC)
    citizen = make_citizen(born=_eighteenth_birthday_is(date(2026, 3, 14)))
    keys = keys_at(citizen.iin, eve)
    petition = make_petition("open", make_citizen().iin, eve)
    before = snapshot(petition.id)
    with pytest.raises(DomainError) as refused:
        signing.sign(petition, signed(keys, "petition.sign", petition, eve), eve)
    assert refused.value.code == "not_eligible"
    assert snapshot(petition.id) == before
    signing.sign(petition, signed(keys, "petition.sign", petition, birthday_morning), birthday_morning)
    db.session.commit()
    assert snapshot(petition.id)["signatures"] == 1


@pytest.fixture
def akmola_petition(app, client, make_citizen, actor, officials):
    """A petition to the regional akimat of Akmola, approved: it collects from Akmola residents only."""
    from petitions.models import Petition

    author = actor(make_citizen(kato="113243200"))
    created = create_and_submit(author, addressee="region_akimat", territory="110000000")
    approved = officials["moderator"].moderate(created['id'])
    assert approved.status_code == 200, approved.get_json()
    from extensions import db

    return created, db.session.get(Petition, created["id"])


def test_a_regional_threshold_is_one_percent_of_the_population_rounded_up(app, akmola_petition):
    created, petition = akmola_petition
    assert petition.threshold == created["threshold"] == math.ceil(786000 * 0.01) == 7860


def test_a_regional_maslikhat_needs_two_percent(app, make_citizen, actor):
    author = actor(make_citizen(kato="113243100"))
    created = author.post(
        "/api/v1/petitions",
        {"title": "Ауыл көшесін жөндеу керек", "body": "x" * 80, "language": "kk", "addressee": "region_maslikhat",
         "territory": "110000000"},
    ).get_json()
    assert created["threshold"] == 15720  # 2 % of 786,000


def test_a_resident_of_astana_cannot_sign_for_akmola(app, client, make_citizen, akmola_petition):
    created, petition = akmola_petition
    before = snapshot(petition.id)
    _refused(_sign_api(client, make_citizen(kato="710000000"), petition), 403, "not_resident")
    assert snapshot(petition.id) == before
    # A villager of the same region may (the settlement lies inside the region).
    assert sign(client, make_citizen(kato="113243100"), created).status_code == 201
    assert snapshot(petition.id)["signatures"] == 1


def test_a_revoked_certificate_is_refused(app, client, make_citizen, open_petition):
    from auth.services import revoke_certificates
    from extensions import db

    citizen = make_citizen()
    revoke_certificates(citizen.iin, datetime.now(UTC))
    db.session.commit()
    before = snapshot(open_petition.id)
    _refused(_sign_api(client, citizen, open_petition), 400, "certificate_revoked")
    assert snapshot(open_petition.id) == before


def test_the_auth_key_cannot_sign_a_petition(app, client, make_citizen, open_petition):
    before = snapshot(open_petition.id)
    _refused(_sign_api(client, make_citizen(), open_petition, usage="auth"), 400, "wrong_key_usage")
    assert snapshot(open_petition.id) == before


def test_a_signature_over_another_petition_is_a_digest_mismatch(app, client, make_citizen, open_petition):
    other = make_petition("open", make_citizen().iin, datetime.now(UTC), title="Мектепке жаңа автобус керек")
    assert other.digest != open_petition.digest
    citizen = make_citizen()
    before = snapshot(open_petition.id)
    # The other petition's document, sent here; and this id with the other's digest.
    _refused(_sign_api(client, citizen, open_petition, doc=other.signed_doc()), 400, "digest_mismatch")
    forged = {"type": "petition", "id": open_petition.id, "digest": other.digest}
    _refused(_sign_api(client, citizen, open_petition, doc=forged), 400, "digest_mismatch")
    assert snapshot(open_petition.id) == before


def test_a_person_missing_from_the_registry_is_not_eligible(app, client, open_petition):
    from auth import pki
    from auth.iin import make
    from auth.instance_ca import certification_authority

    ca = certification_authority()
    holder = pki.Holder(iin=make(date(1980, 1, 2), "M", 4321), surname="ЖОҚ", given_name="АДАМ")
    now = datetime.now(UTC)
    sign_key = pki.issue(ca, holder, "sign", "ec", now, 30)
    ghost = Citizen(
        iin=holder.iin, auth_key=b"", auth_cert=b"", sign_key=sign_key.key_pem, sign_cert=sign_key.cert_pem,
        chain=[pem_to_b64_der(block) for block in _pem_blocks(ca.chain_pem())],
    )
    before = snapshot(open_petition.id)
    _refused(_sign_api(client, ghost, open_petition), 403, "not_eligible")
    assert snapshot(open_petition.id) == before
