"""The front (deploy/): the nginx site renders and nginx accepts it; and, slow, the real stack of
`make serve` — nginx before two gunicorn nodes — signs, caches the public count for its max-age,
serves static/ itself, fails over when a node is killed and answers 503 with Retry-After when none
is left."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

from deploy.stack import LocalStack, free_port, nginx_binary, render_site, standalone_conf, write_nginx
from tests import privacy_guard
from tests.conftest import make_app, wipe

NODES = ["127.0.0.1:8001", "127.0.0.1:8002"]


@pytest.fixture(scope="module")
def nginx():
    found = nginx_binary()
    if found is None:
        message = "nginx is not installed (make test installs Debian's nginx-light)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def test_the_site_renders_for_this_machine_and_nginx_accepts_it(nginx, tmp_path):
    conf = write_nginx(tmp_path, NODES, "127.0.0.1:18080")  # runs nginx -t, raises if refused
    site = (tmp_path / "dauys.conf").read_text()
    assert "server 127.0.0.1:8001 max_fails=1" in site and "server 127.0.0.1:8002 max_fails=1" in site
    assert f"alias {Path(__file__).resolve().parents[2]}/static/;" in site
    assert "daemon off;" in conf.read_text()


def test_the_production_rendering_is_accepted_too(nginx, tmp_path):
    """As README "Running it for real" renders it: port 80, a server name included, Debian's paths
    replaced by the test's (nginx -t opens them)."""
    for sub in ("cache", "tmp", "logs"):
        (tmp_path / sub).mkdir()
    site = tmp_path / "dauys.conf"
    site.write_text(render_site(NODES, "127.0.0.1:18081", "/srv/dauys", tmp_path / "cache", tmp_path / "logs",
                                "server_name dauys.kz;"))
    conf = tmp_path / "nginx.conf"
    conf.write_text(standalone_conf(tmp_path, site))
    done = subprocess.run([nginx, "-t", "-q", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_every_place_needs_a_value():
    with pytest.raises(ValueError):
        render_site([], "80")


# --- the real stack ------------------------------------------------------------------------------


@pytest.fixture
def app(postgres_database, instance_dir):
    """On PostgreSQL only (the stack's processes share its database): overrides the suite's `app`."""
    app = make_app(postgres_database, PETITION_RESTRICTED_SUPPORTERS=1)
    with app.app_context():
        yield app
    wipe(app)


@pytest.fixture
def stack(app, instance_dir, tmp_path, nginx):
    from tests.conftest import TEST_SETTINGS

    logs = tmp_path / "access.log"
    environ = {
        **os.environ,
        "DAUYS_DATABASE_URL": app.config["DATABASE_URL"],
        "DAUYS_SECRET_KEY": TEST_SETTINGS["SECRET_KEY"],  # the test's keyed hash of IINs
        "DAUYS_INSTANCE_PATH": str(instance_dir),
        "DAUYS_RATELIMIT_ENABLED": "0",
        "DAUYS_PETITION_RESTRICTED_SUPPORTERS": "1",
        "DAUYS_WEB_WORKERS": "1",
        "GUNICORN_CMD_ARGS": f"--access-logfile {logs}",  # both nodes: one line per request the app served
    }
    environ.pop("DAUYS_REDIS_URL", None)
    privacy_guard.watch(logs, "gunicorn's access log")
    stack = LocalStack(tmp_path / "stack", environ, free_port(), nodes=2, workers=0, integrator=False,
                       on_log=privacy_guard.watch)
    stack.access_log = logs
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
        for log in [logs, *(tmp_path / "stack").glob("*.log")]:
            privacy_guard.scan(log)


def call(url: str, method: str = "GET", body: dict | None = None, headers: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def app_requests(stack, fragment: str) -> int:
    time.sleep(0.2)  # gunicorn writes its access line after the response
    text = stack.access_log.read_text() if stack.access_log.exists() else ""
    return sum(fragment in line for line in text.splitlines())



@pytest.mark.slow
def test_signing_and_the_cached_count_through_nginx_and_two_nodes(stack, make_citizen):
    from extensions import db
    from tests.petitions.test_concurrency import citizen, sign_payload
    from tests.petitions.test_transitions import make_petition

    now = datetime.now(UTC)
    author = make_citizen(kato="710000000")
    petition = make_petition("open", author.iin, now, threshold=1000)
    signers = [citizen(make_citizen, kato="710000000") for _ in range(3)]
    db.session.commit()
    base = stack.url
    signing = f"{base}/api/v1/petitions/{petition.id}/signatures"
    bodies = [sign_payload(signer, petition) for signer in signers]
    for body in bodies:
        status, _, answer = call(signing, "POST", body)
        assert status == 201, answer
    status, _, answer = call(signing, "POST", bodies[0])
    assert status == 409 and json.loads(answer)["error"]["code"] == "already_signed"

    # the count: two GETs within its max-age (1 s) are one request to the app
    count = f"{base}/api/v1/petitions/{petition.id}/count"
    served = app_requests(stack, f"/api/v1/petitions/{petition.id}/count")
    time.sleep(1.1)
    first = call(count)
    second = call(count)
    assert first[0] == second[0] == 200, (first, second)
    assert json.loads(second[2])["signature_count"] == 3
    assert second[1]["X-Cache-Status"] == "HIT" and second[1]["Cache-Control"] == "public, max-age=1"
    assert app_requests(stack, f"/api/v1/petitions/{petition.id}/count") == served + 1
    # a query string cannot make a viewer's refresh a request to the app
    call(count + "?t=12345")
    assert app_requests(stack, f"/api/v1/petitions/{petition.id}/count") == served + 1

    # static/ is nginx's own, revalidated: not in the app's access log
    status, headers, _ = call(f"{base}/static/css/app.css")
    assert status == 200 and headers["Cache-Control"] == "no-cache"
    assert call(f"{base}/static/css/app.css", headers={"If-None-Match": headers["ETag"]})[0] == 304
    assert app_requests(stack, "/static/") == 0

    # a node killed with SIGKILL: its workers go with it, the other node answers everything
    killed = stack.kill_node(0)
    assert killed["left_behind"] == 0 and killed["processes"] == 2
    for _ in range(4):
        assert call(f"{base}/api/v1/petitions/{petition.id}")[0] == 200
    late = citizen(make_citizen, kato="710000000")
    db.session.commit()
    assert call(signing, "POST", sign_payload(late, petition))[0] == 201

    # no node left: a retryable refusal (and the last count, stale, rather than none)
    stack.kill_node(1)
    status, headers, answer = call(f"{base}/api/v1/petitions/{petition.id}")
    assert status == 503 and headers["Retry-After"] == "2"
    assert json.loads(answer)["error"]["code"] == "service_unavailable"
    assert call(signing, "POST", bodies[1])[0] == 503
    time.sleep(1.1)
    status, headers, answer = call(count)
    assert status == 200 and json.loads(answer)["signature_count"] >= 3


@pytest.mark.slow
def test_a_body_over_the_apps_limit_is_refused_by_nginx_as_the_app_would(stack):
    status, _, answer = call(f"{stack.url}/api/v1/auth/challenge", "POST", {"jws": "a" * (3 * 1024 * 1024)})
    assert status == 413 and json.loads(answer)["error"]["code"] == "validation_error"
    assert app_requests(stack, "/auth/challenge") == 0
