"""Demo village budgets for Kenes rural district: last year's, counted, and this year's, open for votes.

Everything goes through the real services with real signatures, dated in the past
where the story happened in the past (keys are issued as of then, so they were valid).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from auth import services as auth_services
from auth.models import Person
from budgeting import services
from budgeting.models import BudgetCycle
from budgeting.tally import tally_cycle
from demo.petitions import _jws, _sign_keys, official_keys
from extensions import db

RURAL_DISTRICT = "113243000"
PROPOSALS = (
    ("Кеңес ауылының орталық көшесіне жарық орнату", "lighting", "113243200", 1_800_000),
    ("Домбыралы ауылында балалар ойын алаңы", "playgrounds_sport", "113243100", 2_400_000),
    ("Айдарлы ауылына ауыз су құбырын тарту", "water", "113243300", 4_500_000),
    ("Мектеп жанындағы спорт алаңын жөндеу", "playgrounds_sport", "113243200", 3_100_000),
    ("Кіші Барап ауылындағы жолды шағылмен төсеу", "roads", "113243400", 2_900_000),
    ("Мәдениет үйіне жаңа орындықтар", "culture", "113243200", 900_000),
)
DESCRIPTION = "Ауыл тұрғындары ұзақ уақыт бойы сұрап келеді; жоба ауылдың барлық тұрғынына пайдалы."


def _residents(kato_prefix: str, adult_before) -> list[Person]:
    return list(
        db.session.scalars(
            select(Person)
            .where(Person.kato.like(kato_prefix + "%"), Person.birth_date < adult_before)
            .order_by(Person.iin)
        )
    )


def _cycle(year: int, opens: datetime, rule: str, ballot: str, officer_iin: str, voters: int, now: datetime) -> BudgetCycle:
    officer = auth_services.account_for(officer_iin, now)
    cycle = services.create_cycle(
        officer, kato=RURAL_DISTRICT, year=year, amount=8_000_000, ballot=ballot, rule=rule,
        min_choices=None, max_choices=3 if ballot == "approval" else None,
        proposals_open=opens, proposals_close=opens + timedelta(days=20),
        voting_open=opens + timedelta(days=30), voting_close=opens + timedelta(days=45), now=opens - timedelta(days=1),
    )
    residents = _residents(RURAL_DISTRICT[:6], (now - timedelta(days=366 * 19)).date())
    proposed_at = opens + timedelta(days=2)
    screened_at = opens + timedelta(days=22)
    # the officer signs each screening with an official key valid then (API.md "Official acts")
    officer_keys = official_keys(officer_iin, screened_at)
    for (title, category, settlement, cost), author in zip(PROPOSALS, residents, strict=False):
        user = auth_services.account_for(author.iin, now)
        proposal = services.create_proposal(
            cycle, user, {"title": title, "description": DESCRIPTION, "category": category,
                          "settlement": settlement, "cost": cost}, proposed_at,
        )
        keys = _sign_keys(author, proposed_at)
        services.submit_proposal(proposal, user, _jws(keys, {"purpose": "proposal.submit", "doc": proposal.signed_doc()}, proposed_at), proposed_at)
        act = {"purpose": "proposal.screen", "doc": proposal.signed_doc(), "eligible": True, "cost": cost}
        services.screen(proposal, officer, _jws(officer_keys, act, screened_at), screened_at)
    db.session.commit()
    cast_at = min(opens + timedelta(days=31), now)
    rng = random.Random(year)
    on_ballot = services.eligible_projects(cycle.id)
    for voter in residents[len(PROPOSALS): len(PROPOSALS) + voters]:
        keys = _sign_keys(voter, cast_at)
        # A village votes mostly for its own projects: the case the Method of Equal Shares is fair to.
        own = [p for p, item in on_ballot.items() if item.settlement == voter.kato]
        wanted = own[:2] + rng.sample(sorted(on_ballot), k=rng.randint(1, 3))
        choice: list[int] = []
        for project in wanted:
            total = sum(on_ballot[p].checked_cost for p in choice) + on_ballot[project].checked_cost
            if project not in choice and len(choice) < 3 and total <= cycle.amount:
                choice.append(project)
        choice.sort()
        payload = {"purpose": "ballot.cast", "ballot": {"cycle": cycle.id, "projects": choice}}
        services.cast_ballot(cycle, _jws(keys, payload, cast_at), cast_at)
    db.session.commit()
    return cycle


def seed_budgets(officer_iin: str, now: datetime) -> int:
    """Last year's cycle (counted by MES) and this year's (voting open now); once."""
    if db.session.scalar(select(BudgetCycle.id).where(BudgetCycle.kato == RURAL_DISTRICT)):
        return 0
    last = _cycle(now.year - 1, now - timedelta(days=300), "mes", "approval", officer_iin, voters=60, now=now)
    tally_cycle(last.id, now)
    db.session.commit()
    current_opens = now - timedelta(days=31)
    _cycle(now.year, current_opens, "greedy", "knapsack", officer_iin, voters=15, now=now)
    return 2
