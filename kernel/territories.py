"""Territories (KATO units): the table every feature points at, names in a language, the chain upwards."""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db

TERRITORY_LEVELS = ("region", "district", "city", "rural_district", "settlement")


class Territory(db.Model):
    """A KATO unit; regions carry the population that regional thresholds depend on."""

    __tablename__ = "territory"
    kato: Mapped[str] = mapped_column(String(9), primary_key=True)
    name_kk: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20), index=True)
    parent: Mapped[str | None] = mapped_column(ForeignKey("territory.kato"), index=True)
    population: Mapped[int | None] = mapped_column(BigInteger)
    population_as_of: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        CheckConstraint("length(kato) = 9", name="kato_9_digits"),
        CheckConstraint(
            "level IN ('region','district','city','rural_district','settlement')", name="level"
        ),
    )

    def name(self, locale: str) -> str:
        if locale == "ru":
            return self.name_ru
        if locale == "en" and self.name_en:
            return self.name_en
        return self.name_kk

    def to_json(self) -> dict:
        return {
            "kato": self.kato,
            "name_kk": self.name_kk,
            "name_ru": self.name_ru,
            "name_en": self.name_en,
            "level": self.level,
            "parent": self.parent,
            "population": self.population,
        }


def territory_names(katos: set[str | None], locale: str) -> dict[str, str]:
    """The name in `locale` of each of `katos` that exists (None and unknown codes are left out)."""
    wanted = {k for k in katos if k}
    if not wanted:
        return {}
    rows = db.session.scalars(select(Territory).where(Territory.kato.in_(wanted)))
    return {row.kato: row.name(locale) for row in rows}


# A code the registry has no row for, named in each language ("territory 113243000"): a page never shows
# a bare KATO code. Fixed phrases, like a body's names (kernel/bodies.py): data in three languages at once.
UNNAMED = {"kk": "{code} аумағы", "ru": "территория {code}", "en": "territory {code}"}


def place_name(territory: Territory | None, kato: str, locale: str) -> str:
    """`territory`'s name in `locale`, or the phrase for an unknown `kato` when the registry has no row."""
    if territory is not None:
        return territory.name(locale)
    return UNNAMED.get(locale, UNNAMED["kk"]).format(code=kato)


def named_places(katos: set[str | None], locale: str) -> dict[str, str]:
    """A name in `locale` for every one of `katos` (None left out): the registry's, else `UNNAMED`'s."""
    known = territory_names(katos, locale)
    return {kato: known.get(kato) or place_name(None, kato, locale) for kato in katos if kato}


def territory_chain(kato: str) -> tuple[str, ...]:
    """`kato` and every territory above it, nearest first (the tree is small and cached)."""
    cache = current_app.extensions.setdefault("dauys_territory_parents", {})
    if not cache:
        cache.update(dict(db.session.execute(select(Territory.kato, Territory.parent)).all()))
    chain = []
    current: str | None = kato
    while current is not None and current not in chain:
        chain.append(current)
        if current not in cache:
            parent = db.session.scalar(select(Territory.parent).where(Territory.kato == current))
            cache[current] = parent
        current = cache[current]
    return tuple(chain)
