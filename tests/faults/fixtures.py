"""Fixtures shared by the fault tests: throwaway PostgreSQL and Redis servers, and the app on them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests import privacy_guard
from tests.conftest import ROOT, TEST_SETTINGS, make_app, migrated
from tests.faults.servers import ThrowawayPostgres, stop_group


@pytest.fixture
def pg():
    # not under pytest's tmp folder: that is private to root, and PostgreSQL runs as postgres
    folder = Path(tempfile.mkdtemp(prefix="dauys-pg-"))
    server = ThrowawayPostgres(folder)
    privacy_guard.watch(server.log, "the throwaway PostgreSQL server")
    server.start()
    yield server
    try:
        server.stop("immediate")
    except Exception:  # noqa: BLE001 - already down is fine
        pass
    privacy_guard.scan(server.log)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def app(pg, instance_dir):
    """The app on the throwaway server (overriding the suite's `app`: these run on it alone)."""
    app = make_app(migrated(pg.url), PETITION_RESTRICTED_SUPPORTERS=1, PETITION_THRESHOLD_GOVERNMENT=10_000)
    with app.app_context():
        yield app


@pytest.fixture
def redis_server():
    """A throwaway Redis on a free port, which a test may stop and start again on the same port."""
    from tests.faults.servers import ThrowawayRedis

    folder = Path(tempfile.mkdtemp(prefix="dauys-redis-"))
    server = ThrowawayRedis(folder)
    server.start()
    yield server
    server.stop()
    privacy_guard.scan(server.output)
    shutil.rmtree(folder, ignore_errors=True)


def start_worker(env: dict, argv: list[str] | None = None) -> subprocess.Popen:
    """`python -m workers` in a session of its own (so a test can kill it with its work horse and
    clock), its stdout and stderr in a file the IIN guard scans when `stop_worker` ends it.
    (`argv` replaces `-m workers` for the guard's own test.)"""
    output = privacy_guard.output_file("python -m workers")
    with open(output, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, *(argv or ["-m", "workers"])],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    proc.output = output
    return proc


def stop_worker(proc: subprocess.Popen) -> None:
    stop_group(proc)
    privacy_guard.scan(proc.output)


def worker_env(database_url: str, instance_dir, settings: dict) -> dict:
    return {
        **os.environ,
        **{f"DAUYS_{k}": str(v) for k, v in settings.items()},
        "DAUYS_DATABASE_URL": database_url,
        "DAUYS_SECRET_KEY": TEST_SETTINGS["SECRET_KEY"],  # the in-process app's: one keyed hash
        "DAUYS_INSTANCE_PATH": str(instance_dir),
    }


@contextmanager
def app_with_worker(database_url: str, redis_url: str, instance_dir, **settings):
    """The web app in this process and a `python -m workers` process beside it, on `redis_url`
    (limits on, stored there too; short outbox lease so redeliveries show within a test).

    `app.workers` lists the worker processes; a test that kills one starts the next with
    `app.start_worker()`. All are stopped, and their output scanned for IINs, at the end."""
    from tests.conftest import wipe

    settings = {
        "REDIS_URL": redis_url,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": redis_url,
        "OUTBOX_LEASE_SECONDS": 3,
        **settings,
    }
    app = make_app(database_url, **settings)
    env = worker_env(database_url, instance_dir, settings)
    app.workers = []

    def start() -> subprocess.Popen:
        app.workers.append(start_worker(env))
        return app.workers[-1]

    app.start_worker = start
    start()
    try:
        with app.app_context():
            yield app
    finally:
        for worker in app.workers:
            stop_worker(worker)
        wipe(app)


def wait(condition, seconds: float = 60, what: str = "") -> object:
    """Poll `condition` until it gives something true, and return that; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what or condition}"
        time.sleep(0.1)
    return value
