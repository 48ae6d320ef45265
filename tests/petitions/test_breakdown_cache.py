"""A finished petition's breakdowns are grouped once and kept (its signatures cannot change); a
collecting one's at every read. bench/growth.py measures why: a closed petition of 800,000
signatures costs its page a GROUP BY over all of them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from petitions import breakdowns
from petitions.signing_facts import SigningFacts


@pytest.fixture
def grouped(app, monkeypatch):
    """How often each breakdown query ran, with the petition in the state the test sets."""
    calls = {"region": 0, "day": 0, "hour": 0}
    state = {"now": "open"}

    def counting(kind, rows):
        def query(*_args):
            calls[kind] += 1
            return rows
        return query

    monkeypatch.setattr(breakdowns.queries, "signatures_by_region", counting("region", [("710000000", 12)]))
    monkeypatch.setattr(breakdowns.queries, "signatures_by_day", counting("day", []))
    monkeypatch.setattr(breakdowns.queries, "first_signature_at", counting("hour", None))
    monkeypatch.setattr(breakdowns, "signing_facts", lambda petition_id: SigningFacts(
        petition_id, state["now"], "sha256:0", None, None, None, 50000))
    app.extensions.pop("dauys_breakdowns", None)
    return calls, state


def _read_all(petition_id: int) -> None:
    now = datetime(2026, 3, 4, 12, tzinfo=UTC)
    breakdowns.by_region(petition_id)
    breakdowns.by_day(petition_id)
    breakdowns.by_hour(petition_id, now)


@pytest.mark.parametrize("state", ["open", "restricted"])
def test_a_collecting_petition_is_grouped_at_every_read(grouped, state):
    calls, petition = grouped
    petition["now"] = state
    _read_all(1)
    _read_all(1)
    assert calls == {"region": 2, "day": 2, "hour": 2}


@pytest.mark.parametrize("state", ["closed", "under_review", "answered", "lapsed"])
def test_a_finished_petition_is_grouped_once(grouped, state):
    calls, petition = grouped
    petition["now"] = state
    _read_all(1)
    _read_all(1)
    assert calls == {"region": 1, "day": 1, "hour": 1}
    assert breakdowns.by_region(1) == [("710000000", 12)]


def test_a_petition_that_moves_on_is_grouped_again(grouped):
    calls, petition = grouped
    petition["now"] = "under_review"
    _read_all(1)
    petition["now"] = "answered"
    _read_all(1)
    assert calls == {"region": 2, "day": 2, "hour": 2}
