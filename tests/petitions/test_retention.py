"""Privacy: signatures of a petition finished more than N months ago lose their personal data;
the count, the regions and the days stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import select, update

from kernel.keyed_hashes import signer_hash
from petitions import counter, queries, retention, signing
from petitions.models import Petition, Signature
from tests.petitions.test_transitions import cast, make_petition, signed  # noqa: F401


def finished_petition(author_iin: str, signers: list, months_ago: int, state: str = "closed"):
    """An open petition signed for real (EDS, one asks to be told), then finished `months_ago`."""
    from extensions import db

    now = datetime.now(UTC)
    petition = make_petition("open", author_iin, now, threshold=1000)
    for index, citizen in enumerate(signers):
        signing.sign(petition, signed(citizen, "petition.sign", petition, now), now, notify=index == 0)
    db.session.commit()
    ended = now - relativedelta(months=months_ago)
    values = {"closed": {"closed_at": ended}, "answered": {
        "answered_at": ended, "threshold_reached_at": ended - timedelta(days=30), "answer_decision": "supported",
        "answer_text": "Ұсыныс қолдау тапты, жұмыс жоспарға енгізілді.", "answer_official": "Үкімет өкілі",
        "review_due_on": ended.date()}}[state]
    db.session.execute(update(Petition).where(Petition.id == petition.id).values(state=state, **values))
    db.session.commit()
    return petition.id


def public_record(petition_id: int):
    return counter.exact_count(petition_id), queries.signatures_by_region(petition_id), queries.signatures_by_day(petition_id)


def test_old_finished_petitions_lose_personal_data_and_keep_their_record(app, cast, make_citizen):  # noqa: F811
    from extensions import db

    people, _ = cast
    signers = [make_citizen(kato="113243200"), make_citizen(kato="710000000"), people["signer"]]
    old = finished_petition(people["author"].iin, signers, months_ago=13)
    answered = finished_petition(people["author"].iin, signers, months_ago=14, state="answered")
    recent = finished_petition(people["author"].iin, signers, months_ago=11)
    before = {pid: public_record(pid) for pid in (old, answered, recent)}

    assert retention.anonymise_expired(datetime.now(UTC)) == 2
    assert retention.anonymise_expired(datetime.now(UTC)) == 0  # a second run does nothing more

    for pid in (old, answered):
        rows = db.session.scalars(select(Signature).where(Signature.petition_id == pid)).all()
        assert len(rows) == 3
        assert all(r.jws is None and r.user_id is None and not r.notify and r.display_name == "" for r in rows)
        assert not {signer_hash(c.iin) for c in signers} & {r.signer_hash for r in rows}
        assert public_record(pid) == before[pid]
        assert queries.recent_signers(pid) == []
        assert db.session.get(Petition, pid).signatures_anonymised_at is not None
    kept = db.session.scalars(select(Signature).where(Signature.petition_id == recent)).all()
    assert all(r.jws and r.display_name for r in kept)
    assert {r.signer_hash for r in kept} == {signer_hash(c.iin) for c in signers}


def test_the_retention_period_is_configurable_and_runs_in_the_minute_job(app, cast, make_citizen):  # noqa: F811
    from petitions import jobs

    people, _ = cast
    app.config["SIGNATURE_RETENTION_MONTHS"] = 1
    pid = finished_petition(people["author"].iin, [make_citizen(kato="710000000")], months_ago=2)

    assert jobs.tick()["anonymised"] == 1
    assert jobs.tick()["anonymised"] == 0
    assert counter.exact_count(pid) == 1
