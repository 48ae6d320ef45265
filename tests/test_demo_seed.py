"""`flask demo seed`: the demo data of the README, and running it twice changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select


def test_demo_seed_is_complete_and_idempotent(app, instance_dir):
    from auth.iin import age_on
    from auth.models import Certificate, Person, RoleGrant
    from extensions import db
    from kernel.territories import Territory
    from petitions.models import Petition, PetitionMeasure, PetitionRating, Signature

    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    counts = lambda: tuple(  # noqa: E731
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Territory, Person, RoleGrant, Petition, Signature, PetitionMeasure, PetitionRating, Certificate)
    )
    before = counts()
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0, second.output
    assert counts() == before

    regions = db.session.scalars(
        select(Territory).where(Territory.level.in_(("region", "city")), Territory.parent.is_(None))
    ).all()
    assert len(regions) == 20 and all(r.population for r in regions)
    assert (
        db.session.scalar(select(func.count()).select_from(Territory).where(Territory.level == "rural_district")) == 6
    )
    people = db.session.scalars(select(Person)).all()
    assert len(people) >= 300 + 2_600
    minors = [p for p in people if age_on(p.birth_date, date.today()) < 18]
    assert 3 <= len(minors) <= 20
    roles = {(g.role, g.scope) for g in db.session.scalars(select(RoleGrant))}
    assert {
        ("moderator", None),
        ("reviewer", "government"),
        ("reviewer", "110000000"),
        ("budget_officer", "113243000"),
        ("secretary", "113243000"),
        ("admin", None),
        ("reviewer", "710000000"),
    } <= roles
    folders = (
        "citizen",
        "moderator",
        "reviewer-government",
        "budget-officer",
        "secretary",
        "admin",
        "minor",
        "reviewer-astana",
    )
    for folder in folders:
        assert (instance_dir / "demo-keys" / folder / "auth.key.pem").exists()
    assert (instance_dir / "demo-keys" / "reviewer-astana" / "official.key.pem").exists()
    assert "reviewer-astana" in first.output
    assert sorted(p.state for p in db.session.scalars(select(Petition))) == [
        "answered",
        "answered",
        "moderation",
        "open",
        "restricted",
        "under_review",
        "under_review",
    ]
    assert "instance/demo-keys" in first.output or "demo-keys" in first.output
    _the_answered_petitions_tell_their_stories()
    _the_astana_reviewer_has_answers_to_write(app, instance_dir)
    _the_kenes_villager_follows_two_astana_petitions_and_hears_of_them(instance_dir)
    _signatures_came_over_days_and_hours()
    _every_budget_proposal_says_its_own_thing()
    _the_public_log_holds_every_signature_and_verifies()


def _the_astana_reviewer_has_answers_to_write(app, instance_dir):
    """Two petitions past the threshold await the city akimat's answer, in reviewer-astana's queue:
    one discussed in public last week, one with no discussion scheduled yet; both due, not overdue."""
    from types import SimpleNamespace

    from cryptography import x509
    from cryptography.x509.oid import NameOID

    from extensions import db
    from kernel.kazakhstan_time import local_date
    from petitions.models import Petition, Signature
    from tests.petitions.test_pages import sign_in_page

    now = datetime.now(UTC)
    waiting = db.session.scalars(select(Petition).where(Petition.state == "under_review").order_by(Petition.id)).all()
    assert [(p.addressee, p.territory) for p in waiting] == [("city_akimat", "710000000")] * 2
    held, not_scheduled = waiting
    assert held.discussion_at is not None and held.threshold_reached_at < held.discussion_at < now
    assert held.discussion_at.astimezone(UTC).weekday() < 5  # an office's meeting, on a working day
    assert not_scheduled.discussion_at is None
    for petition in waiting:
        assert petition.answered_at is None and petition.review_due_on > local_date(now)
        assert db.session.scalar(select(func.count(Signature.id)).where(Signature.petition_id == petition.id)) == 2_500
    assert "under review" in app.test_cli_runner().invoke(args=["demo", "seed"]).output

    auth_cert = (instance_dir / "demo-keys" / "reviewer-astana" / "auth.cert.pem").read_bytes()
    serial = x509.load_pem_x509_certificate(auth_cert).subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value
    client = app.test_client()
    sign_in_page(client, SimpleNamespace(iin=serial.removeprefix("IIN"), auth_cert=auth_cert))
    queue = client.get("/review")
    assert queue.status_code == 200
    page = queue.get_data(as_text=True)
    for petition in waiting:
        assert f'href="/review/{petition.id}"' in page
    assert page.index(f'href="/review/{held.id}"') < page.index(
        f'href="/review/{not_scheduled.id}"'
    )  # earliest due first


def _the_kenes_villager_follows_two_astana_petitions_and_hears_of_them(instance_dir):
    """The `citizen` may not sign a city's petition, but follows the two under review: their inbox has
    each threshold, said as a petition they follow, and no page names them as a follower."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    from auth.models import User
    from extensions import db
    from notifications.models import Notification
    from petitions.models import PetitionFollower
    from workers.queues import wait_for_inprocess

    wait_for_inprocess()
    cert = (instance_dir / "demo-keys" / "citizen" / "auth.cert.pem").read_bytes()
    serial = x509.load_pem_x509_certificate(cert).subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value
    user = db.session.scalar(select(User).where(User.iin == serial.removeprefix("IIN")))
    followed = set(db.session.scalars(select(PetitionFollower.petition_id).where(PetitionFollower.user_id == user.id)))
    assert len(followed) == 2
    items = db.session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.event == "petition.threshold_reached")).all()
    assert {item.petition_id for item in items} == followed and {item.audience for item in items} == {"followed"}


