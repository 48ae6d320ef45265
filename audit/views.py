"""The admin page of the audit log, each entry in the reader's words (audit/wording.py)."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _

from audit import services, wording
from auth.access import role_required
from auth.landing import Landing
from auth.models import User

bp = Blueprint("audit_admin", __name__, url_prefix="/admin/audit")

PER_PAGE = 50


def admin_landing(_user: User) -> Landing:
    """Where an admin lands after signing in (auth/landing.py): the audit log."""
    return Landing(url_for("audit_admin.index"), _("Audit log"))


@bp.get("")
@role_required("admin")
def index():
    action = request.args.get("action") or None
    if action not in (None, *services.ACTIONS):
        action = None
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    rows, total = services.entries(action, page, PER_PAGE)
    pages = max(1, -(-total // PER_PAGE))
    page = min(page, pages)  # as entries() read it
    actions = [(code, wording.label_of(code)) for code in services.ACTIONS]
    return render_template(
        "audit/index.html",
        rows=wording.shown(rows),
        total=total,
        page=page,
        pages=pages,
        action=action,
        actions=actions,
    )
