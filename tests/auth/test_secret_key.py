"""The secret key: never a constant. Made at random per instance folder when unset (0600, race-free,
kept across restarts); production refuses to start without one or with a guessable one."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import multiprocessing
import os
import stat
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask.json.tag import TaggedJSONSerializer
from itsdangerous import URLSafeTimedSerializer

import config
from tests.conftest import TEST_SETTINGS

# What an attacker tries first: the constant this code once had, the tests' old one, an empty key,
# the usual placeholders.
GUESSES = ("dev-only-not-secret", "", "test-secret", "secret", "changeme", "dauys", "development", "...")
STRONG = "k7Qe2-Xv9pLm4TzR8sWcNbYhJ3uFgA6dK1oVqEiZrM5tHxC0"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged_tokens(user_id: int, guess: str) -> list[str]:
    """HS256 tokens in the platform's shape, keyed from the guess (raw, and derived as the code does)."""
    now = int(time.time())
    keys = [guess.encode(), hashlib.sha256(b"dauys-api-token:" + guess.encode()).hexdigest().encode()]
    claims = [
        {"sub": str(user_id), "iat": now, "exp": now + 900, "typ": "dauys-api"},
        {"sub": str(user_id), "iat": now, "exp": now + 900, "typ": "dauys-api", "sid": "x" * 43},
    ]
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    tokens = []
    for key in keys:
        for claim in claims:
            signing_input = f"{head}.{_b64(json.dumps(claim).encode())}"
            tokens.append(f"{signing_input}.{_b64(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())}")
    return tokens


def forged_cookie(user_id: int, guess: str) -> str:
    """A Flask session cookie signed as Flask signs one, with the guessed secret."""
    serializer = URLSafeTimedSerializer(
        guess, salt="cookie-session", serializer=TaggedJSONSerializer(),
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
    )
    return serializer.dumps({"_user_id": str(user_id), "_fresh": True, "_id": "x"})


