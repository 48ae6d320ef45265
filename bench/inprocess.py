"""Where a signing request's time goes, in one process, without HTTP or a load client.

    .venv/bin/python bench/inprocess.py [--signatures 5000] [--profile FILE] [--no-limits]

Uses the citizens of `make bench` (run `make bench BENCH_ARGS=--prepare-only` first): copies the
template database, opens one Government petition through the HTTP API of a one-worker gunicorn,
pre-signs the bodies, stops gunicorn, then calls the WSGI app directly with prepared environs, one
after another, and reports the CPU milliseconds per request (and, with --profile, a cProfile dump);
then the same for `GET /petitions/{id}/count` and for bare Flask (`bench/bare.py`).
The load benchmark measures the whole stack; this one says which layer to work on.

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--signatures", type=int, default=5000)
    parser.add_argument("--profile", help="write a cProfile dump here")
    parser.add_argument("--no-limits", action="store_true", help="rate limits off")
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

    for _ in range(50):  # warm: imports, the calendar, the pool, compiled statements
        b"".join(app(environ_for(b"{}"), start_response))
    statuses.clear()
    environs = [environ_for(b) for b in bodies]
    profiler = cProfile.Profile() if args.profile else None
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    for e in environs:
        b"".join(app(e, start_response))
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    n = len(environs)
    print(json.dumps({"requests": n, "statuses": statuses, "cpu_ms_per_request": round(cpu * 1000 / n, 3),
                      "wall_ms_per_request": round(wall * 1000 / n, 3), "limits": not args.no_limits}))
    print(json.dumps({"count_cpu_ms_per_request": cpu_ms_per_get(app, f"/api/v1/petitions/{petition['id']}/count",
                                                                  args.count),
                      "bare_flask_cpu_ms_per_request": cpu_ms_per_get(bare_app, "/", args.count)}))
    if profiler:
        import pstats

        out = io.StringIO()
        pstats.Stats(args.profile, stream=out).sort_stats("cumulative").print_stats(40)
        print(out.getvalue())


if __name__ == "__main__":
    main()
