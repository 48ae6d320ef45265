"""`make bench-growth`: does signing, the count and the public pages cost the same in a country with a history?

    .venv/bin/python bench/growth.py [--signatures 20000] [--history 5000000] [--petitions 10000]

Two databases are copied from `make bench`'s template of citizens (bench/signing.py, BENCH_DB):

- `<BENCH_DB>` ("empty"): the template as it is, the demo's handful of petitions and no history;
- `<BENCH_DB>_history` ("history"): the same, plus `--petitions` public petitions of past years and
  `--history` signatures of them (a Zipf spread: a few petitions of hundreds of thousands, most of a
  few hundred), written by INSERT … SELECT generate_series in PostgreSQL with everything the
  application reads of them kept consistent: each petition's 16 counter shards sum to its signature
  rows, every signature has its public-log entry (the canonical JSON the log hashes, its leaf hash,
  its receipt and commitment hashes), the entries are integrated (`idx`), every perfect subtree of
  the tree is stored (log_node, computed level by level in SQL with sha256()) and log_state carries
  the size, so the integrator extends the real tree and signs true heads. Then VACUUM ANALYZE.

Signing is measured as `make bench` measures it (gunicorn wsgi:app, a `python -m workers` process,
bench/loadgen.py, the books checked after each round), in rounds that alternate empty, history,
history, empty (ABBA, so a drift of the machine's speed, or another process on it, falls on both
alike); each round opens a petition of its own and the same citizens sign it. The figure is
accepted signatures per second, summed over each database's rounds.

Then the count and the public pages, in process through the Flask test client with the process
caches emptied before every request (what a request costs the database, not what the one-second
cache saves): p50 and p99 of each, on both databases. Then EXPLAIN (ANALYZE, BUFFERS) of the
signing write and of the look-ups on the hot path, on both, written to build/bench/growth-plans.txt
with a check that no plan reads the signature or log table by a sequential scan.

The history database is kept between runs (a stamp says with what it was filled); `--refill` makes
it again. Results: build/bench/growth.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
import signing as bench  # noqa: E402  (bench/signing.py: the template, the stack, the petition, the books)

ROOT, OUT, PG = bench.ROOT, bench.OUT, bench.PG
EMPTY = bench.DB
HISTORY = f"{bench.DB}_history"
STAMP = OUT / "growth-history.json"
log = bench.log


# --- the history ------------------------------------------------------------------------------------

STATES = (  # what became of the petitions of past years, and how many of them
    ("closed", 0.50), ("answered", 0.30), ("lapsed", 0.10), ("rejected", 0.05), ("open", 0.04), ("under_review", 0.01),
)


def fill_history(url: str, petitions: int, signatures: int) -> dict:
    """`petitions` past petitions and `signatures` signatures of them, with counters and the public log."""
    started = time.perf_counter()
    with closing(psycopg.connect(url, autocommit=True)) as conn:
        q = conn.execute
        q("SET maintenance_work_mem = '1GB'")
        q("SET synchronous_commit = off")
        authors = [r[0] for r in q("SELECT iin FROM person ORDER BY iin LIMIT 2000").fetchall()]
        regions = [r[0] for r in q("SELECT kato FROM territory WHERE level = 'region' ORDER BY kato").fetchall()]
        cities = [r[0] for r in q("SELECT kato FROM territory WHERE level = 'city' ORDER BY kato").fetchall()]
        first_petition = q("SELECT coalesce(max(id), 0) + 1 FROM petition").fetchone()[0]
        # the plan: one row per petition, its state, body, dates and how many signed it (Zipf, s = 1.1)
        q("DROP TABLE IF EXISTS growth_plan")
        q("""CREATE UNLOGGED TABLE growth_plan (n int, id int, state text, addressee text, territory text,
             published timestamptz, signatures int)""")
        rng = random.Random(16)
        weights = [1 / (rank ** 1.1) for rank in range(1, petitions + 1)]
        rng.shuffle(weights)
        states = rng.choices([s for s, _ in STATES], [w for _, w in STATES], k=petitions)
        signing = [w if s not in ("rejected", "lapsed") else 0 for w, s in zip(weights, states, strict=True)]
        scale = signatures / sum(signing)
        counts = [round(w * scale) for w in signing]
        for i, s in enumerate(states):
            if s == "lapsed":
                counts[i] = rng.randrange(0, 50)  # a lapsed petition did not find its 50 first supporters
        counts[max(range(petitions), key=lambda i: counts[i])] += signatures - sum(counts)  # exactly `signatures`
        now = datetime.now(UTC)
        with conn.cursor().copy("COPY growth_plan FROM STDIN") as copy:
            for i in range(petitions):
                kind = rng.random()
                addressee, territory = (("government", None) if kind < 0.4 else
                                        ("region_akimat", rng.choice(regions)) if kind < 0.7 else
                                        ("region_maslikhat", rng.choice(regions)) if kind < 0.8 else
                                        ("city_akimat", rng.choice(cities or regions)))
                published = now - timedelta(days=30 + (petitions - i) * 3650 / petitions)  # ten years, oldest first
                copy.write_row((i, first_petition + i, states[i], addressee, territory, published, counts[i]))
        log(f"history: {petitions:,} petitions planned, {sum(counts):,} signatures "
            f"(the largest {max(counts):,}, median {sorted(counts)[petitions // 2]:,})")

        q("ALTER TABLE petition DISABLE TRIGGER USER")
        q("""
            INSERT INTO petition (id, author_iin, title, title_key, body, language, addressee, territory, state,
                threshold, digest, created_at, submitted_at, moderation_due_on, moderated_at, rejection_reason,
                approved_at, restricted_until, published_at, collection_ends_at, lapsed_at, closed_at,
                threshold_reached_at, review_due_on, answer_decision, answer_text, answer_official, answered_at,
                rating_closes_on)
            SELECT p.id, (%(authors)s::text[])[1 + p.n %% cardinality(%(authors)s::text[])],
                'Өтініш №' || p.n || ': ауыл жолын жөндеу', md5('growth' || p.n), repeat('Ауыл жолын жөндеу керек. ', 20),
                CASE WHEN p.n %% 3 = 0 THEN 'ru' ELSE 'kk' END, p.addressee, p.territory, p.state,
                CASE WHEN p.addressee = 'government' THEN 50000 ELSE 1000 END,
                'sha256:' || encode(sha256(('petition' || p.n)::bytea), 'hex'),
                p.published - interval '20 days', p.published - interval '19 days',
                (p.published - interval '10 days')::date, p.published - interval '12 days',
                CASE WHEN p.state = 'rejected' THEN 'duplicate' END,
                CASE WHEN p.state <> 'rejected' THEN p.published - interval '12 days' END,
                CASE WHEN p.state <> 'rejected' THEN (p.published - interval '1 day')::date END,
                CASE WHEN p.state NOT IN ('rejected', 'lapsed') THEN p.published END,
                CASE WHEN p.state NOT IN ('rejected', 'lapsed') THEN
                    CASE WHEN p.state = 'open' THEN %(now)s + interval '60 days' ELSE p.published + interval '180 days' END
                END,
                CASE WHEN p.state = 'lapsed' THEN p.published END,
                CASE WHEN p.state = 'closed' THEN p.published + interval '180 days' END,
                CASE WHEN p.state IN ('answered', 'under_review') THEN p.published + interval '40 days' END,
                CASE WHEN p.state IN ('answered', 'under_review') THEN
                    CASE WHEN p.state = 'under_review' THEN (%(now)s + interval '20 days')::date
                    ELSE (p.published + interval '80 days')::date END
                END,
                CASE WHEN p.state = 'answered' THEN (ARRAY['supported','partly_supported','not_supported'])[1 + p.n %% 3] END,
                CASE WHEN p.state = 'answered' THEN 'Жауап: жол 2027 жылы жөнделеді.' END,
                CASE WHEN p.state = 'answered' THEN 'Министр Бенчмарков Б.' END,
                CASE WHEN p.state = 'answered' THEN p.published + interval '70 days' END,
                CASE WHEN p.state = 'answered' THEN (p.published + interval '100 days')::date END
            FROM growth_plan p ORDER BY p.n
        """, {"authors": authors, "now": now})
        q("ALTER TABLE petition ENABLE TRIGGER USER")
        q("SELECT setval(pg_get_serial_sequence('petition', 'id'), (SELECT max(id) FROM petition))")
        q("""INSERT INTO petition_counter (petition_id, shard, count)
             SELECT p.id, s, p.signatures / 16 + CASE WHEN s < p.signatures % 16 THEN 1 ELSE 0 END
             FROM growth_plan p CROSS JOIN generate_series(0, 15) s""")
        log(f"history: petitions and counters written ({time.perf_counter() - started:.0f} s)")

        # the signatures: indexes dropped while they are written, made again after (sorted, not one by one)
        kept = _drop_indexes(conn, ("signature", "log_entry"))
        # what the retention job (petitions/retention.py) has done to a petition finished more than
        # SIGNATURE_RETENTION_MONTHS ago: its signatures anonymised, as the job's one UPDATE leaves them
        q("""UPDATE petition SET signatures_anonymised_at = %(now)s
             WHERE id >= %(first)s AND coalesce(closed_at, answered_at, lapsed_at) < %(cutoff)s""",
          {"now": now, "first": first_petition, "cutoff": now - timedelta(days=30 * retention_months())})
        q("""
            INSERT INTO signature (id, petition_id, signer_hash, display_name, region, signed_at, receipt, jws, user_id,
                                   notify)
            SELECT s.id, s.petition_id,
                CASE WHEN s.anonymised THEN 'anonymised:' || s.id ELSE s.signer_hash END,
                CASE WHEN s.anonymised THEN '' ELSE s.display_name END,
                s.region, s.signed_at, s.receipt, CASE WHEN s.anonymised THEN NULL ELSE s.jws END, NULL,
                s.notify AND NOT s.anonymised
            FROM (
                SELECT nextval(pg_get_serial_sequence('signature', 'id')) AS id, p.id AS petition_id,
                    x.signatures_anonymised_at IS NOT NULL AS anonymised,
                    encode(sha256(('signer' || p.id || ':' || g)::bytea), 'hex') AS signer_hash,
                    (ARRAY['Айгүл','Ерлан','Асель','Нұрлан','Дана','Мақсат','Жанар','Бауыржан'])[1 + g %% 8] || ' '
                        || (ARRAY['А','Б','Ж','К','М','Н','С','Т'])[1 + (g / 8) %% 8] || '.' AS display_name,
                    (%(regions)s::text[])[1 + (abs(hashint4(g + p.id)) %% cardinality(%(regions)s::text[]))] AS region,
                    least(p.published + interval '180 days' * power(g::float8 / (p.signatures + 1), 2),
                          %(now)s - interval '1 hour' * power(1 - g::float8 / (p.signatures + 1), 2)) AS signed_at,
                    translate(substr(encode(sha256(('receipt' || p.id || ':' || g)::bytea), 'base64'), 1, 24),
                              '+/', '-_') AS receipt,
                    'eyJhbGciOiJFUzI1NiJ9.' || repeat('A', 280) AS jws, g %% 100 = 0 AS notify
                FROM growth_plan p JOIN petition x ON x.id = p.id CROSS JOIN LATERAL generate_series(1, p.signatures) g
            ) s
        """, {"regions": regions, "now": now})
        log(f"history: signatures written ({time.perf_counter() - started:.0f} s)")

        # their public-log entries, numbered after the integrated tree, in the order of the signatures
        size = q("SELECT coalesce(max(tree_size), 0) FROM log_state").fetchone()[0]
        pending = q("SELECT count(*) FROM log_entry WHERE idx IS NULL").fetchone()[0]
        if pending:
            sys.exit(f"{pending} log entries of the template are not integrated: run `flask log integrate` on it")
        q("""
            INSERT INTO log_entry (idx, entry, leaf_hash, receipt_hash, commitment)
            SELECT idx, entry, sha256('\\x00'::bytea || convert_to(entry, 'UTF8')), receipt_hash, commitment
            FROM (
                SELECT %(size)s + row_number() OVER (ORDER BY s.id) - 1 AS idx,
                    '{"at":"' || to_char(s.signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                    || '","commitment":"' || c.commitment || '","kind":"signature","purpose":"petition.sign","receipt":"'
                    || c.receipt_hash || '","region":"' || s.region || '","subject":{"id":' || s.petition_id
                    || ',"type":"petition"}}' AS entry, c.receipt_hash, c.commitment
                FROM signature s
                CROSS JOIN LATERAL (SELECT 'sha256:' || encode(sha256(convert_to(s.receipt, 'UTF8')), 'hex') AS receipt_hash,
                                           'sha256:' || encode(sha256(('jws' || s.id)::bytea), 'hex') AS commitment) c
                WHERE s.petition_id >= %(first)s
            ) e
        """, {"size": size, "first": first_petition})
        log(f"history: log entries written ({time.perf_counter() - started:.0f} s)")
        _make_indexes(conn, kept)
        log(f"history: indexes made again ({time.perf_counter() - started:.0f} s)")

        # every perfect subtree of the whole tree, level by level (the leaves' are the entries' leaf_hash)
        total = q("SELECT count(*) FROM log_entry WHERE idx IS NOT NULL").fetchone()[0]
        q("DELETE FROM log_node")
        q("""INSERT INTO log_node (level, idx, hash)
             SELECT 1, a.idx / 2, sha256('\\x01'::bytea || a.leaf_hash || b.leaf_hash)
             FROM log_entry a JOIN log_entry b ON b.idx = a.idx + 1 WHERE a.idx % 2 = 0""")
        level = 1
        while total >> (level + 1):
            q("""INSERT INTO log_node (level, idx, hash)
                 SELECT %(up)s, a.idx / 2, sha256('\\x01'::bytea || a.hash || b.hash)
                 FROM log_node a JOIN log_node b ON b.level = a.level AND b.idx = a.idx + 1
                 WHERE a.level = %(level)s AND a.idx %% 2 = 0""", {"up": level + 1, "level": level})
            level += 1
        q("UPDATE log_state SET tree_size = %s", (total,))
        log(f"history: the tree of {total:,} entries stored, {level} levels ({time.perf_counter() - started:.0f} s)")
        q("DROP TABLE growth_plan")
        q("VACUUM ANALYZE")
        q("CHECKPOINT")
    seconds = time.perf_counter() - started
    log(f"history: filled and vacuumed in {seconds:.0f} s")
    return {"petitions": petitions, "signatures": signatures, "largest": max(counts), "seconds": round(seconds)}


def retention_months() -> int:
    sys.path.insert(0, str(ROOT))
    import config

    return int(os.environ.get("DAUYS_SIGNATURE_RETENTION_MONTHS", config.DEFAULTS["SIGNATURE_RETENTION_MONTHS"]))


def _drop_indexes(conn: psycopg.Connection, tables: tuple[str, ...]) -> list[str]:
    """Drop the indexes (and unique constraints) of `tables` but their primary keys; return the DDL
    that makes them again."""
    again = []
    for table in tables:
        for name, ddl in conn.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'u'",
            (table,)).fetchall():
            conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
            again.append(f"ALTER TABLE {table} ADD CONSTRAINT {name} {ddl}")
        for name, ddl in conn.execute(
            "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary", (table,)).fetchall():
            conn.execute(f"DROP INDEX {name}")
            again.append(ddl)
    return again


def _make_indexes(conn: psycopg.Connection, ddl: list[str]) -> None:
    for statement in ddl:
        conn.execute(statement)


def history_database(args: argparse.Namespace) -> dict:
    """The history database, filled now or kept from a run with the same figures and template."""
    wanted = {"petitions": args.petitions, "signatures": args.history, "template": bench.seed_fingerprint()}
    kept = json.loads(STAMP.read_text()) if STAMP.exists() else {}
    with closing(psycopg.connect(f"{PG}/postgres", autocommit=True)) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (HISTORY,)).fetchone()
    if exists and not args.refill and {k: kept.get(k) for k in wanted} == wanted:
        log(f"reusing {HISTORY} ({args.history:,} signatures of {args.petitions:,} petitions)")
        bench.run([*bench.FLASK, "db", "upgrade"], {**bench.env(0), "DAUYS_DATABASE_URL": f"{PG}/{HISTORY}"})
        return kept
    bench.admin_sql(f"DROP DATABASE IF EXISTS {HISTORY} WITH (FORCE)", f"CREATE DATABASE {HISTORY} TEMPLATE {bench.TEMPLATE}")
    bench.run([*bench.FLASK, "log", "integrate"], {**bench.env(0), "DAUYS_DATABASE_URL": f"{PG}/{HISTORY}"})
    filled = {**wanted, **fill_history(f"{PG}/{HISTORY}", args.petitions, args.history)}
    STAMP.write_text(json.dumps(filled) + "\n")
    return filled


def database_figures(database: str) -> dict:
    with closing(psycopg.connect(f"{PG}/{database}", autocommit=True)) as conn:
        q = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "petitions": q("SELECT count(*) FROM petition"),
            "signatures": q("SELECT count(*) FROM signature"),
            "log_entries": q("SELECT count(*) FROM log_entry"),
            "signature_table": q("SELECT pg_size_pretty(pg_total_relation_size('signature'))"),
            "log_table": q("SELECT pg_size_pretty(pg_total_relation_size('log_entry'))"),
        }


# --- signing, in rounds ----------------------------------------------------------------------------


def open_petition(api, environ: dict[str, str], round_number: int) -> dict:
    """bench/signing.py's petition (author, moderator, a Government reviewer), with officials of this
    round's own (a database signs in two rounds, and a person is added to the registry once)."""
    with closing(psycopg.connect(f"{PG}/{bench.DB}", autocommit=True)) as conn:  # officials of earlier rounds and runs
        first = 1 + conn.execute("SELECT coalesce(max(substr(given_name, 6)::int), 0) FROM person "
                                 "WHERE surname = 'Бенчмарков' AND given_name ~ '^Сынақ[0-9]+$'").fetchone()[0]
    if first + 2 > 28:
        sys.exit(f"{bench.DB} holds the officials of too many rounds: `make bench-growth BENCH_ARGS=--refill`")
    author = bench.Official(api, environ, None, None, first)
    moderator = bench.Official(api, environ, "moderator", None, first + 1)
    bench.Official(api, environ, "reviewer", "government", first + 2)
    return bench.submitted_and_approved(author, moderator, f"Ауыл мектептеріне тегін ыстық тамақ ({round_number + 1})")


# The bodies are signed before a round starts, and on a machine shared with other work a round can
# outlast EDS_MAX_CLOCK_SKEW_SECONDS' five minutes: its last signatures would be refused as stale (a
# cheap refusal, which would flatter the rate). The bench's stack allows an hour.
SKEW = {"DAUYS_EDS_MAX_CLOCK_SKEW_SECONDS": "3600"}


def signing_round(database: str, citizens: Path, count: int, connections: int, round_number: int) -> dict:
    """One `make bench` signing run on `database`: a new petition, `count` citizens sign it once each."""
    bench.DB = database  # bench.env and bench.books read it
    redis.Redis.from_url(bench.REDIS_URL).flushdb()
    port = bench.free_port()
    stack = bench.Stack()
    try:
        environ = {**bench.env(port), **SKEW}
        web = stack.start([bench.GUNICORN, "wsgi:app"], environ, "growth-web")
        stack.start([str(ROOT / ".venv/bin/python"), "-m", "workers"], environ, "growth-workers")
        base = f"http://127.0.0.1:{port}"
        bench.wait_http(base + "/api/v1/petitions")
        api = bench.Api(base)
        petition = open_petition(api, environ, round_number)
        bodies = bench.presign(citizens, petition, count, api.issuing_ca())
        for _ in range(200):  # every worker loaded and connected before the clock starts
            api.call("GET", f"/petitions/{petition['id']}")
        pids = bench.worker_pids(web.pid)
        backends = bench.postgres_pids()
        web_cpu, db_cpu = bench.cpu_seconds(pids), bench.cpu_seconds(backends)
        signed = bench.load(f"{base}/api/v1/petitions/{petition['id']}/signatures", connections, bodies)
        signed["web_cpu_ms_per_request"] = (bench.cpu_seconds(pids) - web_cpu) * 1000 / signed["requests"]
        signed["db_cpu_ms_per_request"] = (bench.cpu_seconds([p for p in backends if Path(f"/proc/{p}").exists()])
                                           - db_cpu) * 1000 / signed["requests"]
        accepted = signed["statuses"].get("201", 0)
        signed["accepted"] = accepted
        signed["accepted_per_s"] = accepted / signed["seconds"]
        signed["petition_id"] = petition["id"]
        signed["books"] = books = bench.books(petition["id"], accepted, threshold_wait=0)
        # make bench's books: every accepted signature is one row, counted once, with its log entry
        signed["balanced"] = (books["signature_rows"] == books["counter"] == accepted
                              and books["duplicates"] == 0 and books["log_entries"] == accepted)
        log(f"  {database}: {signed['accepted_per_s']:,.0f} accepted/s, p50 {signed['p50_ms']:.1f} ms, "
            f"p99 {signed['p99_ms']:.1f} ms, statuses {signed['statuses']}, "
            f"books {'balance' if signed['balanced'] else 'DO NOT BALANCE'} {json.dumps(books, default=str)}")
        return signed
    finally:
        stack.stop_all()


# --- the count and the public pages ----------------------------------------------------------------


def page_paths(database: str) -> dict[str, str]:
    """The public pages and reads, with a typical petition's and the largest one's id, a receipt, a
    log range and a proof of this database."""
    with closing(psycopg.connect(f"{PG}/{database}", autocommit=True)) as conn:
        q = lambda sql: conn.execute(sql).fetchone()  # noqa: E731
        largest = q("SELECT petition_id FROM petition_counter GROUP BY petition_id ORDER BY sum(count) DESC LIMIT 1")[0]
        typical = q("SELECT petition_id FROM (SELECT petition_id, sum(count) n FROM petition_counter GROUP BY petition_id) t "
                    "JOIN petition p ON p.id = t.petition_id WHERE p.state IN ('open','closed','answered','under_review') "
                    "ORDER BY n, petition_id OFFSET (SELECT count(*) / 2 FROM petition) / 2 LIMIT 1")
        typical = typical[0] if typical else largest
        receipt = q("SELECT receipt_hash FROM log_entry WHERE idx IS NOT NULL AND receipt_hash IS NOT NULL ORDER BY idx DESC LIMIT 1")
        size = q("SELECT coalesce(max(tree_size), 0) FROM log_head")[0]
        pages = q("SELECT count(*) FROM petition WHERE state IN ('open','under_review','answered','closed')")[0] // 20 + 1
        budget = q("SELECT min(id) FROM budget_cycle")[0] if q("SELECT to_regclass('budget_cycle')")[0] else None
    paths = {
        "home /": "/",
        "petition list /petitions": "/petitions",
        "petition list, last page": f"/petitions?page={pages}",
        "petition list, search": "/petitions?q=%D0%B6%D0%BE%D0%BB",
        "petition page (typical)": f"/petitions/{typical}",
        "petition page (largest)": f"/petitions/{largest}",
        "statistics /statistics": "/statistics",
        "open data /open-data": "/open-data",
        "verify a receipt /verify": f"/verify?receipt={receipt[0]}" if receipt else "/verify",
        "budgets /budget": "/budget",
        "API count (typical)": f"/api/v1/petitions/{typical}/count",
        "API count (largest)": f"/api/v1/petitions/{largest}/count",
        "API petition list": "/api/v1/petitions",
        "API petition (largest)": f"/api/v1/petitions/{largest}",
        "API breakdown (largest)": f"/api/v1/petitions/{largest}/signatures",
        "API statistics/bodies": "/api/v1/statistics/bodies",
        "API log head": "/api/v1/log/head",
        "API log entries (last 100)": f"/api/v1/log/entries?start={max(0, size - 100)}&end={size}",
        "API log proof": f"/api/v1/log/proof?receipt={receipt[0]}" if receipt else "/api/v1/log/head",
        "API log consistency": f"/api/v1/log/consistency?first={size // 3}&second={size}",
        # the open data's downloads: whole datasets, read every time (HEAVY: a few requests only)
        "export petitions.csv": "/api/v1/exports/petitions.csv",
        "export signatures-by-region.csv": "/api/v1/exports/signatures-by-region.csv",
        "export bodies.csv": "/api/v1/exports/bodies.csv",
    }
    if budget:
        paths["budget page"] = f"/budget/{budget}"
    return paths


def measure_pages(database: str, paths: dict[str, str], repeat: int) -> dict[str, dict]:
    """Each path `repeat` times (after 3 that warm it up) in a fresh process of its own: the
    milliseconds of each request and the last status and size."""
    done = subprocess.run(
        [sys.executable, __file__, "--measure-pages", database, "--repeat", str(repeat)],
        input=json.dumps(paths), capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    if done.returncode:
        sys.exit(f"measuring the pages of {database} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def _measure_pages_here(database: str, paths: dict[str, str], repeat: int) -> dict[str, dict]:
    os.environ.setdefault("DAUYS_INSTANCE_PATH", str(OUT / "instance"))
    sys.path.insert(0, str(ROOT))
    from factory import create_app

    app = create_app({"DATABASE_URL": f"{PG}/{database}", "SECRET_KEY": bench.SECRET_KEY, "REDIS_URL": None,
                      "RATELIMIT_ENABLED": False, "ENV": "production", "INPROCESS_CLOCK": False})
    client = app.test_client()
    figures = {}
    for label, path in paths.items():
        times, response = [], None
        heavy = label.startswith("export ")
        for i in range(min(repeat, 2) + 1 if heavy else repeat + 3):
            for name in ("dauys_counts", "dauys_signing_facts"):  # what a request costs, not what the cache saves
                app.extensions.pop(name, None)
            started = time.perf_counter()
            response = client.get(path, headers={"Accept-Language": "kk"})
            elapsed = (time.perf_counter() - started) * 1000
            if i >= (1 if heavy else 3):  # the first ones warm the templates and the connection pool
                times.append(elapsed)
        figures[label] = {"path": path, "status": response.status_code, "bytes": len(response.data), "ms": times}
    return figures


def page_figures(runs: list[dict[str, dict]]) -> dict[str, dict]:
    """p50 and p99 of each page over the runs of one database."""
    figures = {}
    for label in runs[0]:
        times = sorted(t for run in runs for t in run[label]["ms"])
        last = runs[-1][label]
        figures[label] = {"path": last["path"], "status": last["status"], "bytes": last["bytes"],
                          "p50_ms": statistics.median(times), "p99_ms": times[min(len(times) - 1, int(len(times) * 0.99))]}
    return figures


# --- the plans -------------------------------------------------------------------------------------


def plans(database: str, petition_id: int) -> list[tuple[str, str]]:
    """EXPLAIN (ANALYZE, BUFFERS) of the signing write (rolled back) and the hot look-ups, as the
    application sends them (compiled from its own statements)."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import text
    from sqlalchemy.dialects import postgresql

    from factory import create_app
    from petitions import counter, queries, signature_sql, signing_facts
    from petitions.models import Signature
    from publiclog import entries, tree

    app = create_app({"DATABASE_URL": f"{PG}/{database}", "SECRET_KEY": bench.SECRET_KEY, "REDIS_URL": None,
                      "RATELIMIT_ENABLED": False, "ENV": "production", "INPROCESS_CLOCK": False})
    out = []
    with app.app_context():
        from auth import eds
        from extensions import db

        connection = db.session.connection()
        state, iin, receipt_hash = connection.execute(text(
            "SELECT state, (SELECT iin FROM person ORDER BY iin DESC LIMIT 1), "
            "(SELECT receipt_hash FROM log_entry WHERE receipt_hash IS NOT NULL ORDER BY id LIMIT 1) "
            "FROM petition WHERE id = :id"), {"id": petition_id}).one()
        now = datetime.now(UTC)
        jws = "eyJhbGciOiJFUzI1NiJ9." + secrets.token_urlsafe(300)
        receipt = secrets.token_urlsafe(18)
        values = {"petition_id": petition_id, "signer_hash": secrets.token_hex(32), "display_name": "Сынақ Б.",
                  "region": "710000000", "signed_at": now, "receipt": receipt, "jws": jws, "user_id": None,
                  "notify": False}
        entry = entries.entry_values("signature", "petition", petition_id, now, jws, receipt, "petition.sign", "710000000")
        write = signature_sql.statements(Signature.__table__, connection.dialect)
        params = {**write.absent, **values, "state": state, "shard": 3,
                  **{signature_sql.LOG_PREFIX + k: v for k, v in entry.items()}}

        def explain(label: str, statement, bound: dict | None = None) -> None:
            if bound is None:  # a Core select: its binds as literals
                sql = str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
                rows = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql.replace("%", "%%")).all()
            else:
                rows = connection.execute(text("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement.text)
                                          .bindparams(*statement._bindparams.values()), bound).all()
            out.append((label, "\n".join(r[0] for r in rows)))

        # each EXPLAIN ANALYZE twice, the second one kept: the plan warm, as the hot path meets it
        for _ in range(2):
            out.clear()
            transaction = connection.begin_nested() if connection.in_transaction() else connection.begin()
            explain("signing write (INSERT signature + shard + log entry, one statement)", write.insert, params)
            transaction.rollback()
            explain("signing facts (signing_facts._FACTS)", signing_facts._FACTS.params(b_id=petition_id))
            explain("signer look-up with 'signed before' (eds._signer_query)",
                    eds._signer_query(signature_sql.SIGNED_BEFORE).params(
                        b_iin=iin, b_serial="00", b_signed_petition=petition_id, b_signer_hash="0" * 64))
            explain("already signed (signature_sql.ALREADY_SIGNED)",
                    signature_sql.ALREADY_SIGNED.params(petition_id=petition_id, signer_hash="0" * 64))
            explain("count, threshold, state (counter._TALLY: the count endpoint)", counter._TALLY.params(b_id=petition_id))
            explain("recent signers (the petition page)", _recent_signers(queries, petition_id))
            explain("public list, first page (the petition list)", _public_list_page())
            explain("log entry by receipt (verify, proof)", tree._ENTRY_WITH["receipt_hash"].params(value=receipt_hash or "x"))
        db.session.rollback()
        db.engine.dispose()
    return out


def _recent_signers(queries, petition_id: int):
    from sqlalchemy import select

    from petitions.models import Signature

    return (select(Signature.display_name, Signature.signed_at)
            .where(Signature.petition_id == petition_id, Signature.display_name != "")
            .order_by(Signature.signed_at.desc()).limit(20))


def _public_list_page():
    from sqlalchemy import select

    from petitions.models import Petition
    from petitions.queries import PAGE_SIZE, PUBLIC_STATES

    return (select(Petition.id).where(Petition.state.in_(PUBLIC_STATES))
            .order_by(Petition.published_at.desc(), Petition.id.desc()).limit(PAGE_SIZE))


SEQ_SCANS_FORBIDDEN = re.compile(r"Seq Scan on (signature|log_entry|petition_counter|log_node|petition)\b")


# --- the run ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--signatures", type=int, default=20_000, help="signatures per database, over its two rounds")
    parser.add_argument("--history", type=int, default=5_000_000, help="signatures already in the history database")
    parser.add_argument("--petitions", type=int, default=10_000, help="petitions of the history database")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=60, help="requests per page and database")
    parser.add_argument("--refill", action="store_true", help="fill the history database again")
    parser.add_argument("--skip-signing", action="store_true", help="only the pages and the plans")
    parser.add_argument("--skip-pages", action="store_true", help="only signing and the plans")
    parser.add_argument("--rounds", type=int, default=1, help="ABBA cycles of signing rounds (each 2 rounds a database)")
    parser.add_argument("--measure-pages", metavar="DATABASE", help=argparse.SUPPRESS)  # one run of measure_pages
    args = parser.parse_args()
    if args.measure_pages:
        json.dump(_measure_pages_here(args.measure_pages, json.load(sys.stdin), args.repeat), sys.stdout)
        return
    OUT.mkdir(parents=True, exist_ok=True)
    half = args.signatures // (2 * args.rounds)

    citizens = bench.make_template(half, False)
    report: dict = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "cpus": os.cpu_count(),
                    "signatures_per_database": 2 * half * args.rounds, "connections": args.connections}
    report["history"] = history_database(args)
    bench.admin_sql(f"DROP DATABASE IF EXISTS {EMPTY} WITH (FORCE)", f"CREATE DATABASE {EMPTY} TEMPLATE {bench.TEMPLATE}")
    bench.run([*bench.FLASK, "log", "integrate"], {**bench.env(0), "DAUYS_DATABASE_URL": f"{PG}/{EMPTY}"})
    report["databases"] = {"empty": database_figures(EMPTY), "history": database_figures(HISTORY)}
    log(f"databases: {json.dumps(report['databases'])}")

    names = {"empty": EMPTY, "history": HISTORY}
    if not args.skip_signing:
        rounds = []
        for which in ("empty", "history", "history", "empty") * args.rounds:  # ABBA
            log(f"signing round {len(rounds) + 1}: {half:,} signatures on the {which} database")
            rounds.append((which, signing_round(names[which], citizens, half, args.connections, len(rounds))))
        report["rounds"] = [{"database": w, **{k: r[k] for k in ("accepted", "seconds", "accepted_per_s", "p50_ms",
                                                                   "p99_ms", "web_cpu_ms_per_request",
                                                                   "db_cpu_ms_per_request", "balanced", "statuses",
                                                                   "books")}}
                            for w, r in rounds]
        for which in names:
            mine = [r for w, r in rounds if w == which]
            report[f"sign_{which}"] = {
                "accepted_per_s": sum(r["accepted"] for r in mine) / sum(r["seconds"] for r in mine),
                "p50_ms": statistics.mean(r["p50_ms"] for r in mine),
                "p99_ms": statistics.mean(r["p99_ms"] for r in mine),
                "db_cpu_ms_per_request": statistics.mean(r["db_cpu_ms_per_request"] for r in mine),
                "balanced": all(r["balanced"] for r in mine),
            }
        report["sign_ratio_history_to_empty"] = (report["sign_history"]["accepted_per_s"]
                                                 / report["sign_empty"]["accepted_per_s"])
        bench.DB = EMPTY

    runs: dict[str, list] = {which: [] for which in names}
    paths = {which: page_paths(database) for which, database in names.items()}
    for which in ("empty", "history", "history", "empty") if not args.skip_pages else ():  # ABBA, fresh processes
        log(f"pages on the {which} database")
        runs[which].append(measure_pages(names[which], paths[which], max(1, args.repeat // 2)))
    report["pages"] = {which: page_figures(runs[which]) for which in names} if not args.skip_pages else {}

    plan_text, seq_scans = [], []
    for which, database in names.items():
        with closing(psycopg.connect(f"{PG}/{database}", autocommit=True)) as conn:
            open_id = conn.execute("SELECT max(id) FROM petition WHERE state IN ('restricted', 'open')").fetchone()[0]
        for label, plan in plans(database, open_id):
            plan_text.append(f"=== {which} database ({report['databases'][which]['signatures']:,} signatures): {label}\n{plan}\n")
            # the empty database's tables are a page or two, which PostgreSQL rightly reads whole
            seq_scans += [f"{which}: {label}"] if which == "history" and SEQ_SCANS_FORBIDDEN.search(plan) else []
    (OUT / "growth-plans.txt").write_text("\n".join(plan_text))
    report["plans_with_seq_scan"] = seq_scans
    (OUT / "growth.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    print_report(report)
    ok = not seq_scans and all(report.get(f"sign_{w}", {"balanced": True})["balanced"] for w in names)
    sys.exit(0 if ok else 1)


def print_report(r: dict) -> None:
    d = r["databases"]
    print()
    print(f"Dauys growth benchmark, {r['when']}, {r['cpus']} CPUs")
    for which in ("empty", "history"):
        x = d[which]
        print(f"  {which:8} database: {x['petitions']:,} petitions, {x['signatures']:,} signatures "
              f"(table {x['signature_table']}), {x['log_entries']:,} log entries (table {x['log_table']})")
    if "sign_empty" in r:
        e, h = r["sign_empty"], r["sign_history"]
        print(f"  signing, empty      {e['accepted_per_s']:>7,.0f} /s  p50 {e['p50_ms']:.1f} ms  p99 {e['p99_ms']:.1f} ms  "
              f"PostgreSQL {e['db_cpu_ms_per_request']:.2f} ms CPU/request")
        print(f"  signing, history    {h['accepted_per_s']:>7,.0f} /s  p50 {h['p50_ms']:.1f} ms  p99 {h['p99_ms']:.1f} ms  "
              f"PostgreSQL {h['db_cpu_ms_per_request']:.2f} ms CPU/request")
        print(f"  history / empty     {r['sign_ratio_history_to_empty']:.3f}  (target ≥ 0.90; rounds ABBA: "
              + ", ".join(f"{x['accepted_per_s']:,.0f}" for x in r["rounds"]) + ")")
        print(f"  books               {'balanced in every round' if e['balanced'] and h['balanced'] else 'DO NOT BALANCE'}")
    print(f"  {'page (p50 / p99 ms, process caches emptied)':44} {'empty':>15} {'history':>15} {'p50 ratio':>9}")
    for label, small in r["pages"].get("empty", {}).items():
        big = r["pages"]["history"].get(label)
        if not big:
            continue
        print(f"  {label:44} {small['p50_ms']:6.1f} / {small['p99_ms']:6.1f} {big['p50_ms']:6.1f} / {big['p99_ms']:6.1f} "
              f"{big['p50_ms'] / small['p50_ms']:9.2f}" + ("" if small["status"] == big["status"] == 200 else
                                                           f"  (status {small['status']}/{big['status']})"))
    print(f"  plans               build/bench/growth-plans.txt; sequential scans of a growing table: "
          f"{', '.join(r['plans_with_seq_scan']) or 'none'}")


if __name__ == "__main__":
    main()
