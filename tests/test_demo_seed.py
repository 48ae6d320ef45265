"""`flask demo seed`: the demo data of the README, and running it twice changes nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select


def test_demo_seed_is_complete_and_idempotent(app, instance_dir):
    from auth.iin import age_on
    from auth.models import Person, RoleGrant
    from extensions import db
    from kernel.territories import Territory
    from petitions.models import Petition, Signature

    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    counts = lambda: tuple(  # noqa: E731
        db.session.scalar(select(func.count()).select_from(model)) for model in (Territory, Person, RoleGrant, Petition, Signature)
    )
    before = counts()
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0, second.output
    assert counts() == before

    regions = db.session.scalars(select(Territory).where(Territory.level.in_(("region", "city")), Territory.parent.is_(None))).all()
    assert len(regions) == 20 and all(r.population for r in regions)
    assert db.session.scalar(select(func.count()).select_from(Territory).where(Territory.level == "rural_district")) == 6
    people = db.session.scalars(select(Person)).all()
    assert len(people) >= 300
    minors = [p for p in people if age_on(p.birth_date, date.today()) < 18]
    assert 3 <= len(minors) <= 20
    roles = {(g.role, g.scope) for g in db.session.scalars(select(RoleGrant))}
    assert {("moderator", None), ("reviewer", "government"), ("reviewer", "110000000"),
            ("budget_officer", "113243000"), ("secretary", "113243000"), ("admin", None)} <= roles
    for folder in ("citizen", "moderator", "reviewer-government", "budget-officer", "secretary", "admin", "minor"):
        assert (instance_dir / "demo-keys" / folder / "auth.key.pem").exists()
    assert sorted(p.state for p in db.session.scalars(select(Petition))) == ["moderation", "open", "restricted"]
    assert "instance/demo-keys" in first.output or "demo-keys" in first.output
