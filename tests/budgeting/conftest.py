"""Budget fixtures: cycles whose phase is set by their dates, officials of a rural district, signed ballots."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from itertools import count

import pytest
from sqlalchemy import func, select

from tests.petitions.conftest import Actor

DISTRICT = "113243000"  # Кеңес ауылдық округі
VILLAGE_1 = "113243100"
VILLAGE_2 = "113243200"
OTHER_DISTRICT = "113245000"
OTHER_VILLAGE = "113245100"
ASTANA = "710000000"

DESCRIPTION = "Домбыралы ауылының орталық көшесіне 40 шам орнату: кешке балалар мектептен қараңғыда қайтады."

_DAY = timedelta(days=1)


def schedule(phase: str, at: datetime) -> dict[str, datetime]:
    """The four dates of a cycle that put `at` in `phase` (counting: voting closed an hour ago)."""
    offsets = {
        "scheduled": (1, 2, 3, 4),
        "proposals": (-1, 1, 2, 3),
        "screening": (-2, -1, 1, 2),
        "voting": (-3, -2, -1, 1),
        "counting": (-4, -3, -2, -1 / 24),
    }[phase]
    names = ("proposals_open", "proposals_close", "voting_open", "voting_close")
    return {name: at + offset * _DAY for name, offset in zip(names, offsets)}


def move_to(cycle, phase: str, at: datetime | None = None) -> None:
    """Move a cycle to `phase` by rewriting its dates in the database (phases come from the dates)."""
    from extensions import db

    for name, value in schedule(phase, at or datetime.now(UTC)).items():
        setattr(cycle, name, value)
    db.session.commit()


def ballot_count(cycle_id: int, method: str | None = None) -> int:
    from budgeting.models import Ballot
    from extensions import db

    db.session.rollback()
    stmt = select(func.count(Ballot.id)).where(Ballot.cycle_id == cycle_id)
    if method:
        stmt = stmt.where(Ballot.method == method)
    return db.session.scalar(stmt)


def proposal_body(**overrides) -> dict:
    return {
        "title": "Көше жарығы",
        "description": DESCRIPTION,
        "category": "lighting",
        "settlement": VILLAGE_1,
        "cost": 300_000,
        **overrides,
    }


def ballot_jws(citizen, cycle_id: int, projects: list[int], iat: int | None = None, usage: str = "sign") -> str:
    payload = {"purpose": "ballot.cast", "iat": iat or int(time.time()), "ballot": {"cycle": cycle_id, "projects": projects}}
    return citizen.jws(payload, usage=usage)


def submit_jws(citizen, doc: dict, usage: str = "sign") -> str:
    return citizen.jws({"purpose": "proposal.submit", "iat": int(time.time()), "doc": doc}, usage=usage)


def screen_jws(officer, doc: dict, eligible: bool = True, *, iat: int | None = None, **fields) -> str:
    """A budget officer's `proposal.screen` act (API.md "Official acts") on the proposal whose `doc` it is."""
    return officer.act("proposal.screen", doc, iat=iat, role="budget_officer", eligible=eligible, **fields)


def implementation_jws(officer, doc: dict, status: str = "in_progress", spent: int = 0, *, iat: int | None = None, **fields) -> str:
    """A budget officer's `proposal.implementation` act."""
    return officer.act("proposal.implementation", doc, iat=iat, role="budget_officer", status=status, spent=spent, **fields)


def paper_jws(secretary, cycle_id: int, iin: str, projects: list[int], *, iat: int | None = None, **fields) -> str:
    """A meeting secretary's `ballot.paper` act: the voter's IIN and choices, signed (never published)."""
    return secretary.act(
        "ballot.paper", None, iat=iat, role="secretary", ballot={"cycle": cycle_id, "projects": projects}, iin=iin, **fields
    )


def screen_via_api(api, officer, proposal_id: int, eligible: bool = True, **fields):
    """POST /budget/proposals/{id}/screening with the officer's act on the proposal as it stands."""
    doc = api.client.get(f"/api/v1/budget/proposals/{proposal_id}").get_json()
    signed = {"type": "proposal", "id": proposal_id, "digest": doc["digest"]}
    return api.post(f"/api/v1/budget/proposals/{proposal_id}/screening", {"jws": screen_jws(officer, signed, eligible, **fields)})


def error_code(response) -> str | None:
    return (response.get_json() or {}).get("error", {}).get("code")


_born = count()


