"""Who may take part in a petition (DOMAIN.md "E-petitions", "After the answer"), each rule once.

Asked alike by the use case, which raises the refusal (its API.md code stays the contract, its message
states the rule in plain words and what the registry says of the person), and by the page, which says
so before any form is filled and shows none. A refusal names the rule and the territory, never the
person's IIN or birth date.

- writing a petition: a citizen aged DAUYS_MIN_AGE (18) or over; to a local body, a resident of its
  region or city;
- signing one: the same age on the signing day, one signature each, and for a local petition only
  the residents of its territory;
- rating the answer: the petition's author and its signers, once each.
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from auth.iin import age_on
from extensions import db
from kernel.errors import DomainError
from kernel.keyed_hashes import signer_hash
from kernel.territories import Territory, territory_chain, territory_names
from petitions import rules
from petitions.models import Petition, PetitionRating
from petitions.signature_sql import already_signed


def min_age() -> int:
    return current_app.config["MIN_AGE"]


def place_name(kato: str) -> str:
    """The territory's name in the reader's language."""
    return territory_names({kato}, str(get_locale() or "kk")).get(kato, kato)


def under_age(birth_date: date, today: date) -> bool:
    return age_on(birth_date, today) < min_age()


def to_write(birth_date: date, today: date) -> DomainError | None:
    """Why this person may not write a petition at all, or None."""
    if under_age(birth_date, today):
        return DomainError(
            "not_eligible",
            _l(
                "Petitions can be submitted by citizens aged %(age)d and over. "
                "By the population registry you are not %(age)d yet.",
                age=min_age(),
            ),
        )
    return None


def to_address(kato: str, territory: str) -> DomainError | None:
    """Why this person may not address a local body of `territory` (a region or city), or None."""
    if territory not in territory_chain(kato):
        return DomainError(
            "not_resident",
            _l(
                "A petition to a regional or city body can be submitted only by its residents. "
                "By the population registry you do not live in %(place)s.",
                place=place_name(territory),
            ),
        )
    return None


def addressable_places(kato: str) -> list[str]:
    """The regions and cities whose bodies this person may address, by KATO, nearest first."""
    return [place for place, _level in _addressable_chain(kato)]


def home_places(kato: str) -> dict[str, str]:
    """The region and the city (each level at most once, the nearest) a person registered at `kato`
    lives in, by level: the territory a local petition of theirs is addressed to unless they say otherwise."""
    home: dict[str, str] = {}
    for place, level in _addressable_chain(kato):
        home.setdefault(level, place)
    return home


def _addressable_chain(kato: str) -> list[tuple[str, str]]:
    """(KATO, level) of the addressable territories that contain `kato`, nearest first."""
    chain = territory_chain(kato)
    rows = db.session.execute(
        select(Territory.kato, Territory.level).where(Territory.kato.in_(chain), Territory.level.in_(rules.ADDRESSABLE_LEVELS))
    ).all()
    return sorted(((row.kato, row.level) for row in rows), key=lambda row: chain.index(row[0]))


def to_sign(birth_date: date, kato: str, territory: str | None, today: date) -> DomainError | None:
    """Why this person may not sign a petition addressed to `territory` (None: the Government), or None."""
    if under_age(birth_date, today):
        return DomainError(
            "not_eligible",
            _l(
                "Petitions can be signed by citizens aged %(age)d and over. "
                "By the population registry you are not %(age)d yet.",
                age=min_age(),
            ),
        )
    if territory is not None and territory not in territory_chain(kato):
        return DomainError(
            "not_resident",
            _l(
                "This petition is addressed to a local body: only residents of %(place)s can sign it. "
                "By the population registry you live elsewhere.",
                place=place_name(territory),
            ),
        )
    return None


def has_signed(petition_id: int, iin: str) -> bool:
    return already_signed({"petition_id": petition_id, "signer_hash": signer_hash(iin)})


NOT_AUTHOR_OR_SIGNER = _l("Only the petition's author and its signers may rate its answer.")


def to_rate(petition: Petition, iin: str) -> DomainError | None:
    """Why this person may not rate the petition's answer at all, or None (once each: `has_rated`)."""
    if iin != petition.author_iin and not has_signed(petition.id, iin):
        return DomainError("not_eligible", NOT_AUTHOR_OR_SIGNER)
    return None


ALREADY_RATED = _l("You have already rated this answer.")


def has_rated(petition_id: int, iin: str) -> bool:
    return (
        db.session.scalar(
            select(PetitionRating.id).where(
                PetitionRating.petition_id == petition_id, PetitionRating.rater_hash == signer_hash(iin)
            )
        )
        is not None
    )


# --- what a page says to the signed-in reader before any form -----------------------------------


def signing_refusal(user, petition: Petition, today: date) -> DomainError | None:
    """Why the signed-in `user` may not sign `petition` (of a signable state), or None."""
    person = user.person
    refusal = to_sign(person.birth_date, person.kato, petition.territory, today)
    if refusal is None and has_signed(petition.id, user.iin):
        refusal = DomainError("already_signed")
    return refusal


def rating_refusal(user, petition: Petition) -> DomainError | None:
    """Why the signed-in `user` may not rate the answer of `petition` (its window open), or None."""
    refusal = to_rate(petition, user.iin)
    if refusal is None and has_rated(petition.id, user.iin):
        refusal = DomainError("already_rated", ALREADY_RATED)
    return refusal


def writing_refusal(user, today: date) -> DomainError | None:
    """Why the signed-in `user` may not write a petition, or None."""
    return to_write(user.person.birth_date, today)
