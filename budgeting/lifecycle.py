"""A budget proposal's and a budget cycle's lifecycles (DOMAIN.md "Rural participatory budgeting").

Editing these tables is the only way to change what may happen to a proposal or a cycle: the
services, the scheduled tick and the tally all move one through `PROPOSAL` or `CYCLE`
(kernel/lifecycle.py), and `tests/test_lifecycle.py` proves nothing else writes their columns.

A proposal is drafted, submitted with the SIGN key, then screened: found eligible (with a checked
cost) or ineligible (with a reason). An officer may screen it again, either way, for as long as
the cycle is in its proposals or screening phase (the services check the phase; this table says
what a proposal in each state may do).

A cycle's phase is the one its dates give (`BudgetCycle.phase_at(now)`); the column holds the
phase last *announced* (`announced_phase`: the scheduled tick told the followers of it, or the
tally published the results). Phases only go forward, and each action names the phase it reaches
(`reaching(phase)`). Every action may start from any phase before the one it reaches: when ticks
were missed (the worker was down through proposals and screening) one conditional UPDATE takes
the cycle straight to the phase its dates give, with one `budget.phase_changed` event for the
phase reached, not one for each phase it skipped; and the tally publishes the results from
whichever phase was last announced. Nothing ever moves a cycle back.
"""

from __future__ import annotations

from kernel.lifecycle import Lifecycle

PROPOSAL = Lifecycle(
    kind="proposal",
    column="state",
    states=("draft", "submitted", "eligible", "ineligible"),
    moves={
        ("draft", "submit"): "submitted",
        ("submitted", "find_eligible"): "eligible",
        ("submitted", "find_ineligible"): "ineligible",
        # re-screening: a new decision, or the same one with a new cost or reason
        ("eligible", "find_eligible"): "eligible",
        ("eligible", "find_ineligible"): "ineligible",
        ("ineligible", "find_eligible"): "eligible",
        ("ineligible", "find_ineligible"): "ineligible",
    },
)

CYCLE = Lifecycle(
    kind="cycle",
    column="announced_phase",
    db_column="phase",
    states=("scheduled", "proposals", "screening", "voting", "counting", "results"),
    moves={
        ("scheduled", "open_proposals"): "proposals",
        ("scheduled", "close_proposals"): "screening",
        ("proposals", "close_proposals"): "screening",
        ("scheduled", "open_voting"): "voting",
        ("proposals", "open_voting"): "voting",
        ("screening", "open_voting"): "voting",
        ("scheduled", "close_voting"): "counting",
        ("proposals", "close_voting"): "counting",
        ("screening", "close_voting"): "counting",
        ("voting", "close_voting"): "counting",
        ("scheduled", "publish"): "results",
        ("proposals", "publish"): "results",
        ("screening", "publish"): "results",
        ("voting", "publish"): "results",
        ("counting", "publish"): "results",
    },
)

# The action that reaches each phase (every cycle action leads to one phase, whichever it starts from).
_REACHING = {new: action for (_, action), new in CYCLE.moves.items()}
if len(_REACHING) != len(CYCLE.actions):
    raise ValueError("cycle: each action must reach one phase, and each phase be reached by one action")


def reaching(phase: str) -> str | None:
    """The action that moves a cycle to `phase`; None for the phase a cycle starts in."""
    return _REACHING.get(phase)
