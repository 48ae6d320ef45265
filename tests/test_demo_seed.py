"""`flask demo seed`: the demo data of the README, and running it twice changes nothing."""

from __future__ import annotations

from datetime import date

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
        db.session.scalar(select(func.count()).select_from(model)) for model in (Territory, Person, RoleGrant, Petition, Signature, PetitionMeasure, PetitionRating, Certificate)
    )
    before = counts()
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0, second.output
    assert counts() == before

    regions = db.session.scalars(select(Territory).where(Territory.level.in_(("region", "city")), Territory.parent.is_(None))).all()
    assert len(regions) == 20 and all(r.population for r in regions)
    assert db.session.scalar(select(func.count()).select_from(Territory).where(Territory.level == "rural_district")) == 6
    people = db.session.scalars(select(Person)).all()
    assert len(people) >= 300 + 2_600
    minors = [p for p in people if age_on(p.birth_date, date.today()) < 18]
    assert 3 <= len(minors) <= 20
    roles = {(g.role, g.scope) for g in db.session.scalars(select(RoleGrant))}
    assert {("moderator", None), ("reviewer", "government"), ("reviewer", "110000000"),
            ("budget_officer", "113243000"), ("secretary", "113243000"), ("admin", None), ("reviewer", "710000000")} <= roles
    folders = ("citizen", "moderator", "reviewer-government", "budget-officer", "secretary", "admin", "minor", "reviewer-astana")
    for folder in folders:
        assert (instance_dir / "demo-keys" / folder / "auth.key.pem").exists()
    assert (instance_dir / "demo-keys" / "reviewer-astana" / "official.key.pem").exists()
    assert "reviewer-astana" in first.output
    assert sorted(p.state for p in db.session.scalars(select(Petition))) == [
        "answered", "answered", "moderation", "open", "restricted",
    ]
    assert "instance/demo-keys" in first.output or "demo-keys" in first.output
    _the_answered_petitions_tell_their_stories()


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
    keys = Counter(db.session.scalars(select(Certificate.iin).where(Certificate.usage == "sign", Certificate.iin.in_(astana))))
    assert sum(1 for n in keys.values() if n > 1) <= 1  # the demo citizen of Astana: their key file's and the seed's
