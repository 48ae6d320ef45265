"""An outside program using only API.md drives the real server over HTTP and its CLI."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("key_type", ["rsa", "ec"])
def test_outside_client_signs_in_and_every_forgery_gets_its_code(live_server, sqlite_url, instance_dir, key_type):
    env = {**os.environ, "DAUYS_DATABASE_URL": sqlite_url, "DAUYS_INSTANCE_PATH": str(instance_dir)}
    result = subprocess.run(
        [sys.executable, "examples/outside_client.py", "--base-url", live_server.url,
         "--flask", f"{sys.executable} -m flask --app wsgi", "--kato", "113243200", "--key", key_type],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all steps as API.md says" in result.stdout
    assert result.stdout.count("ok ") == 11


def test_outside_client_takes_a_petition_from_draft_to_answered(live_server, sqlite_url, instance_dir):
    live_server.app.config.update(PETITION_THRESHOLD_GOVERNMENT=3, PETITION_RESTRICTED_SUPPORTERS=1)
    env = {**os.environ, "DAUYS_DATABASE_URL": sqlite_url, "DAUYS_INSTANCE_PATH": str(instance_dir)}
    result = subprocess.run(
        [sys.executable, "examples/petition_journey.py", "--base-url", live_server.url,
         "--flask", f"{sys.executable} -m flask --app wsgi", "--signers", "3"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all steps as API.md says" in result.stdout
    assert "FAIL" not in result.stdout