def _signatures_came_over_days_and_hours():
    """Every signed petition's signatures came over several days and through the day, none after the
    seed; the open one's by-day chart shows several days, not one bar."""
    from extensions import db
    from kernel.kazakhstan_time import local_date
    from petitions import breakdowns
    from petitions.models import Petition, Signature

    now = datetime.now(UTC)
    for petition in db.session.scalars(select(Petition).where(Petition.state != "moderation")):
        moments = db.session.scalars(select(Signature.signed_at).where(Signature.petition_id == petition.id)).all()
        days = {local_date(at) for at in moments}
        hours = {at.astimezone(UTC).hour for at in moments}
        assert len(days) >= 3 and len(hours) >= 6, (petition.title, sorted(days), sorted(hours))
        assert petition.submitted_at < min(moments) and max(moments) <= now
        if petition.state == "open":
            shown = [day for day, _ in breakdowns.by_day(petition.id) if day != breakdowns.OTHER]
            assert len(shown) >= 4, breakdowns.by_day(petition.id)
        if petition.threshold_reached_at is not None:  # the last day carried it over, and no earlier one
            assert local_date(petition.threshold_reached_at) == max(days)
            before = sum(1 for at in moments if local_date(at) < max(days))
            assert before < petition.threshold


def _every_budget_proposal_says_its_own_thing():
    """The village budgets' proposals: each its own title, text and cost, in Kazakh and in Russian."""
    from budgeting.models import Proposal
    from extensions import db

    proposals = db.session.scalars(select(Proposal)).all()
    assert len(proposals) >= 10
    for field in ("title", "description", "cost"):
        assert len({getattr(p, field) for p in proposals}) == len(proposals), field
    kazakh = set("әғқңөұүһі")
    languages = {"kk" if kazakh & set(p.description.lower()) else "ru" for p in proposals}
    assert languages == {"kk", "ru"}
    assert len({p.category for p in proposals}) >= 5


