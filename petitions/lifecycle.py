"""A petition's lifecycle (DOMAIN.md "Petition lifecycle"): its states and every move between them.

Editing this table is the only way to change what may happen to a petition: the model's methods,
the signing hot path and the jobs all move a petition through `PETITION` (kernel/lifecycle.py).
"""

from __future__ import annotations

from kernel.lifecycle import Lifecycle

PETITION = Lifecycle(
    kind="petition",
    column="state",
    states=("draft", "moderation", "rejected", "restricted", "lapsed", "open", "closed", "under_review", "answered"),
    moves={
        ("draft", "edit"): "draft",
        ("draft", "submit"): "moderation",
        ("moderation", "approve"): "restricted",
        ("moderation", "reject"): "rejected",
        ("restricted", "sign"): "restricted",
        ("restricted", "open"): "open",
        ("restricted", "lapse"): "lapsed",
        ("open", "sign"): "open",
        ("open", "reach_threshold"): "under_review",
        ("open", "close"): "closed",
        ("under_review", "schedule_discussion"): "under_review",
        ("under_review", "answer"): "answered",
        # after the answer (DOMAIN.md "After the answer"): the answer stays, what follows is added to it
        ("answered", "rate"): "answered",
        ("answered", "contest"): "answered",
        ("answered", "follow_up"): "answered",
        ("answered", "report"): "answered",
    },
)