@pytest.fixture
def resident(make_citizen):
    """A new adult (or not: pass `born`) person of `kato` with a birth date of their own."""

    def make(kato: str = VILLAGE_2, born: date | None = None, **kwargs):
        born = born or date(1960, 1, 1) + timedelta(days=next(_born) % 15000)
        return make_citizen(kato=kato, born=born, **kwargs)

    return make


@pytest.fixture
def minor_born() -> date:
    """A birth date 17 years ago: not yet 18 on any day of a test."""
    today = datetime.now(UTC).date()
    return today.replace(year=today.year - 17)


def add_other_district() -> str:
    """A second rural district of the same district, with one village (added once)."""
    from extensions import db
    from kernel.territories import Territory

    if db.session.get(Territory, OTHER_DISTRICT) is None:
        db.session.add(Territory(kato=OTHER_DISTRICT, name_kk="Қарасай ауылдық округі", name_ru="Карасайский сельский округ", level="rural_district", parent="113200000"))
        db.session.flush()
        db.session.add(Territory(kato=OTHER_VILLAGE, name_kk="Қарасай ауылы", name_ru="село Карасай", level="settlement", parent=OTHER_DISTRICT))
        db.session.commit()
    return OTHER_DISTRICT


@pytest.fixture
def other_district(territories):
    return add_other_district()


@pytest.fixture
def make_cycle(app, territories):
    """A cycle made by the service, its dates placing `at` (default: now) in `phase`."""
    from auth.access import CONSOLE
    from budgeting import services
    from extensions import db

    years = count(datetime.now(UTC).year)  # a cycle's phases fall within a couple of years of its year

    def make(phase: str = "proposals", *, at: datetime | None = None, kato: str = DISTRICT, year: int | None = None,
             amount: int = 1_000_000, ballot: str = "approval", rule: str = "greedy", min_choices: int | None = None,
             max_choices: int | None = None):
        at = at or datetime.now(UTC)
        cycle = services.create_cycle(
            CONSOLE, kato=kato, year=year or next(years), amount=amount, ballot=ballot, rule=rule, min_choices=min_choices,
            max_choices=max_choices, now=at, **schedule(phase, at),
        )
        db.session.commit()
        return cycle

    return make


@pytest.fixture
def actor(client):
    def make(citizen):
        return Actor(client, citizen)

    return make


class Officials:
    """Budget officers and meeting secretaries of the rural district and of another one, made when first asked for."""

    ROLES = {
        "officer": ("budget_officer", DISTRICT, DISTRICT),
        "secretary": ("secretary", DISTRICT, VILLAGE_1),
        "other_officer": ("budget_officer", OTHER_DISTRICT, OTHER_DISTRICT),
        "other_secretary": ("secretary", OTHER_DISTRICT, OTHER_VILLAGE),
    }

    def __init__(self, resident):
        self._resident = resident
        self._people: dict = {}

    def __getitem__(self, name: str):
        if name not in self._people:
            from auth import services
            from extensions import db

            role, scope, home = self.ROLES[name]
            citizen = self._resident(kato=home)
            services.grant_role(citizen.iin, role, scope, datetime.now(UTC))
            db.session.commit()
            self._people[name] = citizen
        return self._people[name]


@pytest.fixture
def officials(app, resident, other_district):
    return Officials(resident)


def user_of(citizen):
    from auth.services import account_for

    return account_for(citizen.iin, datetime.now(UTC))


def eligible_projects(cycle, author, officer, costs: list[int], settlements: list[str] | None = None) -> list[int]:
    """Proposals by `author`, submitted with the SIGN key and screened eligible: their ids, in order.

    The cycle is left in its proposals phase; move it on with `move_to`.
    """
    from budgeting import services
    from extensions import db

    now = datetime.now(UTC)
    move_to(cycle, "proposals", now)
    author_user, officer_user = user_of(author), user_of(officer)
    ids = []
    places = settlements or [VILLAGE_1, VILLAGE_2]
    for index, cost in enumerate(costs):
        settlement = places[index % len(places)]
        proposal = services.create_proposal(
            cycle, author_user, proposal_body(title=f"Жоба №{index + 1}", cost=cost, settlement=settlement), now
        )
        services.submit_proposal(proposal, author_user, submit_jws(author, proposal.signed_doc()), now)
        services.screen(proposal, officer_user, screen_jws(officer, proposal.signed_doc()), now)
        ids.append(proposal.id)
    db.session.commit()
    return ids
