"""Words the petition pages show for codes: states, decisions, timeline steps."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

STATE_NAMES: dict[str, Any] = {
    "draft": _l("Draft"),
    "moderation": _l("In moderation"),
    "rejected": _l("Rejected"),
    "restricted": _l("Gathering first supporters"),
    "lapsed": _l("Lapsed"),
    "open": _l("Collecting signatures"),
    "closed": _l("Closed"),
    "under_review": _l("Under review"),
    "answered": _l("Answered"),
}
DECISION_NAMES: dict[str, Any] = {
    "supported": _l("Supported"),
    "partly_supported": _l("Partly supported"),
    "not_supported": _l("Not supported"),
}
LANGUAGE_NAMES: dict[str, str] = {"kk": "Қазақша", "ru": "Русский"}
TIMELINE_LABELS: dict[str, Any] = {
    "created": _l("Draft created"),
    "submitted": _l("Submitted for moderation"),
    "moderation_due": _l("Moderation due"),
    "approved": _l("Approved by the moderator"),
    "rejected": _l("Rejected by the moderator"),
    "restricted_until": _l("First supporters needed by"),
    "lapsed": _l("Lapsed without enough supporters"),
    "published": _l("Published"),
    "collection_ends": _l("Signature collection ends"),
    "closed": _l("Closed without reaching the threshold"),
    "threshold_reached": _l("Threshold reached: registered with the addressee"),
    "review_due": _l("Answer due"),
    "discussion": _l("Public discussion"),
    "answered": _l("Answer published"),
    "rating_closes": _l("Ratings of the answer accepted until"),
    "contested": _l("Answer contested by its ratings"),
    "follow_up_due": _l("Follow-up answer due"),
    "followed_up": _l("Follow-up answer published"),
    "report_due": _l("Report on the measures due"),
    "reported": _l("Report on the measures published"),
}
# A citizen's rating of the answer (API.md "Accountability"), as the rating form offers it.
RATING_NAMES: dict[int, Any] = {
    1: _l("1 — not satisfied at all"),
    2: _l("2 — dissatisfied"),
    3: _l("3 — partly satisfied"),
    4: _l("4 — satisfied"),
    5: _l("5 — fully satisfied"),
}
# Official acts on a petition (API.md "Official acts"), as the petition page lists them.
ACT_NAMES: dict[str, Any] = {
    "petition.moderate": _l("Moderation decision"),
    "petition.discussion": _l("Public discussion scheduled"),
    "petition.answer": _l("Answer"),
    "petition.follow_up": _l("Follow-up answer"),
    "petition.report": _l("Report on the measures"),
}
ACT_ROLE_NAMES: dict[str, Any] = {"moderator": _l("Moderator"), "reviewer": _l("Reviewer")}
PLATFORM_NAME = _l("The Dauys platform")
