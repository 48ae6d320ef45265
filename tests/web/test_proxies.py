"""Behind nginx, the client is who the proxy says, and only the proxy (web/proxies.py).

A rate limit keyed on the client's address (POST /api/v1/auth/challenge, 30 a minute) shows whose
address the app believes: behind a trusted proxy each client has its own allowance; an
X-Forwarded-For from anyone else, or with DAUYS_PROXY_HOPS unset, is ignored."""

from __future__ import annotations

import pytest

import config
from tests.conftest import make_app, migrated, wipe
from web.proxies import TrustedProxies

PROXY, STRANGER = "127.0.0.1", "198.51.100.7"
LIMIT = 30  # auth/api.py:challenge


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    return migrated(f"sqlite:///{tmp_path_factory.mktemp('proxies') / 'dauys.sqlite3'}")


def limited_app(database: str, **overrides):
    return make_app(database, RATELIMIT_ENABLED=True, **overrides)  # no Redis: limits kept in memory


def challenge(client, peer: str, forwarded_for: str | None = None, proto: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    if proto:
        headers["X-Forwarded-Proto"] = proto
    return client.post("/api/v1/auth/challenge", json={}, headers=headers,
                       environ_base={"REMOTE_ADDR": peer}).status_code


def spend_allowance(client, peer: str, forwarded_for: str | None) -> None:
    assert [challenge(client, peer, forwarded_for) for _ in range(LIMIT)] == [201] * LIMIT


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(database):
    app = limited_app(database, PROXY_HOPS=1)
    try:
        client = app.test_client()
        spend_allowance(client, PROXY, "203.0.113.5")
        assert challenge(client, PROXY, "203.0.113.5") == 429
        assert challenge(client, PROXY, "203.0.113.6") == 201  # another citizen behind the same proxy
        # what the client itself wrote in front of the proxy's value is not believed (the rightmost hop is)
        assert challenge(client, PROXY, "203.0.113.6, 203.0.113.5") == 429
    finally:
        wipe(app)


def test_an_untrusted_x_forwarded_for_is_ignored(database):
    app = limited_app(database, PROXY_HOPS=1)
    try:
        client = app.test_client()
        # a client that reached gunicorn directly cannot buy a fresh allowance with a made-up header
        for n in range(LIMIT):
            assert challenge(client, STRANGER, f"203.0.113.{n}") == 201
        assert challenge(client, STRANGER, "203.0.113.200") == 429
        assert challenge(client, STRANGER) == 429
    finally:
        wipe(app)


def test_without_proxy_hops_the_header_is_ignored_even_from_the_proxy(database):
    app = limited_app(database)  # DAUYS_PROXY_HOPS defaults to 0
    assert not isinstance(app.wsgi_app, TrustedProxies)
    try:
        client = app.test_client()
        for n in range(LIMIT):
            assert challenge(client, PROXY, f"203.0.113.{n}") == 201
        assert challenge(client, PROXY, "203.0.113.200") == 429
    finally:
        wipe(app)


def test_the_scheme_is_the_proxys_word_only_from_the_proxy():
    from flask import Flask, request

    bare = Flask(__name__)
    bare.get("/")(lambda: f"{request.remote_addr} {request.scheme}")
    bare.wsgi_app = TrustedProxies(bare.wsgi_app, 1, config.proxy_networks("127.0.0.1, 10.0.0.0/24"))
    client = bare.test_client()
    head = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    assert client.get("/", headers=head, environ_base={"REMOTE_ADDR": "10.0.0.17"}).text == "203.0.113.9 https"
    assert client.get("/", headers=head, environ_base={"REMOTE_ADDR": STRANGER}).text == f"{STRANGER} http"


@pytest.mark.parametrize("raw", ["127.0.0.1,nonsense", "10.0.0.0/33"])
def test_a_trusted_proxy_that_is_no_address_is_refused_at_start(tmp_path, raw):
    with pytest.raises(RuntimeError, match="DAUYS_TRUSTED_PROXIES"):
        config.load(str(tmp_path), {"DAUYS_TRUSTED_PROXIES": raw})
    with pytest.raises(RuntimeError, match="DAUYS_PROXY_HOPS"):
        config.load(str(tmp_path), {"DAUYS_PROXY_HOPS": "-1"})
