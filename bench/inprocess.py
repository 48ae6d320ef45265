"""Where a signing request's time goes, in one process, without HTTP or a load client.

    .venv/bin/python bench/inprocess.py [--signatures 5000] [--profile FILE] [--no-limits] [--compare]

Uses the citizens of `make bench` (run `make bench BENCH_ARGS=--prepare-only` first): copies the
template database, opens one Government petition through the HTTP API of a one-worker gunicorn,
pre-signs the bodies, stops gunicorn, then calls the WSGI app directly with prepared environs, one
after another, and reports the CPU milliseconds per request (and, with --profile, a cProfile dump);
then the same for `GET /petitions/{id}/count` and for bare Flask (`bench/bare.py`).
The load benchmark measures the whole stack; this one says which layer to work on.

--profile: the last 40 % of the signatures run under cProfile with a CPU clock (time spent waiting
on PostgreSQL or Redis is not CPU), and the breakdown says where the CPU of one request goes: the
EDS check, the database (the driver, and SQLAlchemy around it), the rate limit's Redis client and
the rest (WSGI, Flask and its hooks, JSON), each scaled to the unprofiled milliseconds per request.
--compare: the signatures go in alternating blocks through the lean path (petitions/lean_signing.py)
and through Flask's own wsgi_app (the full path), and both are reported: one run, the same
conditions, so their ratio holds on a noisy machine.

Two checkouts measuring on one server at once keep apart with BENCH_DB (databases `<BENCH_DB>` and
`<BENCH_DB>_seed`, default dauys_bench) and BENCH_REDIS (the Redis database it empties).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import signing as bench  # noqa: E402


def prepare(count: int) -> tuple[dict, list[bytes], dict[str, str]]:
    citizens = bench.make_template(count, fresh=False)
    bench.admin_sql(f"DROP DATABASE IF EXISTS {bench.DB} WITH (FORCE)",
                    f"CREATE DATABASE {bench.DB} TEMPLATE {bench.TEMPLATE}")
    bench.redis.Redis.from_url(bench.REDIS_URL).flushdb()
    port = bench.free_port()
    environ = {**bench.env(port), "DAUYS_WEB_WORKERS": "1"}
    stack = bench.Stack()
    try:
        stack.start([bench.GUNICORN, "wsgi:app"], environ, "web")
        base = f"http://127.0.0.1:{port}"
        bench.wait_http(base + "/api/v1/petitions")
        api = bench.Api(base)
        petition = bench.open_petition(api, environ)
        issuing = api.issuing_ca()
    finally:
        stack.stop_all()
    bodies = bench.presign(citizens, petition, count, issuing).read_bytes().splitlines()
    return petition, bodies, environ


def cpu_ms_per_get(app, path: str, n: int) -> float:
    from werkzeug.test import EnvironBuilder

    environ = EnvironBuilder(path=path, environ_base={"REMOTE_ADDR": "10.0.0.1"}).get_environ()

    def start_response(_status, _headers, _exc=None):
        return None

    for _ in range(500):
        b"".join(app(dict(environ), start_response))
    started = time.process_time()
    for _ in range(n):
        b"".join(app(dict(environ), start_response))
    return round((time.process_time() - started) * 1000 / n, 4)


# Where one request's CPU goes, by the functions that own each part (file suffix, function name);
# none of a part's functions calls another part's.
PARTS = {
    "eds_check": [("auth/eds.py", "check_token")],
    "database_driver": [("psycopg/cursor.py", "execute")],
    "database_sqlalchemy_and_pool": [("sqlalchemy/engine/base.py", "execute"), ("sqlalchemy/orm/session.py", "commit"),
                            ("sqlalchemy/orm/session.py", "connection"), ("sqlalchemy/orm/session.py", "rollback"),
                            ("sqlalchemy/orm/scoping.py", "remove"), ("sqlalchemy/engine/base.py", "raw_connection"),
                            ("sqlalchemy/pool/base.py", "close")],
    "rate_limit_redis": [("limits/strategies.py", "hit")],
}


def breakdown(profile: str, requests: int, cpu_ms: float) -> dict[str, float]:
    """The profile's shares of each part, in unprofiled milliseconds of CPU per request."""
    import pstats

    stats = pstats.Stats(profile).stats
    total = max(ct for (_f, _l, _n), (_cc, _nc, _tt, ct, _callers) in stats.items())
    share = {}
    for part, owners in PARTS.items():
        share[part] = sum(ct for (file, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.items()
                          if any(file.endswith(suffix) and name == fn for suffix, fn in owners))
    # the driver's time under SQLAlchemy's execute belongs to the driver, not to SQLAlchemy
    driver = [value for (file, _line, name), value in stats.items() if file.endswith("psycopg/cursor.py") and name == "execute"]
    share["database_sqlalchemy_and_pool"] -= sum(ct for _cc, _nc, _tt, ct, callers in driver
                                        for (file, _l, _n), (_c1, _c2, _t, ct) in callers.items()
                                        if "sqlalchemy/" in file)
    share["rest_wsgi_flask_hooks_json"] = total - sum(share.values())
    return {part: round(cpu_ms * value / total, 3) for part, value in share.items()} | {"total": round(cpu_ms, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--signatures", type=int, default=5000)
    parser.add_argument("--profile", help="write a cProfile dump here")
    parser.add_argument("--no-limits", action="store_true", help="rate limits off")
    parser.add_argument("--compare", action="store_true", help="lean and full path in alternating blocks")
    parser.add_argument("--count", type=int, default=20000, help="GET /count requests timed after the signing")
    args = parser.parse_args()
    petition, bodies, environ = prepare(args.signatures)
    os.environ.update(environ)
    if args.no_limits:
        os.environ["DAUYS_RATELIMIT_ENABLED"] = "false"

    from bare import app as bare_app
    from werkzeug.test import EnvironBuilder

    from factory import create_app

    app = create_app()
    path = f"/api/v1/petitions/{petition['id']}/signatures"

    def environ_for(data: bytes) -> dict:
        return EnvironBuilder(path=path, method="POST", data=data, content_type="application/json",
                              environ_base={"REMOTE_ADDR": "10.0.0.1"}).get_environ()

    statuses: dict[str, int] = {}

    def start_response(status, _headers, _exc=None):
        statuses[status[:3]] = statuses.get(status[:3], 0) + 1

    lean = app.extensions.get("dauys.lean_signing")
    full_app = lean.full if lean is not None else None  # Flask's own wsgi_app behind the lean path
    for _ in range(50):  # warm: imports, the calendar, the pool, compiled statements
        b"".join(app(environ_for(b"{}"), start_response))
    statuses.clear()
    environs = [environ_for(b) for b in bodies]
    timed = environs[: len(environs) * 3 // 5] if args.profile else environs
    paths = {"lean": app, "full": full_app} if args.compare and full_app else {"app": app}
    spent = {name: [0.0, 0.0, 0] for name in paths}  # cpu, wall, requests
    block = 250
    for start in range(0, len(timed), block):
        name = list(paths)[(start // block) % len(paths)]
        cpu, wall = time.process_time(), time.perf_counter()
        for e in timed[start:start + block]:
            b"".join(paths[name](e, start_response))
        spent[name][0] += time.process_time() - cpu
        spent[name][1] += time.perf_counter() - wall
        spent[name][2] += len(timed[start:start + block])
    for name, (cpu, wall, n) in spent.items():
        print(json.dumps({"path": name, "requests": n, "cpu_ms_per_request": round(cpu * 1000 / n, 3),
                          "wall_ms_per_request": round(wall * 1000 / n, 3), "limits": not args.no_limits,
                          "lean_path": full_app is not None}))
    if args.profile:
        profiled = environs[len(timed):]
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for e in profiled:
            b"".join(app(e, start_response))
        profiler.disable()
        profiler.dump_stats(args.profile)
        cpu_ms = spent[list(paths)[0]][0] * 1000 / spent[list(paths)[0]][2]
        print(json.dumps({"breakdown_ms_per_request": breakdown(args.profile, len(profiled), cpu_ms)}))
    print(json.dumps({"statuses": statuses}))
    print(json.dumps({"count_cpu_ms_per_request": cpu_ms_per_get(app, f"/api/v1/petitions/{petition['id']}/count",
                                                                  args.count),
                      "bare_flask_cpu_ms_per_request": cpu_ms_per_get(bare_app, "/", args.count)}))
    if args.profile:
        import pstats

        out = io.StringIO()
        pstats.Stats(args.profile, stream=out).sort_stats("cumulative").print_stats(40)
        print(out.getvalue())


if __name__ == "__main__":
    main()