def demo_start(database_url: str, instance: Path, monkeypatch, **settings):
    """create_app as `make demo` runs it: no DAUYS_SECRET_KEY, this instance folder."""
    from factory import create_app

    monkeypatch.setenv("DAUYS_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("DAUYS_SECRET_KEY", raising=False)
    return create_app({"DATABASE_URL": database_url, "RATELIMIT_ENABLED": False, **settings})


def test_a_token_or_cookie_forged_with_a_guessed_secret_is_refused_by_a_fresh_app(
    app, make_citizen, database_url, tmp_path, monkeypatch
):
    from auth.services import account_for
    from extensions import db

    user_id = account_for(make_citizen().iin, datetime.now(UTC)).id
    db.session.commit()  # and nothing read after it: on SQLite a read would hold the write lock
    fresh = demo_start(database_url, tmp_path / "instance", monkeypatch)
    client = fresh.test_client()
    for guess in GUESSES:
        for token in forged_tokens(user_id, guess):
            response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 401, guess
            assert response.get_json()["error"]["code"] == "unauthorized"
            created = client.post("/api/v1/petitions", headers={"Authorization": f"Bearer {token}"},
                                  json={"title": "Жол", "body": "Жол керек " * 10, "language": "kk",
                                        "addressee": "government"})
            assert created.status_code == 401, guess
        cookie = forged_cookie(user_id, guess)
        with fresh.test_request_context(headers={"Cookie": f"session={cookie}"}):
            from flask import session

            assert "_user_id" not in session, f"a cookie signed with {guess!r} was accepted"
        client.set_cookie("session", cookie)
        page = client.get("/account")
        assert page.status_code == 302 and "/login" in page.headers["Location"], guess
    assert fresh.config["SECRET_KEY"] not in GUESSES


def test_two_fresh_instance_folders_get_different_owner_only_secrets(database_url, tmp_path, monkeypatch):
    first = demo_start(database_url, tmp_path / "one", monkeypatch).config["SECRET_KEY"]
    second = demo_start(database_url, tmp_path / "two", monkeypatch).config["SECRET_KEY"]
    assert first != second
    for folder, secret in (("one", first), ("two", second)):
        assert config.secret_weakness(secret) is None
        path = tmp_path / folder / config.SECRET_FILE
        assert path.read_text().strip() == secret
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE((tmp_path / folder).stat().st_mode) == 0o700
        assert [p.name for p in (tmp_path / folder).iterdir() if p.name.startswith(".")] == []


def test_a_restart_keeps_the_secret_so_cookies_and_keyed_hashes_survive(database_url, tmp_path, monkeypatch):
    from kernel.keyed_hashes import signer_hash

    before = demo_start(database_url, tmp_path / "instance", monkeypatch)
    after = demo_start(database_url, tmp_path / "instance", monkeypatch)
    elsewhere = demo_start(database_url, tmp_path / "other", monkeypatch)
    assert before.config["SECRET_KEY"] == after.config["SECRET_KEY"]
    cookie = before.session_interface.get_signing_serializer(before).dumps({"kept": True})
    assert after.session_interface.get_signing_serializer(after).loads(cookie) == {"kept": True}
    hashes = []
    for each in (before, after, elsewhere):
        with each.app_context():
            hashes.append(signer_hash("900101400123"))
    assert hashes[0] == hashes[1] != hashes[2]


def _read_secret(folder: str, barrier, results) -> None:
    barrier.wait()
    results.put(config.load(folder, {})["SECRET_KEY"])


def test_workers_starting_at_once_agree_on_one_secret(tmp_path):
    """gunicorn starts its workers together: each reads the one secret the first of them wrote."""
    context = multiprocessing.get_context("fork")
    count = 8
    barrier, results = context.Barrier(count), context.Queue()
    workers = [context.Process(target=_read_secret, args=(str(tmp_path), barrier, results)) for _ in range(count)]
    for worker in workers:
        worker.start()
    secrets_seen = {results.get(timeout=30) for _ in workers}
    for worker in workers:
        worker.join(timeout=30)
    assert len(secrets_seen) == 1
    assert secrets_seen == {(tmp_path / config.SECRET_FILE).read_text().strip()}
    assert sorted(p.name for p in tmp_path.iterdir()) == [config.SECRET_FILE]  # no temporary file left


@pytest.mark.parametrize("secret", [None, "", "s" * 40, "dev-only-not-secret", "test-secret", "short-but-random-7Hq",
                                    "bench-" + "k" * 40, "changeme" * 5, "your-secret-key-goes-here-please-change"])
def test_production_refuses_to_start_without_a_strong_secret(tmp_path, secret):
    environ = {"DAUYS_ENV": "production"}
    if secret is not None:
        environ["DAUYS_SECRET_KEY"] = secret
    with pytest.raises(RuntimeError, match="DAUYS_SECRET_KEY"):
        config.load(str(tmp_path), environ)
    assert not (tmp_path / config.SECRET_FILE).exists()  # production never makes its own


def test_production_starts_with_a_strong_secret_and_writes_none(tmp_path):
    values = config.load(str(tmp_path), {"DAUYS_ENV": "production", "DAUYS_SECRET_KEY": STRONG})
    assert values["SECRET_KEY"] == STRONG
    assert not (tmp_path / config.SECRET_FILE).exists()


@pytest.mark.parametrize("secret", ["dev-only-not-secret", "test-secret", "s" * 40, "short"])
def test_a_guessable_secret_is_refused_in_development_too(tmp_path, secret):
    """A deployment that forgot DAUYS_ENV=production must not run on a guessable secret either."""
    with pytest.raises(RuntimeError, match="DAUYS_SECRET_KEY"):
        config.load(str(tmp_path), {"DAUYS_SECRET_KEY": secret})


def test_a_secret_file_others_can_read_is_tightened_and_an_unusable_one_refused(tmp_path):
    path = tmp_path / config.SECRET_FILE
    made = config.load(str(tmp_path), {})["SECRET_KEY"]
    path.chmod(0o644)
    assert config.load(str(tmp_path), {})["SECRET_KEY"] == made
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for unusable in ("", "dev-only-not-secret\n"):
        path.write_text(unusable)
        with pytest.raises(RuntimeError, match=config.SECRET_FILE):
            config.load(str(tmp_path), {})


def test_the_tests_run_on_a_random_secret_of_their_own():
    assert config.secret_weakness(TEST_SETTINGS["SECRET_KEY"]) is None
    assert TEST_SETTINGS["SECRET_KEY"] not in GUESSES


def test_key_material_in_the_instance_folder_is_owner_only(app, make_citizen, instance_dir, tmp_path):
    from auth.instance_ca import certification_authority

    certification_authority()
    ca = instance_dir / "ca"
    assert stat.S_IMODE(ca.stat().st_mode) == 0o700
    for name in ("root.key.pem", "issuing.key.pem"):
        assert stat.S_IMODE((ca / name).stat().st_mode) == 0o600

    citizen = make_citizen()
    out = tmp_path / "keys"
    out.mkdir()
    (out / "auth.key.pem").write_text("old")
    os.chmod(out / "auth.key.pem", 0o644)  # a file left from before, readable by all
    runner = app.test_cli_runner()
    assert runner.invoke(args=["eds", "issue", "--iin", citizen.iin, "--out", str(out)]).exit_code == 0
    for name in ("auth.key.pem", "sign.key.pem"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o600, name

    bulk = tmp_path / "people.jsonl"
    result = runner.invoke(args=["eds", "issue-bulk", "--count", "1", "--kato", "113243200", "--out", str(bulk),
                                 "--key", "ec"])
    assert result.exit_code == 0, result.output
    assert "PRIVATE KEY" in bulk.read_text()
    assert stat.S_IMODE(bulk.stat().st_mode) == 0o600  # it holds private keys
