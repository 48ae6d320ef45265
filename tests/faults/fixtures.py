"""Fixtures shared by the fault tests: throwaway PostgreSQL and Redis servers, and the app on them."""

from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import make_app, migrated
from tests.faults.servers import ThrowawayPostgres


@pytest.fixture
def pg():
    # not under pytest's tmp folder: that is private to root, and PostgreSQL runs as postgres
    folder = Path(tempfile.mkdtemp(prefix="dauys-pg-"))
    server = ThrowawayPostgres(folder)
    server.start()
    yield server
    try:
        server.stop("immediate")
    except Exception:  # noqa: BLE001 - already down is fine
        pass
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

    server = ThrowawayRedis(Path(tempfile.mkdtemp(prefix="dauys-redis-")))
    server.start()
    yield server
    server.stop()


@contextmanager
def app_with_worker(database_url: str, redis_url: str, instance_dir, **settings):
    """The web app in this process and a `python -m workers` process beside it, on `redis_url`
    (limits on, stored there too; short outbox lease so redeliveries show within a test)."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT, wipe
    from tests.faults.servers import stop_group

    settings = {"REDIS_URL": redis_url, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": redis_url,
                "OUTBOX_LEASE_SECONDS": 3, **settings}
    app = make_app(database_url, **settings)
    env = {**os.environ, **{f"DAUYS_{k}": str(v) for k, v in settings.items()}, "DAUYS_DATABASE_URL": database_url,
           "DAUYS_SECRET_KEY": "test-secret", "DAUYS_INSTANCE_PATH": str(instance_dir)}
    worker = subprocess.Popen([sys.executable, "-m", "workers"], cwd=ROOT, env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with app.app_context():
            yield app
    finally:
        stop_group(worker)
        wipe(app)
