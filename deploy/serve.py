"""`make serve`: the production stack on this machine, in the foreground (API.md "Commands").

nginx on http://127.0.0.1:8080 (`make serve SERVE_PORT=…` for another port) in front of two gunicorn nodes (gunicorn.conf.py's workers
split between them), two `python -m workers` and the log integrator, on DAUYS_DATABASE_URL and
DAUYS_REDIS_URL (default: the local PostgreSQL database `dauys`, created if missing, and Redis db
0), migrated first. It prints each node's master's process id; a node that dies (a load test's
`kill -9`) is started again a second later, as systemd does (deploy/systemd/dauys-web@.service),
while nginx sends its requests to the other. Ctrl-C (SIGINT) or SIGTERM stops everything.
Generated files and the processes' output are in build/serve/.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from urllib.parse import urlsplit

from deploy.stack import BIN, ROOT, LocalStack

DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/dauys"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def say(message: str) -> None:
    print(f"[serve] {message}", flush=True)


def ensure_database(url: str) -> None:
    """CREATE DATABASE for a PostgreSQL URL whose database is not there yet."""
    import psycopg

    parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://"))
    if not parts.scheme.startswith("postgres"):
        return
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            say(f"created database {name}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.serve", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8080, help="nginx's port on 127.0.0.1 (make serve SERVE_PORT=…)")
    port = parser.parse_args().port
    environ = {
        **os.environ,
        "DAUYS_DATABASE_URL": os.environ.get("DAUYS_DATABASE_URL") or DEFAULT_DATABASE,
        "DAUYS_REDIS_URL": os.environ.get("DAUYS_REDIS_URL") or DEFAULT_REDIS,
        "DAUYS_BASE_URL": os.environ.get("DAUYS_BASE_URL") or f"http://127.0.0.1:{port}",
        "PYTHONPATH": str(ROOT),
    }
    ensure_database(environ["DAUYS_DATABASE_URL"])
    subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], env=environ, cwd=ROOT, check=True)

    stopping = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda s, _f: stopping.append(s))
    stack = LocalStack(ROOT / "build" / "serve", environ, port, nodes=2, workers=2, integrator=True, to_terminal=True)
    try:
        stack.start()
        for index, node in enumerate(stack.nodes):
            say(f"node {index + 1}: gunicorn master pid {node.pid} on 127.0.0.1:{stack.node_ports[index]}, "
                f"{stack.node_environ(index)['DAUYS_WEB_WORKERS']} workers")
        say(f"workers pids {', '.join(str(p.pid) for p in stack.others)}; nginx pid {stack.nginx.pid}")
        say(f"Dauys is at {stack.url}  (Ctrl-C stops it all)")
        while not stopping:
            for index, node in enumerate(stack.nodes):
                if node.poll() is not None:
                    say(f"node {index + 1} (pid {node.pid}) exited ({node.returncode}); starting it again")
                    time.sleep(1)
                    node = stack.start_node(index)
                    say(f"node {index + 1}: gunicorn master pid {node.pid}")
            if stack.nginx.poll() is not None:
                say("nginx exited; stopping")
                break
            time.sleep(0.5)
    finally:
        say("stopping")
        stack.stop()
        say("stopped")
    sys.exit(0)


if __name__ == "__main__":
    main()
