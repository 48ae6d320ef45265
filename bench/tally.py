"""Speed benchmark: our MES+Add1 tally against pabutools on one seeded 100,000-ballot instance.

    .venv/bin/python bench/tally.py                     # ours, then pabutools (pabutools takes hours)
    .venv/bin/python bench/tally.py --pabutools-record bench/.pabutools-tally.json   # the same, kept
    .venv/bin/python bench/tally.py --pabutools-from bench/.pabutools-tally.json     # ours against a kept run

pabutools needs one full MES run per tenge of Add1 (hundreds of runs at ~20-30 s each on this
instance), so its figure can be recorded once and reused; the record is keyed by the SHA-256 of the
instance and the pabutools version, and the winners are still compared. Ratios are of CPU seconds,
so `--pabutools-jobs 2` (rounds in parallel) or a busy machine do not move them. Not part of
`make test`.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import multiprocessing
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from budgeting.allocation import Project, greedy, mes_add1  # noqa: E402


def make_instance(seed: int, n_projects: int, n_voters: int) -> tuple[list[Project], list[frozenset[int]], int]:
    """Costs 100,000-5,000,000 ₸ (log-uniform), budget 30% of the total, ballots of 1-10 projects
    drawn with a Zipf-like popularity skew."""
    rng = random.Random(seed)
    costs = [round(int(100_000 * (50 ** rng.random())), -3) for _ in range(n_projects)]
    popularity = [1.0 / (rank + 1) ** 0.9 for rank in range(n_projects)]
    rng.shuffle(popularity)
    ids = list(range(1, n_projects + 1))
    ballots = []
    for _ in range(n_voters):
        size = rng.randint(1, 10)
        chosen: set[int] = set()
        while len(chosen) < size:
            chosen.add(rng.choices(ids, weights=popularity)[0])
        ballots.append(frozenset(chosen))
    budget = round(sum(costs) * 3 // 10, -3)
    projects = [Project(i, c, i) for i, c in zip(ids, costs)]
    return projects, ballots, budget


def instance_digest(projects: list[Project], ballots: list[frozenset[int]], budget: int) -> str:
    h = hashlib.sha256(f"{budget}\n".encode())
    for p in projects:
        h.update(f"{p.id};{p.cost};{p.submitted_order}\n".encode())
    for b in ballots:
        h.update((",".join(map(str, sorted(b))) + "\n").encode())
    return h.hexdigest()


class Timer:
    """Wall-clock and CPU seconds of a block. Ratios use CPU seconds of this one process: the
    machine has two cores and other work on the second one (or a paused run) does not move them."""

    def __enter__(self) -> Timer:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu


_PABU: dict = {}  # one worker process's pabutools instance, profile and tie order


def _pabu_setup(projects: list[Project], ballots: list[frozenset[int]], budget: int) -> None:
    from pabutools.election import ApprovalMultiProfile, Cost_Sat, FrozenApprovalBallot, Instance
    from pabutools.election import Project as PabuProject
    from pabutools.tiebreaking import TieBreakingRule

    votes = {str(p.id): sum(1 for b in ballots if p.id in b) for p in projects}
    order = {str(p.id): p.submitted_order for p in projects}
    pabu = {p.id: PabuProject(str(p.id), p.cost) for p in projects}
    profile = ApprovalMultiProfile(instance=Instance(pabu.values(), budget_limit=budget))  # identical ballots aggregated
    for b in ballots:
        profile.append(FrozenApprovalBallot([pabu[i] for i in b]))
    _PABU.update(
        # the satisfaction profile is built once per worker, as pabutools' own loop builds it once
        projects=list(pabu.values()), profile=profile, sat_profile=profile.as_sat_profile(sat_class=Cost_Sat), budget=budget, voters=len(ballots),
        # the published tie order: lower cost, then more votes, then earlier submission
        tie=TieBreakingRule(lambda inst, prof, p: (p.cost, -votes[p.name], order[p.name])),
        available=[p for p in pabu.values() if votes[p.name] > 0 and p.cost > 0],
    )


def _pabu_run(step: int) -> tuple[int, list[int], bool, bool, float]:
    """pabutools' own MES at a per-voter budget `step` tenge above the fair share (budget/voters)."""
    from pabutools.election import Instance
    from pabutools.rules import method_of_equal_shares

    budget, voters = _PABU["budget"], _PABU["voters"]
    instance = Instance(_PABU["projects"], budget_limit=budget + step * voters)
    with Timer() as timer:
        outcome = method_of_equal_shares(
            instance, _PABU["profile"], sat_profile=_PABU["sat_profile"], tie_breaking=_PABU["tie"]
        )
    funded = sorted(int(p.name) for p in outcome)
    spent = sum(p.cost for p in outcome)
    exhaustive = all(p in outcome or spent + p.cost > budget for p in _PABU["available"])
    return step, funded, spent <= budget, exhaustive, timer.cpu


