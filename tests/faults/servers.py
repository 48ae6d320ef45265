"""Throwaway PostgreSQL and Redis servers for fault tests, started from the installed binaries on
free ports (as pytest-postgresql and pytest-redis do) — so a test may stop, kill and restart them
without touching the machine's shared services."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

from tests.conftest import free_port


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise FileNotFoundError(f"PostgreSQL's {name} is not installed")
    return found[-1]


class ThrowawayPostgres:
    """initdb into a folder of the test's, then pg_ctl start/stop/restart on a free port."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.data = folder / "data"
        self.log = folder / "server.log"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._as_owner: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run it as the postgres user
            owner = pwd.getpwnam("postgres")
            shutil.chown(folder, owner.pw_uid, owner.pw_gid)
            self._as_owner = ["runuser", "-u", "postgres", "--"]
        self._run(_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync")

    def _run(self, *cmd: str) -> None:
        subprocess.run([*self._as_owner, *cmd], check=True, capture_output=True, timeout=120)

    def _ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(_pg_bin("pg_ctl"), action, "-D", str(self.data), "-o", options, "-l",
                  str(self.log), "-w", *extra)

    def start(self) -> None:
        self._ctl("start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("stop", "-m", mode)

    def restart(self, mode: str = "fast") -> None:
        self._ctl("restart", "-m", mode)


class ThrowawayRedis:
    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None
        from tests import privacy_guard

        self.output = privacy_guard.output_file("the throwaway Redis server")

    def start(self) -> None:
        with open(self.output, "ab") as out:
            self.process = subprocess.Popen(
                [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
                stdout=out, stderr=subprocess.STDOUT,
            )
        from redis import Redis

        for _ in range(100):
            try:
                Redis.from_url(self.url, socket_connect_timeout=0.2).ping()
                return
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.05)
        raise RuntimeError("redis did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def session_members(proc: subprocess.Popen) -> list[int]:
    """The live (not zombie) processes of the session a process started with start_new_session leads."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as stat:
                    state, _ppid, _pgrp, session = stat.read().rpartition(b")")[2].split()[:4]
            except OSError:
                continue  # gone meanwhile
            if int(session) == proc.pid and state != b"Z":
                members.append(int(entry))
    return members


def kill_session(proc: subprocess.Popen) -> None:
    """`kill -9` of a process started with start_new_session and of everything it started, no goodbye.

    Not killpg alone: RQ's work horse leaves the worker's process group (os.setpgrp), so killing the
    group would leave the horse running the job to its end. It stays in the session, so that finds it.
    """
    import signal

    for _ in range(50):
        members = session_members(proc)
        if not members:
            break
        for pid in members:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)  # a horse forked meanwhile is caught by the next round
    proc.wait()


def stop_group(proc: subprocess.Popen, grace: float = 15) -> None:
    """Stop a process started with start_new_session and its children: politely, then for sure
    (an RQ worker waiting out a reconnect back-off may not hear SIGTERM for a while; a work horse
    orphaned by a killed worker sits in a process group of its own)."""
    import signal

    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            pass
    kill_session(proc)
