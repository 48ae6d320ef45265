"""`make bench`: national-scale signing on this machine, through nginx, against bare Flask in the same run.

    .venv/bin/python bench/signing.py [--signatures 50000] [--connections 64] [--no-kill] [--profile]

It starts the production stack as `make serve` does (deploy/stack.py: nginx with
deploy/nginx/dauys.conf before two gunicorn nodes, each a master with half the workers
gunicorn.conf.py measured best; two `python -m workers` processes; the log integrator; PostgreSQL
and Redis), opens one Government petition (threshold 50,000) through the public API, pre-signs one
`petition.sign` JWS per citizen (citizens made by `flask eds issue-bulk --key ec`) and posts each
once through nginx over keep-alive connections (bench/loadgen.py says why that is not wrk; it retries
a 502/503/504 or a broken connection as a client would, and counts it). Halfway, node 1's master is
killed with SIGKILL (its workers die with it, gunicorn.conf.py:post_fork); nginx sends the rest to
node 2, and a signature in flight on the dead node to node 2 as well (deploy/nginx/dauys.conf says
why that is safe). `--no-kill` keeps both nodes. The timed GETs use wrk: a bare Flask endpoint with
the same gunicorn settings, directly (at the start and at the end), and `GET /petitions/{id}/count`
through nginx (its cache) and from one node directly. Then it checks the books against the database:
the rows equal the counter and the accepted signatures (201, or 409 already_signed for a retry
whose first attempt was recorded), every request answered so, no signer twice, one threshold event
and one notification per recipient.

The 50,000 citizens and their keys take minutes to make (two RSA-3072 CA signatures each), so the
first run keeps them in a template database `<BENCH_DB>_seed` and `build/bench/citizens.jsonl`;
later runs copy the template (seconds). `--fresh` remakes them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))
from outside_client import Api, der_b64, iin_for, make_jws  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
import loadgen  # noqa: E402

sys.path.insert(0, str(ROOT))
from deploy.stack import LocalStack, wait_http  # noqa: E402

OUT = ROOT / "build" / "bench"
PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
# BENCH_DB names the run's databases (the copy and `<BENCH_DB>_seed`, its template of citizens), so a
# second checkout on the same server measuring at the same time does not drop the first one's.
DB = os.environ.get("BENCH_DB", "dauys_bench")
TEMPLATE = f"{DB}_seed"
REDIS_URL = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/14")
CITIZENS_KATO = "710000000"  # Astana
FLASK = [str(ROOT / ".venv/bin/flask"), "--app", "wsgi"]
GUNICORN = str(ROOT / ".venv/bin/gunicorn")


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


THRESHOLD: dict[str, str] = {}  # --threshold: a smaller Government threshold for a quick look
SECRET_KEY = secrets.token_urlsafe(48)  # one per run, shared by every process of it; never a known one


def env(port: int) -> dict[str, str]:
    return {
        **os.environ,
        **THRESHOLD,
        "DAUYS_DATABASE_URL": f"{PG}/{DB}",
        "DAUYS_REDIS_URL": REDIS_URL,
        "DAUYS_SECRET_KEY": SECRET_KEY,
        "DAUYS_INSTANCE_PATH": str(OUT / "instance"),
        "DAUYS_BIND": f"127.0.0.1:{port}",
        "PYTHONPATH": str(ROOT),
    }


def run(cmd: list[str], environ: dict[str, str], **kw) -> str:
    done = subprocess.run(cmd, env=environ, cwd=ROOT, capture_output=True, text=True, **kw)
    if done.returncode:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def admin_sql(*statements: str) -> None:
    with closing(psycopg.connect(f"{PG}/postgres", autocommit=True)) as conn:
        for statement in statements:
            conn.execute(statement)


def free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the citizens (kept in a template database) -------------------------------------------------


def seed_fingerprint() -> str:
    """What the kept citizens depend on: the CA that issued their keys. (New migrations are applied
    to the kept template in place.)"""
    h = hashlib.sha256()
    ca = OUT / "instance" / "ca"
    for path in sorted(ca.glob("*.pem")) if ca.exists() else []:
        h.update(path.read_bytes())
    return h.hexdigest()


def make_template(count: int, fresh: bool) -> Path:
    citizens = OUT / "citizens.jsonl"
    stamp = OUT / "template.sha256"
    with closing(psycopg.connect(f"{PG}/postgres", autocommit=True)) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (TEMPLATE,)).fetchone()
    kept = json.loads(stamp.read_text()) if stamp.exists() else {}
    if (not fresh and exists and citizens.exists() and kept.get("fingerprint") == seed_fingerprint()
            and kept.get("count", 0) >= count):
        log(f"reusing {kept['count']:,} citizens from template database {TEMPLATE}")
        run([*FLASK, "db", "upgrade"], {**env(0), "DAUYS_DATABASE_URL": f"{PG}/{TEMPLATE}"})
        return citizens
    log(f"making {count:,} citizens with keys (flask eds issue-bulk --key ec); the first run takes minutes")
    admin_sql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)", f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)",
              f"CREATE DATABASE {DB}")
    environ = env(0)
    run([*FLASK, "db", "upgrade"], environ)
    run([*FLASK, "demo", "seed"], environ)  # territories, demo residents and officials
    started = time.perf_counter()
    run([*FLASK, "eds", "issue-bulk", "--count", str(count), "--kato", CITIZENS_KATO, "--out", str(citizens),
         "--key", "ec"], environ)
    log(f"issued {count:,} key sets in {time.perf_counter() - started:.0f} s")
    admin_sql(f"ALTER DATABASE {DB} RENAME TO {TEMPLATE}")
    stamp.write_text(json.dumps({"fingerprint": seed_fingerprint(), "count": count}))
    return citizens


# --- the stack --------------------------------------------------------------------------------


class Stack:
    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []

    def start(self, cmd: list[str], environ: dict[str, str], name: str) -> subprocess.Popen:
        handle = open(OUT / f"{name}.log", "w")
        proc = subprocess.Popen(cmd, env=environ, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            self.stop(proc)


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    return sorted(int(p) for p in out.split())


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone (the killed node's): its share was taken before the kill
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def postgres_pids() -> list[int]:
    # the backends of this run's database (BENCH_DB), not its template's or another checkout's
    out = subprocess.run(["pgrep", "-f", f"postgres: .* {re.escape(DB)} "], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def load(url: str, connections: int, bodies: Path | None = None, seconds: float = 10, at=None) -> dict:
    """POST each body once with bench/loadgen.py (exact count, per-request latency); a timed GET
    with wrk, which (in C) can outrun a server that a Python client could not."""
    if bodies is not None:
        lines = [line for line in bodies.read_bytes().split(b"\n") if line]
        started = time.process_time()  # the client shares the two cores: say how much it takes
        result = loadgen.run(url, connections, lines, seconds, at)
        result["client_cpu_ms_per_request"] = (time.process_time() - started) * 1000 / max(1, result["requests"])
        return result
    return wrk(url, connections, seconds)


def wrk(url: str, connections: int, seconds: float) -> dict:
    done = subprocess.run(["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{int(seconds)}s", "--latency", url],
                          capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"wrk failed: {done.stderr}")
    out = done.stdout

    def ms(label: str) -> float:
        value = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        number, unit = float(value.group(1)), value.group(2)
        return number / 1000 if unit == "us" else number * 1000 if unit == "s" else number

    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "tool": "wrk", "requests": requests, "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "seconds": seconds, "p50_ms": ms("50"), "p99_ms": ms("99"),
        "statuses": {"2xx": requests - (int(non_2xx.group(1)) if non_2xx else 0)},
    }


# --- the petition and the signed bodies ---------------------------------------------------------


class Official:
    """Someone made with the operator commands who then uses only the HTTP API (API.md)."""

    def __init__(self, api: Api, environ: dict[str, str], role: str | None, scope: str | None, n: int):
        self.iin = iin_for(date(1980, 1, 1 + n), male=n % 2 == 0, serial=9000 + n)
        run([*FLASK, "registry", "add", "--iin", self.iin, "--surname", "Бенчмарков", "--given-name",
             f"Сынақ{n}", "--kato", CITIZENS_KATO], environ)
        folder = OUT / f"keys-{n}"
        shutil.rmtree(folder, ignore_errors=True)
        run([*FLASK, "eds", "issue", "--iin", self.iin, "--out", str(folder), "--key", "ec"], environ)
        names = ["auth.key.pem", "auth.cert.pem", "sign.key.pem", "sign.cert.pem"]
        if role:
            cmd = [*FLASK, "roles", "grant", "--iin", self.iin, "--role", role]
            run(cmd + (["--scope", scope] if scope else []), environ)
            # the official key set of that role: the officials' acts are signed with it (API.md "Official acts")
            run([*FLASK, "eds", "issue-official", "--iin", self.iin, "--out", str(folder / "official"), "--key", "ec"],
                environ)
            names += ["official/official.key.pem", "official/official.cert.pem"]
        self.files = {Path(name).name: (folder / name).read_bytes() for name in names}
        self.api = api
        self.issuing = api.issuing_ca()
        status, body = api.call("POST", "/auth/challenge", {})
        jws = self.sign({"purpose": "auth", "nonce": body["nonce"]}, "auth")
        status, body = api.call("POST", "/auth/token", {"jws": jws})
        assert status == 200, body
        self.token = body["access_token"]

    def sign(self, payload: dict, usage: str = "sign") -> str:
        return make_jws({**payload, "iat": int(time.time())}, self.files[f"{usage}.key.pem"],
                        [der_b64(self.files[f"{usage}.cert.pem"]), self.issuing])

    def call(self, method: str, path: str, body: dict | None = None):
        return self.api.call(method, path, body, token=self.token)


def open_petition(api: Api, environ: dict[str, str]) -> dict:
    author = Official(api, environ, None, None, 1)
    moderator = Official(api, environ, "moderator", None, 2)
    Official(api, environ, "reviewer", "government", 3)  # told when the threshold is reached
    return submitted_and_approved(author, moderator, "Ауыл мектептеріне тегін ыстық тамақ")


def submitted_and_approved(author: Official, moderator: Official, title: str) -> dict:
    """A Government petition the author writes and submits and the moderator approves: restricted."""
    status, petition = author.call("POST", "/petitions", {
        "title": title, "language": "kk", "addressee": "government",
        "body": "Бастауыш сынып оқушыларының бәріне мектепте тегін ыстық тамақ берілсін. " * 4,
    })
    assert status == 201, petition
    doc = {"type": "petition", "id": petition["id"], "digest": petition["digest"]}
    status, body = author.call("POST", f"/petitions/{petition['id']}/submit",
                               {"jws": author.sign({"purpose": "petition.submit", "doc": doc})})
    assert status == 200, body
    approval = moderator.sign({"purpose": "petition.moderate", "doc": doc, "decision": "approve"}, "official")
    status, body = moderator.call("POST", f"/petitions/{petition['id']}/moderation", {"jws": approval})
    assert status == 200 and body["state"] == "restricted", body
    return body


def _presign(task: tuple[list[str], dict, int, str]) -> list[str]:
    lines, doc, iat, issuing = task
    bodies = []
    for line in lines:
        citizen = json.loads(line)
        payload = {"purpose": "petition.sign", "iat": iat, "doc": doc}
        jws = make_jws(payload, citizen["sign_key"].encode(), [der_b64(citizen["sign_cert"].encode()), issuing])
        # one citizen in a hundred asks to be told what becomes of the petition
        notify = int(citizen["iin"][-4:]) % 100 == 0
        bodies.append(json.dumps({"jws": jws, "notify": notify}))
    return bodies


def presign(citizens: Path, petition: dict, count: int, issuing: str) -> Path:
    """Signed bodies; x5c is [leaf, issuing CA] (API.md), `issuing` as Api.issuing_ca gives it."""
    lines = citizens.read_text().splitlines()[:count]
    doc = {"type": "petition", "id": petition["id"], "digest": petition["digest"]}
    iat = int(time.time())
    chunks = [lines[i:i + 1000] for i in range(0, len(lines), 1000)]
    with multiprocessing.Pool() as pool:
        bodies = [b for chunk in pool.map(_presign, [(c, doc, iat, issuing) for c in chunks]) for b in chunk]
    random.Random(7).shuffle(bodies)
    path = OUT / "bodies.jsonl"
    path.write_text("\n".join(bodies) + "\n")
    return path


# --- the books after the run --------------------------------------------------------------------


def books(petition_id: int, accepted: int, threshold_wait: float = 30) -> dict:
    with closing(psycopg.connect(f"{PG}/{DB}", autocommit=True)) as conn:
        q = lambda sql, *a: conn.execute(sql, a).fetchall()  # noqa: E731
        deadline = time.monotonic() + threshold_wait
        while True:
            events = q("SELECT id, created_at FROM outbox_event WHERE event = 'petition.threshold_reached' "
                       "AND (payload->>'petition_id')::int = %s", petition_id)
            pending = q("SELECT count(*) FROM outbox_event WHERE processed_at IS NULL")[0][0]
            if events and not pending:
                break
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        rows = q("SELECT count(*) FROM signature WHERE petition_id = %s", petition_id)[0][0]
        counted = q("SELECT coalesce(sum(count), 0) FROM petition_counter WHERE petition_id = %s", petition_id)[0][0]
        twice = q("SELECT count(*) FROM (SELECT signer_hash FROM signature WHERE petition_id = %s "
                  "GROUP BY signer_hash HAVING count(*) > 1) t", petition_id)[0][0]
        state, reached_at = q("SELECT state, threshold_reached_at FROM petition WHERE id = %s", petition_id)[0]
        crossing = q("SELECT signed_at FROM signature WHERE petition_id = %s ORDER BY signed_at, id "
                     "OFFSET (SELECT threshold - 1 FROM petition WHERE id = %s) LIMIT 1", petition_id, petition_id)
        # the public log: one entry per accepted signature, all in a signed head within the merge delay
        logged = signed = None
        if q("SELECT to_regclass('log_entry')")[0][0]:  # a build before the log has none
            entries = "FROM log_entry WHERE entry::jsonb @> jsonb_build_object('kind', 'signature', " \
                      "'subject', jsonb_build_object('type', 'petition', 'id', %s::int))"
            deadline = time.monotonic() + 15
            while True:
                logged = q(f"SELECT count(*) {entries}", petition_id)[0][0]
                signed = q(f"SELECT count(*) {entries} AND idx < (SELECT coalesce(max(tree_size), 0) FROM log_head)",
                           petition_id)[0][0]
                if signed == logged or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
        result = {
            "signature_rows": rows, "counter": counted, "accepted": accepted, "duplicates": twice, "state": state,
            "threshold_events": len(events), "log_entries": logged, "in_signed_head": signed,
        }
        if events:
            per_user = q("SELECT user_id, count(*) FROM notification WHERE outbox_id = %s GROUP BY user_id",
                         events[0][0])
            # the Government's reviewers, the author and the signers who opted in (DOMAIN.md)
            expected = q("SELECT count(*) FROM (SELECT iin FROM role_grant WHERE role = 'reviewer' AND scope = "
                         "'government' UNION SELECT author_iin FROM petition WHERE id = %s UNION SELECT u.iin "
                         "FROM signature s JOIN user_account u ON u.id = s.user_id WHERE s.petition_id = %s "
                         "AND s.notify) t", petition_id, petition_id)[0][0]
            delivered = q("SELECT max(created_at) FROM notification WHERE outbox_id = %s", events[0][0])[0][0]
            result.update(
                recipients=len(per_user), expected_recipients=expected,
                most_per_recipient=max((n for _, n in per_user), default=0),
                threshold_to_delivered_s=(delivered - reached_at).total_seconds() if delivered else None,
                crossing_to_delivered_s=(delivered - crossing[0][0]).total_seconds() if delivered and crossing else None,
            )
        return result


# --- the run ------------------------------------------------------------------------------------


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk (make bench installs it)")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--signatures", type=int, default=50_000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=10, help="length of the bare-Flask and count runs")
    parser.add_argument("--profile", action="store_true", help="py-spy record one web worker while signing")
    parser.add_argument("--fresh", action="store_true", help="remake the citizens")
    parser.add_argument("--prepare-only", action="store_true", help="make (or check) the citizens, then stop")
    parser.add_argument("--threshold", type=int, help="Government threshold (default DOMAIN.md's 50,000)")
    parser.add_argument("--nodes", type=int, default=2, help="gunicorn nodes behind nginx")
    parser.add_argument("--no-kill", action="store_true", help="do not kill node 1 halfway through the signing")
    args = parser.parse_args()
    if args.threshold:
        THRESHOLD["DAUYS_PETITION_THRESHOLD_GOVERNMENT"] = str(args.threshold)
    OUT.mkdir(parents=True, exist_ok=True)

    citizens = make_template(args.signatures, args.fresh)
    if args.prepare_only:
        return
    admin_sql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)", f"CREATE DATABASE {DB} TEMPLATE {TEMPLATE}")
    redis.Redis.from_url(REDIS_URL).flushdb()

    port, bare_port = free_port(), free_port()
    stack = Stack()
    report: dict = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "cpus": os.cpu_count(),
                    "signatures": args.signatures, "connections": args.connections, "nodes": args.nodes}
    front = None
    try:
        # 1. the yardstick: bare Flask, same gunicorn settings, alone on the machine (again at the
        # end: this machine's speed drifts by a third within minutes, so the ratios use the mean)
        report["bare_runs"] = [measure_bare(stack, bare_port, args)]

        # 2. Dauys as production runs it (deploy/stack.py): nginx before two gunicorn nodes (the
        # workers gunicorn.conf.py measured best, split between them), two worker processes (each
        # with its scheduler and clock) and the log integrator
        front = LocalStack(OUT / "stack", env(0), port, nodes=args.nodes, workers=2, integrator=True)
        front.start()
        base = front.url
        api = Api(base)
        environ = env(0)
        petition = open_petition(api, environ)
        report["threshold"] = petition["threshold"]
        report["web_workers_per_node"] = int(front.node_environ(0)["DAUYS_WEB_WORKERS"])
        log(f"petition {petition['id']} to the Government, threshold {petition['threshold']:,}; "
            f"{args.nodes} nodes x {report['web_workers_per_node']} workers behind nginx on {base}")
        bodies = presign(citizens, petition, args.signatures, api.issuing_ca())
        log(f"pre-signed {args.signatures:,} petition.sign payloads (ES256)")
        for _ in range(400):  # every worker loaded and connected before the clock starts
            api.call("GET", f"/petitions/{petition['id']}")
        node_pids = [front.worker_pids(i) for i in range(args.nodes)]
        pids = [p for group in node_pids for p in group]
        nginx_pids = [front.nginx.pid, *subprocess.run(["pgrep", "-P", str(front.nginx.pid)], capture_output=True,
                                                       text=True).stdout.split()]
        nginx_pids = [int(p) for p in nginx_pids]
        report["rss_start_mb"] = [round(rss_mb(p), 1) for p in pids]

        profiler = None
        if args.profile:
            profiler = subprocess.Popen([str(ROOT / ".venv/bin/py-spy"), "record", "--pid", str(pids[0]),
                                         "--duration", "20", "--rate", "200", "--gil", "--format", "raw",
                                         "--output", str(OUT / "profile.txt"), "--nonblocking"],
                                        stdout=subprocess.DEVNULL, stderr=open(OUT / "py-spy.log", "w"))

        # 3. the signatures, through nginx; halfway, node 1's master is killed (SIGKILL)
        log(f"signing: {args.signatures:,} requests over {args.connections} connections"
            + ("" if args.no_kill else f"; node 1 killed with SIGKILL after {args.signatures // 2:,}"))
        backends = postgres_pids()
        web_cpu, db_cpu, nginx_cpu = cpu_seconds(pids), cpu_seconds(backends), cpu_seconds(nginx_pids)
        killed_cpu = {}

        def kill_node_1() -> dict:
            killed_cpu["seconds"] = cpu_seconds(node_pids[0])  # its share so far, before it is gone
            result = front.kill_node(0)
            log(f"killed node 1 (master {result['master']}, {result['processes']} processes): "
                f"none left after {result['gone_after_s']} s")
            return result

        at = None if args.no_kill or args.nodes < 2 else (args.signatures // 2, kill_node_1)
        signed = load(f"{base}/api/v1/petitions/{petition['id']}/signatures", args.connections, bodies, at=at)
        accepted = signed["statuses"].get("201", 0)
        # a signature whose first attempt was recorded by the node that died, then answered
        # already_signed to the retry (nginx's or the client's), was accepted once
        accepted_on_retry = signed["statuses"].get("409 already_signed", 0)
        web_seconds = cpu_seconds(pids) - web_cpu + killed_cpu.get("seconds", 0.0)
        signed["web_cpu_ms_per_request"] = web_seconds * 1000 / signed["requests"]
        signed["db_cpu_ms_per_request"] = (cpu_seconds([p for p in backends if Path(f"/proc/{p}").exists()])
                                           - db_cpu) * 1000 / signed["requests"]
        signed["nginx_cpu_ms_per_request"] = (cpu_seconds(nginx_pids) - nginx_cpu) * 1000 / signed["requests"]
        signed["accepted_per_s"] = (accepted + accepted_on_retry) / signed["seconds"]
        report["sign"] = signed
        report["kill"] = signed.pop("event", {}) or None
        log(f"signing: {signed['accepted_per_s']:,.0f} accepted/s, p50 {signed['p50_ms']:.1f} ms, "
            f"p99 {signed['p99_ms']:.1f} ms, statuses {signed['statuses']}, retried {signed['retried']}")
        if profiler:
            profiler.wait()

        # 4. the public count under load, through nginx (its cache) and from one node directly
        count_path = f"/api/v1/petitions/{petition['id']}/count"
        live = next(i for i, node in enumerate(front.nodes) if node.poll() is None)
        report["count"] = load(base + count_path, args.connections, seconds=args.seconds)
        report["count_direct"] = load(f"http://127.0.0.1:{front.node_ports[live]}{count_path}", args.connections,
                                      seconds=args.seconds)
        log(f"count: {report['count']['rps']:,.0f} requests/s through nginx, "
            f"{report['count_direct']['rps']:,.0f} from node {live + 1} directly")
        alive = [p for p in pids if Path(f"/proc/{p}").exists()]
        report["rss_end_mb"] = [round(rss_mb(p), 1) for p in alive]
        report["books"] = books(petition["id"], accepted + accepted_on_retry)
        report["books"]["accepted_first_time"] = accepted
        report["books"]["accepted_on_retry"] = accepted_on_retry
        report["books"]["unanswered_or_refused"] = signed["requests"] - accepted - accepted_on_retry + (
            args.signatures - signed["requests"])
        front.stop()
        report["failovers"] = failovers(OUT / "stack" / "nginx" / "logs" / "failover.log")  # flushed as nginx stops
        report["bare_runs"].append(measure_bare(stack, bare_port, args))
    finally:
        if front is not None:
            front.stop()
        stack.stop_all()
    report["bare"] = {"rps": sum(r["rps"] for r in report["bare_runs"]) / len(report["bare_runs"])}

    report["sign_ratio_to_bare"] = report["sign"]["accepted_per_s"] / report["bare"]["rps"]
    report["count_ratio_to_bare"] = report["count"]["rps"] / report["bare"]["rps"]
    (OUT / "signing.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    if args.profile:
        summarize_profile(OUT / "profile.txt")
    print_report(report)
    b = report["books"]
    ok = (b["signature_rows"] == b["counter"] == b["accepted"] and b["duplicates"] == 0
          and b["unanswered_or_refused"] == 0
          and b["threshold_events"] == (1 if b["accepted"] >= report["threshold"] else 0)
          and (not b["threshold_events"] or (b["recipients"] == b["expected_recipients"]
                                             and b["most_per_recipient"] == 1)))
    print("books:", "balanced" if ok else "DO NOT BALANCE")
    sys.exit(0 if ok else 1)


def failovers(path: Path) -> dict:
    """nginx's failover.log (deploy/nginx/dauys.conf): the requests a node failed and another node
    answered, by path kind and final status."""
    kinds: dict[str, int] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            parts = line.split()
            if len(parts) > 3:
                kind = "signatures" if parts[2].endswith("/signatures") else parts[2]
                key = f"{parts[1]} {kind} -> {parts[3]}"
                kinds[key] = kinds.get(key, 0) + 1
    return kinds


def measure_bare(stack: Stack, port: int, args: argparse.Namespace) -> dict:
    bare = stack.start([GUNICORN, "bench.bare:app"], env(port), "bare")
    wait_http(f"http://127.0.0.1:{port}/")
    pids = worker_pids(bare.pid)
    cpu = cpu_seconds(pids)
    result = load(f"http://127.0.0.1:{port}/", args.connections, seconds=args.seconds)
    # what gunicorn and Flask cost a request at the least: the yardstick of the signing figures
    result["web_cpu_ms_per_request"] = (cpu_seconds(pids) - cpu) * 1000 / max(1, result["requests"])
    stack.stop(bare)
    log(f"bare Flask: {result['rps']:,.0f} requests/s")
    return result


def print_report(r: dict) -> None:
    s, b = r["sign"], r["books"]
    print()
    print(f"Dauys signing benchmark, {r['when']}, {r['cpus']} CPUs, {r['connections']} connections, "
          f"nginx before {r['nodes']} nodes x {r['web_workers_per_node']} gunicorn workers")
    runs = " and ".join(f"{b['rps']:,.0f}" for b in r["bare_runs"])
    cpu = " and ".join(f"{b['web_cpu_ms_per_request']:.2f}" for b in r["bare_runs"])
    print(f"  bare Flask (direct)         {r['bare']['rps']:>9,.0f} requests/s (mean of {runs}: first and last;"
          f" web workers {cpu} ms CPU per request)")
    print(f"  EDS-verified signatures     {s['accepted_per_s']:>9,.0f} /s  = {r['sign_ratio_to_bare']:.2f} of bare"
          f"   ({b['accepted']:,} accepted in {s['seconds']:.1f} s, through nginx)")
    print(f"  signing latency             p50 {s['p50_ms']:.1f} ms, p99 {s['p99_ms']:.1f} ms, max {s['max_ms']:.1f} ms")
    print(f"  CPU per signing request     web workers {s['web_cpu_ms_per_request']:.2f} ms, "
          f"PostgreSQL backends {s['db_cpu_ms_per_request']:.2f} ms, nginx {s['nginx_cpu_ms_per_request']:.2f} ms, "
          f"load client {s['client_cpu_ms_per_request']:.2f} ms")
    print(f"  GET /petitions/{{id}}/count   {r['count']['rps']:>9,.0f} requests/s through nginx = "
          f"{r['count_ratio_to_bare']:.2f} of bare ({r['count_direct']['rps']:,.0f}/s from one node directly)")
    if r.get("kill"):
        k = r["kill"]["result"]
        print(f"  node kill                   node 1's master (pid {k['master']}) SIGKILLed after "
              f"{r['kill']['at_request']:,} answers; its {k['processes']} processes gone after {k['gone_after_s']} s"
              f" ({k['left_behind']} left behind)")
    print(f"  retries                     client: failures seen {s['reconnects'] or 'none'}, final answers of "
          f"retried requests {s['retried'] or 'none'}; nginx failovers {r['failovers'] or 'none'}")
    print(f"  answers                     {s['statuses']} (409 already_signed: recorded by the first attempt)")
    if b.get("crossing_to_delivered_s") is not None:
        print(f"  threshold → notification    {b['crossing_to_delivered_s']:.2f} s after the crossing signature "
              f"({b['threshold_to_delivered_s']:.2f} s after the move)")
    print(f"  web worker RSS (MB)         start {r['rss_start_mb']}, end {r['rss_end_mb']}")
    print(f"  books                       {json.dumps(b, default=str)}")


def summarize_profile(path: Path, top: int = 25) -> None:
    """py-spy's raw (collapsed) stacks → the functions that hold the most samples, inclusive."""
    if not path.exists():
        return
    inclusive: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        total += int(n)
        for frame in set(re.sub(r" \(.*?\)", "", f) for f in stack.split(";")):
            inclusive[frame] = inclusive.get(frame, 0) + int(n)
    print(f"\nprofile of one web worker, GIL holder only ({total} samples), inclusive share:")
    for frame, n in sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]:
        print(f"  {n / total:6.1%}  {frame}")


if __name__ == "__main__":
    main()
