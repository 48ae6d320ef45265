"""Words the pages show for roles: an official's role with the body or territory it serves, in the
reader's language, never the role's code or a bare KATO code."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from auth.acts import PLATFORM_BODY, RURAL_BODY
from auth.models import GOVERNMENT_SCOPE, NATIONAL_ROLES, ROLES
from extensions import db
from kernel.bodies import body_name
from kernel.territories import Territory, place_name

ROLE_NAMES: dict[str, Any] = {
    "moderator": _l("Moderator"),
    "reviewer": _l("Reviewer"),
    "budget_officer": _l("Budget officer"),
    "secretary": _l("Secretary of the community meeting"),
    "admin": _l("Administrator"),
}
assert set(ROLE_NAMES) == set(ROLES)


def role_name(role: str) -> str:
    return str(ROLE_NAMES.get(role, _("an unknown role")))


def served(role: str, scope: str | None, body: str | None, locale: str) -> str | None:
    """What a grant of `role` serves, named: the Government, a local body with its territory, a rural
    district; None for the roles that serve the whole platform."""
    if role in NATIONAL_ROLES or scope is None:
        return None
    if scope == GOVERNMENT_SCOPE:
        return body_name(GOVERNMENT_SCOPE, None, None, locale)
    territory = db.session.get(Territory, scope)
    if body:
        return body_name(body, territory, scope, locale)
    return place_name(territory, scope, locale)


def grant_label(role: str, scope: str | None, body: str | None, locale: str) -> str:
    """ "Reviewer — Akimat of Akmola Region", "Budget officer — Кеңес ауылдық округі", "Moderator"."""
    where = served(role, scope, body, locale)
    if where is None:
        return role_name(role)
    return _("%(role)s — %(served)s", role=role_name(role), served=where)


def body_code_label(role: str, code: str, locale: str) -> str:
    """An official's role with the body an act or a certificate names as one code (auth/acts.py:body_code:
    `platform`, `government`, `region_akimat:110000000`, `rural_akimat:113243000`)."""
    if code == PLATFORM_BODY:
        return grant_label(role, None, None, locale)
    if code == GOVERNMENT_SCOPE:
        return grant_label(role, GOVERNMENT_SCOPE, None, locale)
    kind, _sep, kato = code.partition(":")
    return grant_label(role, kato or None, None if kind == RURAL_BODY else kind, locale)
