"""Where a signed-in person goes: after signing in without a `next`, to their work queue; from a page
their roles do not open (a 403), on to the pages they do have.

The pages are other features' (the moderation queue is petitions', a cycle's screening budgeting's),
and those features import auth, never the reverse: each registers, from its init_app, a function
that finds a role's page for a user (`register`), kept on the app. The person's own account page,
auth's, is everyone's last way on, and a citizen's landing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from auth.models import ROLES, User

log = logging.getLogger(__name__)
KEY = "dauys.landings"


@dataclass(frozen=True)
class Landing:
    """A page to go on to: its address (a path of this site) and what a link to it says."""

    url: str
    label: str


# role -> user -> the role's page for that user, or None (e.g. a secretary with no cycle yet)
Finder = Callable[[User], Landing | None]

# What a page refused for want of a role says it needs; one whole sentence each, for the translators.
ROLE_NEEDED = {
    "moderator": _l("This page is for the platform's moderators."),
    "reviewer": _l("This page is for the reviewers of the body the petition is addressed to."),
    "budget_officer": _l("This page is for the budget officer of the rural district."),
    "secretary": _l("This page is for the secretary of the rural district's community meeting."),
    "admin": _l("This page is for the platform's administrators."),
}


def register(app: Flask, role: str, find: Finder) -> None:
    """Make `find` the page `role` lands on (the same again is no change)."""
    if role not in ROLES:
        raise ValueError(f"not a role: {role!r}")
    app.extensions.setdefault(KEY, {})[role] = find


def registered(app: Flask) -> dict[str, Finder]:
    return dict(app.extensions.get(KEY, {}))


def landings(user: User) -> list[Landing]:
    """The pages of the user's roles, in the order of ROLES (the moderator's queue before the admin's
    log), then their account page; each once."""
    found: list[Landing] = []
    finders = registered(current_app)
    for role in ROLES:
        find = finders.get(role)
        if find is None or not user.has_role(role):
            continue
        try:
            landing = find(user)
        except Exception:  # noqa: BLE001 - a way on that cannot be found must not fail the sign-in after its commit
            log.warning("the landing page of %s could not be found", role, exc_info=True)
            landing = None
        if landing is not None:
            found.append(landing)
    found.append(Landing(url_for("auth.account"), _("Your account")))
    urls: set[str] = set()
    return [landing for landing in found if not (landing.url in urls or urls.add(landing.url))]


def landing_url(user: User) -> str:
    """Where the user goes after signing in when no page asked for it: their first role's work queue
    (docs/ARCHITECTURE.md "Sign-in and roles on pages"), else their account."""
    return landings(user)[0].url
