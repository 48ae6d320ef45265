"""The tally rules against pabutools (the GPL oracle, test-only) and against hand-worked cases."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgeting.allocation import Project, greedy, mes_add1

pabutools = pytest.importorskip("pabutools")


def pabutools_tally(projects, ballots, budget):
    """pabutools' MES (Cost_Sat, Add1 = voter_budget_increment=1) and greedy, both with the published tie order."""
    from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance
    from pabutools.election import Project as PabuProject
    from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares
    from pabutools.tiebreaking import TieBreakingRule

    votes = {str(p.id): sum(p.id in b for b in ballots) for p in projects}
    order = {str(p.id): (p.submitted_order, p.id) for p in projects}
    pabu = {p.id: PabuProject(str(p.id), p.cost) for p in projects}
    instance = Instance(pabu.values(), budget_limit=budget)
    profile = ApprovalProfile(instance=instance)
    for b in ballots:
        profile.append(ApprovalBallot([pabu[i] for i in b]))
    # lower cost, then more votes, then earlier submission
    tie = TieBreakingRule(lambda inst, prof, p: (p.cost, -votes[p.name], order[p.name]))
    mes = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, tie_breaking=tie, voter_budget_increment=1)
    # Greedy "most votes first" is pabutools' greedy with Cost_Sat (votes * cost / cost = votes). Projects
    # nobody voted for are never funded by Dauys, so they are left out of pabutools' instance.
    voted = Instance([pabu[p.id] for p in projects if votes[str(p.id)]], budget_limit=budget)
    gre = greedy_utilitarian_welfare(voted, profile, sat_class=Cost_Sat, tie_breaking=tie)
    return [int(p.name) for p in mes], [int(p.name) for p in gre]


@st.composite
def elections(draw):
    m = draw(st.integers(2, 8))
    costs = draw(st.lists(st.one_of(st.sampled_from([1, 2, 3, 5, 10, 20]), st.integers(1, 100)),
                          min_size=m, max_size=m))
    orders = draw(st.permutations(range(m)))
    projects = [Project(i + 1, c, o) for i, (c, o) in enumerate(zip(costs, orders))]
    ids = [p.id for p in projects]
    ballots = draw(st.lists(st.frozensets(st.sampled_from(ids)), min_size=1, max_size=30))
    budget = draw(st.integers(0, sum(costs) + 5))
    return projects, ballots, budget


FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(elections())
def test_mes_add1_funds_what_pabutools_funds_in_the_same_order(election):
    projects, ballots, budget = election
    expected, _ = pabutools_tally(projects, ballots, budget)
    outcome = mes_add1(projects, ballots, budget)
    assert list(outcome.funded) == expected
    assert outcome.spent <= budget


@FAST
@given(elections())
def test_greedy_funds_what_pabutools_funds_in_the_same_order(election):
    projects, ballots, budget = election
    _, expected = pabutools_tally(projects, ballots, budget)
    assert list(greedy(projects, ballots, budget).funded) == expected


@settings(max_examples=200, deadline=None)
@given(elections())
def test_every_project_is_funded_or_has_a_reason(election):
    projects, ballots, budget = election
    for outcome in (greedy(projects, ballots, budget), mes_add1(projects, ballots, budget)):
        assert set(outcome.funded) | set(outcome.not_funded) == {p.id for p in projects}
        assert not set(outcome.funded) & set(outcome.not_funded)
        for pid, reason in outcome.not_funded.items():
            assert (reason["kind"] == "no_votes") == (outcome.votes[pid] == 0)
            if reason["kind"] == "lost_tie":
                assert reason["to"] in outcome.funded


def test_mes_funds_the_small_village_where_greedy_does_not():
    # 9 voters share 6,000,000 ₸: 666,666⅔ ₸ each.
    # Big village (6 voters) approves A and B, 3,000,000 ₸ each; small village (3 voters) approves C, 1,000,000 ₸.
    # Greedy: A (6 votes), B (6 votes) -> 0 ₸ left, C (3 votes) does not fit.
    # MES: A costs each big villager 500,000 (factor 500,000/3,000,000 = 1/6), as does B; C costs each small
    #   villager 333,333⅓ (factor 1/3). A wins the tie with B (same cost and votes, submitted earlier).
    #   The big villagers keep 166,666⅔ each, 1,000,000 together: not enough for B. C is then funded.
    #   Left 2,000,000 < 3,000,000 for B: the outcome is exhaustive, Add1 changes nothing.
    projects = [Project(1, 3_000_000, 0), Project(2, 3_000_000, 1), Project(3, 1_000_000, 2)]
    ballots = [frozenset({1, 2})] * 6 + [frozenset({3})] * 3
    g = greedy(projects, ballots, 6_000_000)
    m = mes_add1(projects, ballots, 6_000_000)
    assert g.funded == (1, 2)
    assert g.not_funded == {3: {"kind": "did_not_fit", "left": 0}}
    assert m.funded == (1, 3)
    assert m.spent == 4_000_000 and m.left == 2_000_000
    assert m.add1_steps == 0 and m.voter_share == Fraction(2_000_000, 3)
    assert m.not_funded == {2: {"kind": "lost_tie", "to": 1}}