def _the_public_log_holds_every_signature_and_verifies():
    """The log, integrated and signed as its job does it: each entry passes the auditor's own check
    (examples/verify_log.py: canonical, nothing personal, accepted before the head that holds it),
    the head's root is that of its leaves, and each petition's count is its signature entries."""
    import hashlib
    import importlib.util
    import sys
    from collections import Counter

    from extensions import db
    from petitions.models import Signature
    from publiclog.integrate import integrate_all, sign_head
    from publiclog.models import LogEntry
    from tests.conftest import ROOT

    spec = importlib.util.spec_from_file_location("verify_log", ROOT / "examples" / "verify_log.py")
    tool = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("verify_log", tool)
    spec.loader.exec_module(tool)

    integrate_all()
    head = sign_head(datetime.now(UTC))
    rows = db.session.execute(select(LogEntry.idx, LogEntry.entry, LogEntry.leaf_hash).order_by(LogEntry.idx)).all()
    assert [idx for idx, _, _ in rows] == list(range(head["tree_size"]))
    signed_at = tool.instant(head["timestamp"], "head")
    entries = [tool.check_entry(idx, text, bytes(leaf).hex(), signed_at) for idx, text, leaf in rows]
    assert tool.tree_hash([bytes(leaf) for _, _, leaf in rows]).hex() == head["root_hash"]
    logged = Counter(e["subject"]["id"] for e in entries if e["kind"] == "signature")
    counted = dict(
        db.session.execute(
            select(Signature.petition_id, func.count(Signature.id)).group_by(Signature.petition_id)
        ).all()
    )
    assert logged == counted and sum(counted.values()) >= 10_000
    # each signature's entry is stamped when it was signed
    first = db.session.scalar(select(Signature).order_by(Signature.signed_at).limit(1))
    receipt = "sha256:" + hashlib.sha256(first.receipt.encode()).hexdigest()
    entry = next(e for e in entries if e["receipt"] == receipt)
    assert tool.instant(entry["at"], "at") == first.signed_at.replace(microsecond=0)


def _the_answered_petitions_tell_their_stories():
    """One answer supported, with its measures, ratings and report; one contested, its follow-up due.
    Both past the city akimat's real threshold, every signature and rating a verified JWS."""
    from collections import Counter

    from auth.models import Certificate, Person
    from extensions import db
    from petitions.models import Petition, PetitionMeasure, PetitionRating, Signature

    answered = db.session.scalars(select(Petition).where(Petition.state == "answered").order_by(Petition.id)).all()
    reported, contested = answered
    for petition in answered:
        assert (petition.addressee, petition.territory, petition.threshold) == ("city_akimat", "710000000", 2_500)
        signatures = db.session.scalars(select(Signature).where(Signature.petition_id == petition.id)).all()
        assert len(signatures) >= petition.threshold and all(s.jws for s in signatures)
        assert petition.threshold_reached_at is not None
    measures = lambda p: db.session.scalars(select(PetitionMeasure).where(PetitionMeasure.petition_id == p.id)).all()  # noqa: E731
    ratings = lambda p: db.session.scalars(select(PetitionRating).where(PetitionRating.petition_id == p.id)).all()  # noqa: E731

    assert (reported.language, reported.answer_decision) == ("kk", "supported")
    assert reported.discussion_at is not None and reported.discussion_at < reported.answered_at
    assert 2 <= len(measures(reported)) <= 3 and all(m.done is not None for m in measures(reported))
    assert {m.done for m in measures(reported)} == {True, False}  # the report says what was done and what was not
    assert reported.reported_at is not None and reported.report_text and reported.contested_at is None
    given = ratings(reported)
    assert 20 <= len(given) <= 40 and len({r.rating for r in given}) == 5 and all(r.jws for r in given)
    assert all(r.reasons for r in given if r.rating <= 3) and not any(r.reasons for r in given if r.rating > 3)

    assert (contested.language, contested.answer_decision) == ("ru", "partly_supported")
    assert measures(contested) and contested.report_due_on is not None and contested.reported_at is None
    given = ratings(contested)
    assert len(given) >= 50 and sum(r.rating <= 2 for r in given) * 2 >= len(given)
    assert contested.contested_at is not None and contested.follow_up_due_on > date.today()
    assert contested.follow_up_at is None  # the demo's Astana reviewer may write it
    # each Astana signer got one SIGN key and signed both petitions and their rating with it
    astana = select(Person.iin).where(Person.kato == "710000000")
    keys = Counter(
        db.session.scalars(select(Certificate.iin).where(Certificate.usage == "sign", Certificate.iin.in_(astana)))
    )
    assert sum(1 for n in keys.values() if n > 1) <= 1  # the demo citizen of Astana: their key file's and the seed's
