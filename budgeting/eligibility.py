"""Who may take part in a village budget (DOMAIN.md "Rural participatory budgeting"), each rule once:
residents of the cycle's rural district aged DAUYS_MIN_AGE (18) or over propose items and vote, one
ballot each, by the population registry.

Asked alike by the use case, which raises the refusal (its API.md code stays the contract:
`not_eligible` for the age, `not_resident` for the address; its message states the rule in plain
words and what the registry says of the person), and by the page, which says so before any form is
filled and shows none. A refusal names the rule and the rural district, never the person's IIN or
birth date. (A secretary's paper ballot names the voter to the secretary: budgeting/officials.py.)
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from auth.iin import age_on
from budgeting.models import BudgetCycle
from kernel.errors import DomainError
from kernel.kazakhstan_time import local_date
from kernel.territories import territory_chain, territory_names


def min_age() -> int:
    return current_app.config["MIN_AGE"]


def adult(birth_date, now: datetime) -> bool:
    """Of age on the Kazakhstan day of `now`."""
    return age_on(birth_date, local_date(now)) >= min_age()


def resident(kato: str, cycle: BudgetCycle) -> bool:
    return cycle.kato in territory_chain(kato)


def _district(cycle: BudgetCycle) -> str:
    return territory_names({cycle.kato}, str(get_locale() or "kk")).get(cycle.kato, cycle.kato)


def to_propose(birth_date, kato: str, cycle: BudgetCycle, now: datetime) -> DomainError | None:
    """Why this person may not propose an item in the cycle, or None (the phase is the page's and the use case's)."""
    if not adult(birth_date, now):
        return DomainError(
            "not_eligible",
            _l(
                "Projects can be proposed by residents of %(place)s aged %(age)d and over. "
                "By the population registry you are not %(age)d yet.",
                place=_district(cycle),
                age=min_age(),
            ),
        )
    if not resident(kato, cycle):
        return DomainError(
            "not_resident",
            _l(
                "Projects can be proposed by residents of %(place)s aged %(age)d and over. "
                "By the population registry you do not live in this rural district.",
                place=_district(cycle),
                age=min_age(),
            ),
        )
    return None


def to_vote(birth_date, kato: str, cycle: BudgetCycle, now: datetime) -> DomainError | None:
    """Why this person may not vote in the cycle, or None (once each: `already_voted`)."""
    if not adult(birth_date, now):
        return DomainError(
            "not_eligible",
            _l(
                "Residents of %(place)s aged %(age)d and over vote in its budget. "
                "By the population registry you are not %(age)d yet.",
                place=_district(cycle),
                age=min_age(),
            ),
        )
    if not resident(kato, cycle):
        return DomainError(
            "not_resident",
            _l(
                "Residents of %(place)s aged %(age)d and over vote in its budget. "
                "By the population registry you do not live in this rural district.",
                place=_district(cycle),
                age=min_age(),
            ),
        )
    return None
