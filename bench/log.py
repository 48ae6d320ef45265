"""The public log on PostgreSQL: how fast the integrator numbers entries, how fast proofs are at 1,000,000.

    .venv/bin/python bench/log.py                       # 200,000 entries for the rate, then up to 1,000,000
    .venv/bin/python bench/log.py --rate-entries 50000 --entries 200000 --proofs 100   # a quicker look

It works in a database of its own, `dauys_bench_log` on 127.0.0.1:5432 (`--url` for another; made
afresh each run and dropped at the end unless `--keep`), so the test databases are not disturbed.
Entries are made by `publiclog/entries.py:entry_values` (real canonical JSON, leaf hash, receipt and
commitment) and bulk-loaded pending with COPY, as if accepted by many signers at once; then
`publiclog/integrate.py:integrate_all` numbers them in batches of `--batch` and its time gives
the rate (entries/s). The log is then grown to `--entries` the same way (the second rate figure),
a head is signed, and `--proofs` random receipts are proven through `GET /api/v1/log/proof` (the
Flask test client: the view, its two queries and the JSON, no network) and as many random
`GET /api/v1/log/consistency?first=M&second=N` against the head; every proof is verified. Targets:
≥ 5,000 entries/s, each proof < 20 ms. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/dauys_bench_log"
TARGET_RATE, TARGET_PROOF_MS = 5000, 20.0


def _admin_url(url: str) -> tuple[str, str]:
    base, _, name = url.rpartition("/")
    return base + "/postgres", name


def fresh_database(url: str) -> None:
    admin, name = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    admin, name = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def receipt_of(n: int) -> str:
    return f"bench-receipt-{n}"


def load_pending(url: str, start: int, count: int) -> float:
    """COPY `count` pending entries numbered from `start` (for their receipts); returns the seconds taken."""
    from publiclog.entries import entry_values

    began = time.perf_counter()
    at = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy("COPY log_entry (entry, leaf_hash, receipt_hash, commitment) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["text", "bytea", "text", "text"])
            for n in range(start, start + count):
                kind = ("signature", "ballot", "act")[n % 3]
                values = entry_values(
                    kind, "petition" if kind == "signature" else "cycle", 1 + n % 50, at + timedelta(seconds=n // 100),
                    f"eyJhbGciOiJFUzI1NiJ9.bench{n}.sig", receipt_of(n) if kind != "act" else None,
                    {"signature": "petition.sign", "ballot": "ballot.cast", "act": "proposal.screen"}[kind],
                    "710000000" if kind == "signature" else None,
                )
                copy.write_row((values["entry"], values["leaf_hash"], values["receipt_hash"], values["commitment"]))
        conn.commit()
    return time.perf_counter() - began


def integrate_timed(batch: int) -> tuple[int, float]:
    from publiclog.integrate import integrate_all

    began = time.perf_counter()
    done = integrate_all(batch)
    return done, time.perf_counter() - began


def percentiles(ms: list[float]) -> str:
    ordered = sorted(ms)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered):.2f} ms, p99 {p99:.2f} ms, max {ordered[-1]:.2f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--rate-entries", type=int, default=200_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--proofs", type=int, default=500)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    os.environ["DAUYS_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="dauys-bench-log-")  # the log key's folder
    fresh_database(args.url)
    from flask_migrate import upgrade

    from factory import create_app

    app = create_app({"DATABASE_URL": args.url, "ENV": "test", "RATELIMIT_ENABLED": False, "REDIS_URL": None})
    failures = []
    with app.app_context():
        upgrade()
        from extensions import db
        from publiclog import merkle
        from publiclog.entries import receipt_hash
        from publiclog.integrate import sign_head

        loaded = load_pending(args.url, 0, args.rate_entries)
        done, seconds = integrate_timed(args.batch)
        rate = done / seconds
        print(f"loaded {args.rate_entries:,} pending entries by COPY in {loaded:.1f} s")
        print(f"integrated {done:,} entries in {seconds:.2f} s: {rate:,.0f} entries/s "
              f"(batches of {args.batch}; target ≥ {TARGET_RATE:,})")
        failures += [] if rate >= TARGET_RATE else [f"rate {rate:,.0f}/s"]

        rest = args.entries - args.rate_entries
        if rest > 0:
            loaded = load_pending(args.url, args.rate_entries, rest)
            done, seconds = integrate_timed(args.batch)
            print(f"grew the log to {args.entries:,}: {rest:,} loaded in {loaded:.1f} s, integrated in {seconds:.2f} s: "
                  f"{done / seconds:,.0f} entries/s")
        began = time.perf_counter()
        head = sign_head(datetime.now(UTC))
        print(f"signed the head of {head['tree_size']:,} in {(time.perf_counter() - began) * 1000:.1f} ms")
        size, root = head["tree_size"], bytes.fromhex(head["root_hash"])
        db.session.remove()

        client = app.test_client()
        rng = random.Random(2026)
        inclusion_ms, consistency_ms = [], []
        for _ in range(args.proofs):
            n = rng.randrange(size)
            while n % 3 == 2:  # acts carry no receipt
                n = rng.randrange(size)
            began = time.perf_counter()
            answer = client.get(f"/api/v1/log/proof?receipt={receipt_hash(receipt_of(n))}")
            inclusion_ms.append((time.perf_counter() - began) * 1000)
            proof = answer.get_json()
            leaf = merkle.leaf_hash(proof["entry"].encode("utf-8"))
            if not merkle.verify_inclusion(proof["index"], size, leaf, [bytes.fromhex(h) for h in proof["audit_path"]], root):
                failures.append(f"inclusion proof of entry {n} does not verify")
        firsts = [rng.randrange(1, size) for _ in range(args.proofs)]
        for first in firsts:
            began = time.perf_counter()
            answer = client.get(f"/api/v1/log/consistency?first={first}&second={size}")
            consistency_ms.append((time.perf_counter() - began) * 1000)
            if answer.status_code != 200:
                failures.append(f"consistency {first}→{size}: {answer.status_code}")
        # the older roots, from the stored tree, verified against the head's
        from publiclog import tree

        for first in firsts[:20]:
            proof = [bytes.fromhex(h) for h in client.get(
                f"/api/v1/log/consistency?first={first}&second={size}").get_json()["consistency"]]
            if not merkle.verify_consistency(first, size, tree.root(first), root, proof):
                failures.append(f"consistency proof {first}→{size} does not verify")
        db.session.remove()
        print(f"inclusion proofs at {size:,} entries ({args.proofs}, GET /log/proof): {percentiles(inclusion_ms)}")
        print(f"consistency proofs to {size:,} ({args.proofs}, GET /log/consistency): {percentiles(consistency_ms)}")
        worst = max(max(inclusion_ms), max(consistency_ms))
        failures += [] if worst < TARGET_PROOF_MS else [f"slowest proof {worst:.1f} ms"]
        db.engine.dispose()
    if not args.keep:
        drop_database(args.url)
    print("targets met" if not failures else "NOT MET: " + "; ".join(failures))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
