"""Pure tally rules for rural participatory budgeting: greedy and the Method of Equal Shares with Add1."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from math import gcd, lcm
from typing import Any

Reason = dict[str, Any]


@dataclass(frozen=True)
class Project:
    id: int
    cost: int  # tenge, > 0
    submitted_order: int


@dataclass(frozen=True)
class Outcome:
    """What a rule funded, in selection order, and why every other project was not funded.

    Reasons are machine-readable so the UI can word them:
    ``{"kind": "no_votes"}``, ``{"kind": "did_not_fit", "left": int}``,
    ``{"kind": "lost_tie", "to": project_id, ...}`` and, for MES,
    ``{"kind": "not_affordable_by_supporters", "supporters_have": Fraction}`` (what its supporters had left
    of their shares when MES stopped, in tenge).
    """

    rule: str
    budget: int
    funded: tuple[int, ...]
    not_funded: Mapping[int, Reason]
    spent: int
    votes: Mapping[int, int]
    voter_share: Fraction | None = None  # MES: each voter's share in the run that was kept (amount / n + Add1 steps)
    add1_steps: int | None = None

    @property
    def left(self) -> int:
        return self.budget - self.spent


def greedy(projects: Sequence[Project], ballots: Sequence[frozenset[int]], budget: int) -> Outcome:
    """Most votes first; ties by lower cost, then earlier submission; skip what no longer fits."""
    by_id, votes = _validate(projects, ballots, budget)
    order = sorted(by_id.values(), key=lambda p: (-votes[p.id], p.cost, p.submitted_order, p.id))
    left = budget
    funded: list[Project] = []
    left_before: list[int] = []
    not_funded: dict[int, Reason] = {}
    for p in order:
        if votes[p.id] == 0:
            not_funded[p.id] = {"kind": "no_votes"}
        elif p.cost <= left:
            funded.append(p)
            left_before.append(left)
            left -= p.cost
        else:
            not_funded[p.id] = _greedy_miss(p, left, funded, left_before, votes)
    return Outcome("greedy", budget, tuple(p.id for p in funded), not_funded, budget - left, votes)


def _greedy_miss(p: Project, left: int, funded: list[Project], left_before: list[int], votes: Counter) -> Reason:
    # The project whose funding pushed the money left below p's cost; if it had as many votes as p,
    # p lost the tie to it (it came first by lower cost or earlier submission).
    for q, before in zip(reversed(funded), reversed(left_before)):
        if before >= p.cost:
            if votes[q.id] == votes[p.id]:
                return {"kind": "lost_tie", "to": q.id, "left": left}
            break
    return {"kind": "did_not_fit", "left": left}


def mes_add1(projects: Sequence[Project], ballots: Sequence[frozenset[int]], budget: int) -> Outcome:
    """Method of Equal Shares (cost utilities) with Add1 completion, in exact rational arithmetic.

    Add1 raises every voter's share by 1 ₸ while the outcome is not exhaustive and the next outcome still
    fits the amount. Instead of re-running MES for every tenge, whole ranges of shares are certified to
    give the same outcome (interval bounds, see `_Electorate.run`), so the result equals stepping by 1 ₸.
    """
    by_id, votes = _validate(projects, ballots, budget)
    n = len(ballots)
    supported = [p for p in by_id.values() if votes[p.id] > 0]
    if n == 0 or not supported:
        reasons = {i: {"kind": "no_votes"} for i in by_id}
        return Outcome("mes_add1", budget, (), reasons, 0, votes, Fraction(budget, n) if n else None, 0)
    electorate = _Electorate(supported, ballots, votes)
    costs = {p.id: p.cost for p in supported}

    def exhaustive(funded: tuple[int, ...]) -> bool:
        left = budget - sum(costs[i] for i in funded)
        return all(i in funded or c > left for i, c in costs.items())

    run = electorate.run(budget, budget, n)
    k, k_run, step = 0, 0, 2
    failures, plain_steps = 0, 0  # back off from certifying where the outcome keeps changing
    while not exhaustive(run.funded):
        if step >= 2 and plain_steps == 0:
            if electorate.run(budget + k * n, budget + (k + step) * n, n) is not None:
                k += step  # every share in between gives this same (feasible, not exhaustive) outcome
                step, failures = step * 2, 0
            else:
                step //= 2
                if step < 2:
                    failures += 1
                    plain_steps = 2 ** min(failures, 6)
            continue
        nxt = electorate.run(budget + (k + 1) * n, budget + (k + 1) * n, n)
        if sum(costs[i] for i in nxt.funded) > budget:
            break
        run, k, k_run, step = nxt, k + 1, k + 1, 2
        plain_steps = max(0, plain_steps - 1)
    if k_run != k:  # the outcome is the same; re-run for the reasons' figures at the share kept
        run = electorate.run(budget + k * n, budget + k * n, n)

    not_funded: dict[int, Reason] = {}
    for p in by_id.values():
        if votes[p.id] == 0:
            not_funded[p.id] = {"kind": "no_votes"}
        elif p.id not in run.funded:
            if p.id in run.lost_tie_to:
                not_funded[p.id] = {"kind": "lost_tie", "to": run.lost_tie_to[p.id]}
            else:
                not_funded[p.id] = {"kind": "not_affordable_by_supporters", "supporters_have": run.left[p.id]}
    spent = sum(costs[i] for i in run.funded)
    return Outcome("mes_add1", budget, run.funded, not_funded, spent, votes, Fraction(budget + k * n, n), k)


def _validate(
    projects: Sequence[Project], ballots: Sequence[frozenset[int]], budget: int
) -> tuple[dict[int, Project], Counter]:
    if not isinstance(budget, int) or budget < 0:
        raise ValueError("budget must be a non-negative integer number of tenge")
    by_id: dict[int, Project] = {}
    for p in projects:
        if p.id in by_id:
            raise ValueError(f"duplicate project id {p.id}")
        if not isinstance(p.cost, int) or p.cost <= 0:
            raise ValueError(f"project {p.id}: cost must be a positive integer number of tenge")
        by_id[p.id] = p
    votes: Counter = Counter({i: 0 for i in by_id})
    for ballot in ballots:
        unknown = set(ballot) - by_id.keys()
        if unknown:
            raise ValueError(f"ballot names unknown projects {sorted(unknown)}")
        votes.update(ballot)
    return by_id, votes


@dataclass
class _Run:
    funded: tuple[int, ...]
    lost_tie_to: dict[int, int] = field(default_factory=dict)
    left: dict[int, Fraction] = field(default_factory=dict)


class _Electorate:
    """Ballots aggregated for MES: identical ballots become one type with a weight.

    During a run a voter's remaining share depends only on which funded projects they approved, so
    voters are kept in classes (one budget per class) and a project's supporters are a histogram
    over classes. Budgets are integers over one common denominator, so sums and comparisons are
    plain integer arithmetic; the denominator grows by the number of paying supporters each round.
    """

    def __init__(self, supported: list[Project], ballots: Sequence[frozenset[int]], votes: Counter):
        index = {p.id: j for j, p in enumerate(supported)}
        self.ids = [p.id for p in supported]
        self.cost = [p.cost for p in supported]
        self.tie = [(p.cost, -votes[p.id], p.submitted_order, p.id) for p in supported]
        self.supporters = [votes[p.id] for p in supported]
        self.single: list[list[int]] = [[] for _ in supported]  # types of weight 1
        self.heavy: list[list[tuple[int, int]]] = [[] for _ in supported]  # (type, weight)
        self.members: list[list[int]] = [[] for _ in supported]  # all types, for moving classes
        n_types = 0
        self.total_weight = 0
        for ballot, weight in Counter(ballots).items():
            if not ballot:
                continue  # an empty ballot counts in n, never pays
            for i in ballot:
                j = index[i]
                self.members[j].append(n_types)
                if weight == 1:
                    self.single[j].append(n_types)
                else:
                    self.heavy[j].append((n_types, weight))
            n_types += 1
            self.total_weight += weight
        self.n_types = n_types

    def _histogram(self, j: int, cls: list[int]) -> dict[int, int]:
        hist = Counter(map(cls.__getitem__, self.single[j]))
        for t, w in self.heavy[j]:
            hist[cls[t]] += w
        return hist

    def run(self, lo: int, hi: int, den: int) -> _Run | None:
        """MES with every voter's share anywhere in [lo/den, hi/den].

        Budgets are tracked as lower and upper bounds (the affordability factor is monotone in the
        budgets, so bounds propagate soundly). Returns the common outcome if every decision is the
        same across the interval, else None. With lo == hi this is plain exact MES.
        """
        point = lo == hi
        cost, tie = self.cost, self.tie
        cls = [0] * self.n_types
        b_lo: dict[int, int] = {0: lo}  # live classes only
        b_hi: dict[int, int] = b_lo if point else {0: hi}
        size: dict[int | str, int] = {0: self.total_weight, "next": 1}
        d = den
        remaining = set(range(len(cost)))
        # lower bound of each project's affordability factor (rho / cost); factors only grow
        bound: dict[int, tuple[float, Fraction]] = {
            j: (1 / self.supporters[j], Fraction(1, self.supporters[j])) for j in remaining
        }
        funded: list[int] = []
        lost_tie_to: dict[int, int] = {}
        while True:
            best: Fraction | None = None
            best_j = -1
            best_hist: dict[int, int] = {}
            best_q: tuple[int, int, int, int] = (0, 1, 0, 1)
            evaluated: list[tuple[int, Fraction, Fraction]] = []
            for j in sorted(remaining, key=bound.__getitem__):
                if best is not None and bound[j][1] > best:
                    break
                hist = self._histogram(j, cls)
                c = cost[j] * d
                if sum(b_hi[k] * m for k, m in hist.items()) < c:
                    remaining.discard(j)  # its supporters can no longer afford it, and never will
                    continue
                if not point and sum(b_lo[k] * m for k, m in hist.items()) < c:
                    return None
                num_hi, rem_hi = _payment(hist, b_lo, c)  # the most a paying supporter pays
                a_hi = Fraction(num_hi, rem_hi * c)
                if point:
                    num_lo, rem_lo, a_lo = num_hi, rem_hi, a_hi
                else:
                    num_lo, rem_lo = _payment(hist, b_hi, c)
                    a_lo = Fraction(num_lo, rem_lo * c)
                bound[j] = (float(a_lo), a_lo)
                evaluated.append((j, a_lo, a_hi))
                if best is None or a_hi < best or (a_hi == best and tie[j] < tie[best_j]):
                    best, best_j, best_hist, best_q = a_hi, j, hist, (num_hi, rem_hi, num_lo, rem_lo)
            if best is None:
                break
            for j, a_lo, _ in evaluated:
                if j == best_j:
                    continue
                if a_lo < best or (a_lo == best and tie[j] < tie[best_j]):
                    return None  # j might win somewhere in the interval
                if point and a_lo == best:
                    lost_tie_to[j] = self.ids[best_j]
            funded.append(best_j)
            remaining.discard(best_j)
            d, b_lo, b_hi = self._pay(best_j, best_hist, best_q, cls, size, d, b_lo, b_hi, point)
        result = _Run(tuple(self.ids[j] for j in funded))
        if point:
            chosen = set(funded)
            for j in range(len(cost)):
                if j not in chosen:
                    have = sum(b_lo[k] * m for k, m in self._histogram(j, cls).items())
                    result.left[self.ids[j]] = Fraction(have, d)
            result.lost_tie_to = {self.ids[j]: w for j, w in lost_tie_to.items() if j not in chosen}
        return result

    def _pay(
        self,
        j: int,
        hist: dict[int, int],
        q: tuple[int, int, int, int],
        cls: list[int],
        size: dict[int, int],
        d: int,
        b_lo: dict[int, int],
        b_hi: dict[int, int],
        point: bool,
    ) -> tuple[int, dict[int, int], dict[int, int]]:
        # Supporters of j pay min(budget, payment) and move to a child class. Lower budgets pay the
        # upper payment bound and vice versa. Live budgets are rescaled to the new common denominator.
        num_hi, rem_hi, num_lo, rem_lo = q
        g = gcd(num_hi, rem_hi)
        num_hi, rem_hi = num_hi // g, rem_hi // g
        g = gcd(num_lo, rem_lo)
        num_lo, rem_lo = num_lo // g, rem_lo // g
        scale = rem_hi if point else lcm(rem_hi, rem_lo)
        pay_hi = num_hi * (scale // rem_hi)
        pay_lo = num_lo * (scale // rem_lo)
        if scale != 1:
            b_lo = {k: b * scale for k, b in b_lo.items()}
            b_hi = b_lo if point else {k: b * scale for k, b in b_hi.items()}
        child: dict[int, int] = {}
        new = size["next"]
        for k, m in hist.items():
            child[k] = new
            size[new] = m
            b_lo[new] = max(0, b_lo[k] - pay_hi)
            if not point:
                b_hi[new] = max(0, b_hi[k] - pay_lo)
            if m == size[k]:  # the whole class moved
                del size[k], b_lo[k]
                if not point:
                    del b_hi[k]
            else:
                size[k] -= m
            new += 1
        size["next"] = new
        for t in self.members[j]:
            cls[t] = child[cls[t]]
        return d * scale, b_lo, b_hi


def _payment(hist: dict[int, int], budgets: dict[int, int], c: int) -> tuple[int, int]:
    """The payment q = num / rem (in budget units) with sum(min(budget, q)) == c over the supporters."""
    paid = 0
    rem = sum(hist.values())
    for b, m in sorted((budgets[k], m) for k, m in hist.items()):
        num = c - paid
        if b * rem >= num:
            return num, rem
        paid += b * m
        rem -= m
    raise AssertionError("payment asked of supporters who cannot afford the project")