def run_pabutools(projects: list[Project], ballots: list[frozenset[int]], budget: int, jobs: int) -> tuple[list[int], float]:
    """MES with Add1 completion by pabutools: its `method_of_equal_shares` at per-voter budgets of
    the fair share + 0, 1, 2, … tenge until an outcome is no longer feasible (then the previous one
    counts) or is exhaustive — the loop of pabutools' `voter_budget_increment=1`, driven here.

    pabutools' own loop keeps every round alive and was killed by the kernel at 24 GB on this
    instance; here each round is a fresh call (with the satisfaction profile built once, as in its
    loop; the per-voter objects are rebuilt each round, which its loop does once), `jobs` rounds run
    at once in worker processes (recycled every 20 rounds), and the CPU seconds of the rounds up to
    the stopping one are summed.
    """
    previous: list[int] = []
    cpu = 0.0
    with multiprocessing.Pool(jobs, initializer=_pabu_setup, initargs=(projects, ballots, budget),
                              maxtasksperchild=20) as pool:
        for step, funded, feasible, exhaustive, seconds in pool.imap(_pabu_run, itertools.count()):
            cpu += seconds
            if step % 10 == 0:
                print(f"  pabutools round {step}: {len(funded)} funded, {cpu:.0f} s CPU so far", flush=True)
            if not feasible:
                return previous, cpu
            if exhaustive:
                return funded, cpu
            previous = funded
    raise AssertionError("unreachable")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--projects", type=int, default=100)
    parser.add_argument("--voters", type=int, default=100_000)
    parser.add_argument("--pabutools-record", type=Path, help="also keep pabutools' result here for --pabutools-from")
    parser.add_argument("--pabutools-from", type=Path, help="reuse a recorded pabutools result")
    parser.add_argument("--no-pabutools", action="store_true", help="time ours only")
    parser.add_argument("--pabutools-jobs", type=int, default=1, help="pabutools rounds run at once (CPU time is summed)")
    args = parser.parse_args()

    projects, ballots, budget = make_instance(args.seed, args.projects, args.voters)
    digest = instance_digest(projects, ballots, budget)
    print(f"instance: {len(projects)} projects, {len(ballots)} ballots ({len(set(ballots))} distinct), "
          f"budget {budget:,} ₸, sha256 {digest[:16]}…")

    with Timer() as timer:
        ours = mes_add1(projects, ballots, budget)
    ours_seconds = timer.cpu
    with Timer() as greedy_timer:
        beside = greedy(projects, ballots, budget)
    print(f"ours MES+Add1: {timer.cpu:.2f} s CPU ({timer.wall:.2f} s wall), {len(ours.funded)} funded, "
          f"{ours.spent:,} ₸ spent, {ours.add1_steps} Add1 steps (share {float(ours.voter_share):.2f} ₸)")
    print(f"ours greedy (shown beside MES): {greedy_timer.cpu:.3f} s CPU, {len(beside.funded)} funded")

    if args.no_pabutools:
        return
    if args.pabutools_from:
        record = json.loads(args.pabutools_from.read_text())
        if record["instance"] != digest:
            sys.exit("the recorded pabutools run is for another instance")
        winners, pabu_seconds = record["winners"], record["seconds"]
        print(f"pabutools {record['pabutools']} MES+Add1 (recorded): {pabu_seconds:.1f} s CPU")
    else:
        import pabutools

        winners, pabu_seconds = run_pabutools(projects, ballots, budget, args.pabutools_jobs)
        print(f"pabutools MES+Add1: {pabu_seconds:.1f} s CPU, {len(winners)} funded")
        if args.pabutools_record:
            record = {"instance": digest, "pabutools": getattr(pabutools, "__version__", "?"),
                      "winners": winners, "seconds": pabu_seconds}
            args.pabutools_record.write_text(json.dumps(record) + "\n")
            print(f"recorded in {args.pabutools_record}")
    assert sorted(ours.funded) == winners, "winners differ from pabutools"
    print(f"identical winners ({len(winners)} funded); ours is {pabu_seconds / ours_seconds:.1f}x faster (CPU seconds)")


if __name__ == "__main__":
    main()
