"""`flask demo seed`: territories, ~300 villagers and ~2,600 Astana residents, officials and their key
files, petitions (four past their threshold: two answered, two awaiting the answer) and village
budgets; idempotent."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from auth import services
from auth.cli import write_key_set, write_official_key_set
from auth.models import Certificate, Person
from demo.answers import ASTANA, seed_astana_petitions, where_they_are
from demo.budget import seed_budgets
from demo.people import birth_date_for_age, random_person
from demo.petitions import seed_petitions
from extensions import db
from kernel.territories import Territory

demo_cli = AppGroup("demo", help="Demo data for a local Dauys.")
DATA = Path(__file__).parent / "data"
POPULATION_AS_OF = date(2025, 1, 1)
RESIDENTS = 300
MINORS = 8
# Astana residents drawn after the villagers (so those stay who they were): they write and sign the
# city akimat's demo petitions, past its real threshold of 2,500 signatures each
ASTANA_RESIDENTS = 2_620
SEED = 2025


@dataclass(frozen=True)
class DemoHolder:
    """A demo person with a key set under instance/demo-keys/<folder>/."""

    folder: str
    description: str
    kato: str
    # (role, scope, body): RoleGrant says which shape each role takes
    roles: tuple[tuple[str, str | None, str | None], ...] = ()
    adult: bool = True


RURAL_DISTRICT = "113243000"  # Kenes rural district, Akkol district, Akmola region
VILLAGE = "113243200"  # Kenes village
HOLDERS = (
    DemoHolder("citizen", "a resident of Kenes village (Akmola region)", VILLAGE),
    DemoHolder("citizen-astana", "a resident of Astana", "710000000"),
    DemoHolder("minor", "a 16-year-old resident of Kenes village (may not sign)", VILLAGE, adult=False),
    DemoHolder("moderator", "petition moderator", "710000000", (("moderator", None, None),)),
    DemoHolder("reviewer-government", "reviewer for the Government", "710000000", (("reviewer", "government", None),)),
    DemoHolder(
        "reviewer-akmola",
        "reviewer for the Akmola regional akimat",
        "110000000",
        (("reviewer", "110000000", "region_akimat"),),
    ),
    DemoHolder(
        "budget-officer", "budget officer of Kenes rural district", VILLAGE, (("budget_officer", RURAL_DISTRICT, None),)
    ),
    DemoHolder(
        "secretary",
        "community-meeting secretary of Kenes rural district",
        VILLAGE,
        (("secretary", RURAL_DISTRICT, None),),
    ),
    DemoHolder("admin", "platform administrator", "710000000", (("admin", None, None),)),
    # added last: each holder draws from one random stream, so the people above stay who they were
    DemoHolder(
        "reviewer-akmola-maslikhat",
        "reviewer for the Akmola regional maslikhat",
        "110000000",
        (("reviewer", "110000000", "region_maslikhat"),),
    ),
    DemoHolder(
        "reviewer-astana", "reviewer for the Astana city akimat", ASTANA, (("reviewer", ASTANA, "city_akimat"),)
    ),
)


def _territories() -> int:
    added = 0
    rows = [dict(r, level="region" if r["kato"][0] != "7" else "city", parent="") for r in _csv("regions.csv")]
    rows += _csv("localities.csv")
    for row in rows:
        territory = db.session.get(Territory, row["kato"])
        if territory is None:
            territory = Territory(kato=row["kato"])
            db.session.add(territory)
            added += 1
        territory.name_kk = row["name_kk"]
        territory.name_ru = row["name_ru"]
        territory.name_en = row.get("name_en") or None
        territory.level = row["level"]
        territory.parent = row.get("parent") or None
        if row.get("population"):
            territory.population = int(row["population"])
            territory.population_as_of = POPULATION_AS_OF
        db.session.flush()
    return added


def _csv(name: str) -> list[dict]:
    with open(DATA / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _resident_rows(today: date) -> list[dict]:
    """The demo residents' registry rows, the same ones on every run: RESIDENTS spread over the demo
    villages (the first MINORS of them minors), then ASTANA_RESIDENTS adults of Astana."""
    rng = random.Random(SEED)
    villages = list(
        db.session.scalars(select(Territory.kato).where(Territory.level == "settlement").order_by(Territory.kato))
    )
    taken: set[str] = set()
    rows = []
    for index in range(RESIDENTS):
        minor = index < MINORS
        born = birth_date_for_age(rng, today, 10, 17) if minor else birth_date_for_age(rng, today, 18, 85)
        rows.append(random_person(rng, villages[index % len(villages)], born, taken))
    for _ in range(ASTANA_RESIDENTS):
        # 19 or over: adults on each day of the Astana petitions' stories, which began weeks ago
        rows.append(random_person(rng, ASTANA, birth_date_for_age(rng, today, 19, 85), taken))
    return rows


def _residents(rows: list[dict]) -> int:
    """Add the rows not in the registry yet (one read for all of them); returns how many."""
    known = set(db.session.scalars(select(Person.iin)))
    places = db.session.scalars(select(Territory)).all()  # held, so add_person finds each in the session
    added = 0
    with db.session.no_autoflush:  # one flush of all the rows at the end, not one per row
        for fields in rows:
            if fields["iin"] not in known:
                services.add_person(**fields)
                added += 1
    db.session.flush()
    del places
    return added


def _holders(
    today: date, now: datetime, to_write: list[tuple[services.KeySet | services.OfficialKeySet, Path]]
) -> list[tuple[DemoHolder, Path]]:
    rng = random.Random(SEED + 1)
    keys_root = Path(current_app.instance_path) / "demo-keys"
    result = []
    taken: set[str] = set()
    for holder in HOLDERS:
        born = birth_date_for_age(rng, today, 30, 60) if holder.adult else birth_date_for_age(rng, today, 16, 16)
        fields = random_person(rng, holder.kato, born, taken)
        person = db.session.get(Person, fields["iin"])
        if person is None:
            person = services.add_person(**fields)
            db.session.flush()
        for role, scope, body in holder.roles:
            services.grant_role(person.iin, role, scope, now, body=body)
        folder = keys_root / holder.folder
        has_keys = db.session.scalar(
            select(Certificate.serial).where(Certificate.iin == person.iin, Certificate.usage != "act").limit(1)
        )
        if not has_keys or not (folder / "sign.cert.pem").exists():
            to_write.append((services.issue_key_set(person, "rsa", now), folder))
        if holder.roles and not (folder / "official.cert.pem").exists():
            # an official signs every act with an official certificate of their role (API.md "Official acts")
            grant = services.official_grant(person.iin)
            to_write.append((services.issue_official_key_set(person, grant, "rsa", now), folder))
        result.append((holder, folder))
    return result


def _holder_iins(today: date) -> list[tuple[DemoHolder, str]]:
    """The demo holders' IINs: the same random stream as `_holders`, so the same people."""
    rng = random.Random(SEED + 1)
    taken: set[str] = set()
    result = []
    for holder in HOLDERS:
        born = birth_date_for_age(rng, today, 30, 60) if holder.adult else birth_date_for_age(rng, today, 16, 16)
        result.append((holder, random_person(rng, holder.kato, born, taken)["iin"]))
    return result