def test_greedy_ties_on_votes_go_to_the_lower_cost_then_the_earlier_submission():
    projects = [Project(1, 500, 2), Project(2, 400, 3), Project(3, 400, 1), Project(4, 100, 0)]
    ballots = [frozenset({1, 2, 3})] * 2 + [frozenset({4})]
    outcome = greedy(projects, ballots, 800)
    # all tie on 2 votes: 400 ₸ twice, #3 submitted before #2; 500 ₸ (#1) no longer fit once #3 was funded
    assert outcome.funded == (3, 2)
    assert outcome.not_funded[1] == {"kind": "lost_tie", "to": 3, "left": 0}
    assert outcome.not_funded[4] == {"kind": "did_not_fit", "left": 0}


def test_greedy_says_how_much_was_left_when_a_project_did_not_fit():
    projects = [Project(1, 1_000_000, 0), Project(2, 1_500_000, 1), Project(3, 10, 2)]
    ballots = [frozenset({1, 2})] * 3 + [frozenset({2})]
    outcome = greedy(projects, ballots, 2_200_000)
    assert outcome.funded == (2,)
    assert outcome.not_funded == {1: {"kind": "did_not_fit", "left": 700_000}, 3: {"kind": "no_votes"}}


def test_mes_ties_go_to_the_lower_cost_then_more_votes_then_the_earlier_submission():
    # Each project is paid for by all its supporters equally: factor 1/votes. #1 and #2 tie at 1/2.
    projects = [Project(1, 60, 0), Project(2, 40, 1)]
    ballots = [frozenset({1, 2}), frozenset({1, 2})]
    outcome = mes_add1(projects, ballots, 60)
    assert outcome.funded[0] == 2  # cheaper wins the tie
    # equal cost: more votes would not tie (factor 1/votes); same cost and votes: earlier submission wins
    projects = [Project(1, 50, 1), Project(2, 50, 0)]
    outcome = mes_add1(projects, ballots, 50)
    assert outcome.funded == (2,)
    assert outcome.not_funded == {1: {"kind": "lost_tie", "to": 2}}


def test_mes_add1_raises_the_share_until_the_outcome_is_exhaustive():
    # 3 voters, 9 ₸: shares of 3 ₸. A (7 ₸) has 2 supporters with 6 ₸: not affordable; B (2 ₸) is funded.
    # 7 ₸ are left and A would fit: Add1 gives 4 ₸ each, A's supporters have 8 ₸, A and B are funded (9 ₸).
    projects = [Project(1, 7, 0), Project(2, 2, 1)]
    ballots = [frozenset({1}), frozenset({2}), frozenset({1})]
    outcome = mes_add1(projects, ballots, 9)
    assert outcome.funded == (1, 2)
    assert outcome.add1_steps == 1 and outcome.voter_share == 4


def test_mes_add1_keeps_the_last_outcome_that_fits_when_the_next_one_overshoots():
    # 2 voters, 10 ₸: shares of 5 ₸, each voter wants their own 6 ₸ project. Nothing is affordable and
    # 6 ₸ would fit, so Add1 tries shares of 6 ₸: both are funded, 12 ₸ > 10 ₸, so the empty outcome stays.
    projects = [Project(1, 6, 0), Project(2, 6, 1)]
    ballots = [frozenset({1}), frozenset({2})]
    outcome = mes_add1(projects, ballots, 10)
    assert outcome.funded == () and outcome.add1_steps == 0 and outcome.voter_share == 5
    assert outcome.not_funded[1] == {"kind": "not_affordable_by_supporters", "supporters_have": 5}
    assert pabutools_tally(projects, ballots, 10)[0] == []


def test_tallies_are_exact_fractions_not_floats():
    projects = [Project(1, 10, 0), Project(2, 10, 1)]
    ballots = [frozenset({1}), frozenset({1, 2}), frozenset({2})]
    outcome = mes_add1(projects, ballots, 10)  # shares of 10/3 ₸
    assert outcome.voter_share == Fraction(10, 3) + outcome.add1_steps
    for reason in outcome.not_funded.values():
        for value in reason.values():
            assert not isinstance(value, float)


def test_nobody_voting_funds_nothing():
    projects = [Project(1, 10, 0)]
    assert mes_add1(projects, [], 100).funded == ()
    assert greedy(projects, [frozenset()], 100).not_funded == {1: {"kind": "no_votes"}}


@pytest.mark.parametrize("bad", [
    ([Project(1, 0, 0)], [], 10),
    ([Project(1, 5, 0), Project(1, 6, 1)], [], 10),
    ([Project(1, 5, 0)], [frozenset({2})], 10),
    ([Project(1, 5, 0)], [], -1),
])
def test_malformed_elections_are_refused(bad):
    with pytest.raises(ValueError):
        mes_add1(*bad)
