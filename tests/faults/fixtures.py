"""Fixtures shared by the fault tests: a throwaway PostgreSQL and the app on it."""

from __future__ import annotations

import shutil
import tempfile
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
