"""What other features' documents say of a petition they take up, for its JSON and its page.

A budget proposal may cite a petition (DOMAIN.md "After the answer": from petition to budget), and
the petition lists the proposals that do. The citing feature knows petitions; petitions must not
know it back (an import circle, docs/ARCHITECTURE.md section 1). So the citing feature registers,
from its init_app, a function that lists its documents citing a petition under one JSON key
(budgeting: `budget_proposals`, budgeting/petition_links.py), and the petition's JSON and page read
every key registered here. Process-wide, like the notification kinds: every app registers the same.
"""

from __future__ import annotations

from collections.abc import Callable

# JSON key -> (petition id -> the public documents citing it, oldest first, as JSON)
_CITING: dict[str, Callable[[int], list[dict]]] = {}


def register(key: str, lister: Callable[[int], list[dict]]) -> None:
    """List the documents `lister` finds under `key` of each petition's JSON; the same again is no change."""
    _CITING[key] = lister


def citing(petition_id: int) -> dict[str, list[dict]]:
    """Every registered key with the documents citing the petition (an empty list when none do)."""
    return {key: lister(petition_id) for key, lister in _CITING.items()}
