"""The admin page of the audit log."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l

from audit import services
from auth.access import role_required

bp = Blueprint("audit_admin", __name__, url_prefix="/admin/audit")

PER_PAGE = 50

ACTION_LABELS = {
    "petition.moderate": _l("Petition moderated"),
    "petition.schedule_discussion": _l("Public discussion scheduled"),
    "petition.answer": _l("Petition answered"),
    "petition.follow_up": _l("Follow-up answer published"),
    "petition.report": _l("Report on measures published"),
    "proposal.screen": _l("Budget proposal screened"),
    "proposal.implementation": _l("Implementation updated"),
    "ballot.paper": _l("Paper ballot recorded"),
    "role.grant": _l("Role granted"),
    "role.withdraw": _l("Role withdrawn"),
    "certificate.revoke": _l("Certificates revoked"),
    "certificate.issue_official": _l("Official certificate issued"),
    "calendar.transfer": _l("Calendar transfer entered"),
    "calendar.remove_transfer": _l("Calendar transfer removed"),
}


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
    return render_template(
        "audit/index.html", rows=rows, total=total, page=page, pages=pages, action=action,
        actions=services.ACTIONS, labels=ACTION_LABELS,
    )