@demo_cli.command("seed")
def seed():
    """Seed the demo data; running it again changes nothing."""
    now = datetime.now(UTC)
    today = now.date()
    territories = _territories()
    rows = _resident_rows(today)
    residents = _residents(rows)
    to_write: list[tuple[services.KeySet | services.OfficialKeySet, Path]] = []
    holders = _holders(today, now, to_write)
    db.session.commit()
    # Key files only after the certificates are on record.
    for key_set, folder in to_write:
        if isinstance(key_set, services.OfficialKeySet):
            write_official_key_set(key_set, folder)
        else:
            write_key_set(key_set, folder)
    by_folder = {holder.folder: person_iin for holder, person_iin in _holder_iins(today)}
    astana = [row["iin"] for row in rows[RESIDENTS:]]
    # the Astana residents sign only the city akimat's petitions, so the others keep their signers;
    # the key holders sign none of the Government's, so each may sign them in the demo
    petitions = seed_petitions(
        by_folder["citizen"], by_folder["moderator"], now, not_signing=set(astana) | set(by_folder.values())
    )
    astana_petitions = seed_astana_petitions(
        astana, by_folder["citizen-astana"], by_folder["moderator"], by_folder["reviewer-astana"], now,
        follower_iin=by_folder["citizen"],
    )
    budgets = seed_budgets(by_folder["budget-officer"], now)
    db.session.commit()
    click.echo(
        f"territories added: {territories}; residents added: {residents}; petitions added: {petitions}; "
        f"Astana petitions added: {astana_petitions}; budget cycles added: {budgets}"
    )
    click.echo(
        "Demo key files (sign in with auth.key.pem + auth.cert.pem; sign with sign.key.pem + sign.cert.pem; "
        "officials sign their acts with official.key.pem + official.cert.pem):"
    )
    for holder, folder in holders:
        click.echo(f"  {holder.description:<55} {folder}/")
    click.echo("Petitions to the Astana city akimat, past its threshold (see /petitions/<number>, /review):")
    for line in where_they_are():
        click.echo(line)
