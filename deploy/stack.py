"""The production stack, rendered and run: nginx in front of gunicorn nodes, workers, the log integrator.

One template of the site's rules, `deploy/nginx/dauys.conf`, serves every use:

- production: `python -m deploy.stack render --listen 80 --node 127.0.0.1:8001 --node 127.0.0.1:8002
  --root /srv/dauys --cache /var/cache/nginx/dauys --logs /var/log/nginx > /etc/nginx/sites-available/dauys`
  (Debian's nginx includes it; README "Running it for real");
- this machine (`make serve`, `make bench`, tests/deploy/): `LocalStack` renders it into a folder of
  its own with an unprivileged `nginx.conf` around it (pid, temporary files and logs in that folder,
  the foreground), and starts the nodes, the workers and the integrator as process groups of their own.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx" / "dauys.conf"
BIN = ROOT / ".venv" / "bin"
PLACE = re.compile(r"@[A-Z]+@")
# what gunicorn.conf.py measured best on this machine, for all the nodes of one host together
WEB_WORKERS_PER_HOST = (os.cpu_count() or 1) * 4


def render_site(nodes: Sequence[str], listen: str, root: Path | str = ROOT, cache: Path | str = "/var/cache/nginx/dauys",
                logs: Path | str = "/var/log/nginx", include: str = "") -> str:
    """deploy/nginx/dauys.conf with its @NAME@ places filled (its head lists them)."""
    if not nodes:
        raise ValueError("at least one node")
    servers = "\n".join(f"    server {node} max_fails=1 fail_timeout=5s;" for node in nodes)
    values = {"SERVERS": servers, "LISTEN": listen, "ROOT": str(root).rstrip("/"), "CACHE": str(cache),
              "LOGS": str(logs), "INCLUDE": "\n".join(f"    {line}" for line in include.splitlines() if line.strip())}
    lines = []
    for line in TEMPLATE.read_text().splitlines(keepends=True):
        if not line.lstrip().startswith("#"):  # the head's list of the places stays as it is
            for name, value in values.items():
                line = line.replace(f"@{name}@", value)
            if PLACE.search(line):
                raise ValueError(f"a place of the template has no value: {line.strip()}")
        lines.append(line)
    return "".join(lines)


def standalone_conf(folder: Path, site: Path) -> str:
    """The process around the site for an nginx run by whoever runs `make serve`: in the foreground,
    everything it writes in `folder`, one worker process (the app needs the cores more)."""
    # Run by anyone but root, nginx needs no privilege here (a port above 1024, files of its own). Run
    # by root (a container), its workers would drop to nobody, who may not read this checkout nor
    # write this folder: they keep the invoker's user instead, which gives them nothing it lacks.
    user = "user root root;" if os.geteuid() == 0 else ""
    tmp = folder / "tmp"
    return f"""# made by deploy/stack.py for an nginx of this machine; the site's rules are in {site}
{user}
daemon off;
master_process on;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{
    worker_connections 8192;
}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65s;
    keepalive_requests 100000;
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {site};
}}
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def write_nginx(folder: Path, nodes: Sequence[str], listen: str) -> Path:
    """Render the site and its standalone nginx.conf into `folder`; checked with `nginx -t`."""
    shutil.rmtree(folder / "cache", ignore_errors=True)  # no count of an earlier run's database
    for sub in ("cache", "tmp", "logs"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    (folder / "logs" / "failover.log").unlink(missing_ok=True)  # this run's failovers only
    site = folder / "dauys.conf"
    site.write_text(render_site(nodes, listen, ROOT, folder / "cache", folder / "logs"))
    conf = folder / "nginx.conf"
    conf.write_text(standalone_conf(folder, site))
    nginx = nginx_binary()
    if nginx is None:
        raise RuntimeError("nginx is not installed: apt-get install nginx-light (make serve installs it)")
    done = subprocess.run([nginx, "-t", "-q", "-p", str(folder), "-c", str(conf)], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"nginx -t refused {conf}:\n{done.stderr}")
    return conf


def free_port() -> int:
    import socket

    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, seconds: float = 60, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"{proc.args[0]} exited ({proc.returncode}) before answering {url}") from None
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def group_members(pgid: int) -> list[int]:
    """The live (not zombie) processes of a process group."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(entry))
    return members


class LocalStack:
    """nginx on `listen` before `nodes` gunicorn masters (each a process group with its workers), and
    `workers` `python -m workers` processes and (if `integrator`) `flask log integrate --loop`, all on
    `environ`'s database and Redis. Output goes to `folder`/NAME.log, or to this terminal."""

    def __init__(self, folder: Path, environ: dict[str, str], listen_port: int, nodes: int = 2,
                 web_workers: int | None = None, workers: int = 2, integrator: bool = True, to_terminal: bool = False,
                 on_log: Callable[[Path, str], object] | None = None):
        self.folder = folder
        self.environ = environ
        self.port = listen_port
        self.node_ports = [free_port() for _ in range(nodes)]
        self.web_workers = web_workers or max(1, WEB_WORKERS_PER_HOST // nodes)
        self.worker_count = workers
        self.integrator = integrator
        self.to_terminal = to_terminal
        self.on_log = on_log  # told of each output file before its process writes it (the tests' IIN guard)
        self.nodes: list[subprocess.Popen] = []
        self.others: list[subprocess.Popen] = []
        self.nginx: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _start(self, name: str, cmd: list[str], environ: dict[str, str]) -> subprocess.Popen:
        out = None
        if not self.to_terminal:
            path = self.folder / f"{name}.log"
            if self.on_log is not None:
                self.on_log(path, name)
            out = open(path, "ab")
        try:
            return subprocess.Popen(cmd, env=environ, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT if out else None,
                                    start_new_session=True)
        finally:
            if out is not None:
                out.close()

    def node_environ(self, index: int) -> dict[str, str]:
        return {**self.environ, "DAUYS_BIND": f"127.0.0.1:{self.node_ports[index]}",
                "DAUYS_WEB_WORKERS": self.environ.get("DAUYS_WEB_WORKERS") or str(self.web_workers),
                "DAUYS_PROXY_HOPS": "1", "DAUYS_TRUSTED_PROXIES": "127.0.0.1"}

    def start_node(self, index: int) -> subprocess.Popen:
        proc = self._start(f"web-{index + 1}", [str(BIN / "gunicorn"), "wsgi:app"], self.node_environ(index))
        if index < len(self.nodes):
            self.nodes[index] = proc
        else:
            self.nodes.append(proc)
        return proc

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        nodes = [f"127.0.0.1:{port}" for port in self.node_ports]
        conf = write_nginx(self.folder / "nginx", nodes, f"127.0.0.1:{self.port}")
        for index in range(len(self.node_ports)):
            self.start_node(index)
        for n in range(self.worker_count):
            self.others.append(self._start(f"worker-{n + 1}", [str(BIN / "python"), "-m", "workers"], self.environ))
        if self.integrator:
            self.others.append(self._start("log-integrator", [str(BIN / "flask"), "--app", "wsgi", "log", "integrate",
                                                             "--loop"], self.environ))
        for index, port in enumerate(self.node_ports):
            wait_http(f"http://127.0.0.1:{port}/api/v1/petitions", proc=self.nodes[index])
        self.nginx = self._start("nginx", [nginx_binary(), "-p", str(conf.parent), "-c", str(conf)], self.environ)
        wait_http(self.url + "/api/v1/petitions", proc=self.nginx)

    def worker_pids(self, index: int) -> list[int]:
        """The gunicorn workers of node `index` (the master's children)."""
        out = subprocess.run(["pgrep", "-P", str(self.nodes[index].pid)], capture_output=True, text=True).stdout
        return sorted(int(p) for p in out.split())

    def kill_node(self, index: int, wait: float = 5) -> dict:
        """SIGKILL node `index`'s master, as a machine that dies would; its workers follow it at once
        (gunicorn.conf.py:post_fork). Returns how long until none of the node was left."""
        proc = self.nodes[index]
        before = group_members(proc.pid)
        started = time.monotonic()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        while group_members(proc.pid) and time.monotonic() - started < wait:
            time.sleep(0.01)
        left = group_members(proc.pid)
        for pid in left:  # should never happen: say so, and do not leave them behind
            os.kill(pid, signal.SIGKILL)
        return {"master": proc.pid, "processes": len(before), "gone_after_s": round(time.monotonic() - started, 3),
                "left_behind": len(left)}

    @staticmethod
    def stop_process(proc: subprocess.Popen, grace: float = 20) -> None:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                return
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        for pid in group_members(proc.pid):  # the group's last ones (a gunicorn worker, RQ's work horse)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait()

    def stop(self) -> None:
        everything = ([self.nginx] if self.nginx else []) + self.nodes + self.others
        for proc in everything:  # SIGTERM to all at once: they stop side by side
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in everything:
            self.stop_process(proc)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.stack", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    render = sub.add_parser("render", help="print deploy/nginx/dauys.conf filled for a host")
    render.add_argument("--listen", default="80", help="what nginx's `listen` takes (80, 443 ssl, 127.0.0.1:8080)")
    render.add_argument("--node", action="append", required=True, help="a gunicorn node's address; once per node")
    render.add_argument("--root", default=str(ROOT), help="the checkout whose static/ nginx serves")
    render.add_argument("--cache", default="/var/cache/nginx/dauys")
    render.add_argument("--logs", default="/var/log/nginx")
    render.add_argument("--include", action="append", default=[],
                        help="a server-level line (e.g. 'include /etc/nginx/snippets/dauys-tls.conf;')")
    args = parser.parse_args(argv)
    sys.stdout.write(render_site(args.node, args.listen, args.root, args.cache, args.logs, "\n".join(args.include)))


if __name__ == "__main__":
    main()
