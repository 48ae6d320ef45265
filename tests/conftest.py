"""Shared fixtures: the app on SQLite and on real PostgreSQL, a test CA, people with key sets."""

from __future__ import annotations

import json
import os
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from jose import jws as jose_jws

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("DAUYS_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("DAUYS_TEST_REDIS", "redis://127.0.0.1:6379/0")
IN_CI = bool(os.environ.get("CI"))


def service_missing(what: str, why: object) -> None:
    """A test that needs PostgreSQL or Redis fails under CI and is skipped on a laptop without it."""
    message = f"{what} is not reachable: {why}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("instance")
    os.environ["DAUYS_INSTANCE_PATH"] = str(path)
    return path


def _pg_admin() -> psycopg.Connection:
    for url in (PG_ADMIN_URL, "postgresql://root@127.0.0.1:5432/test", "postgresql://127.0.0.1:5432/test"):
        try:
            return psycopg.connect(url, autocommit=True, connect_timeout=3)
        except psycopg.OperationalError as exc:
            last = exc
    raise last


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh database on the real PostgreSQL server, dropped at the end."""
    try:
        admin = _pg_admin()
    except psycopg.OperationalError as exc:
        service_missing("PostgreSQL at 127.0.0.1:5432", exc)
    name = f"dauys_test_{uuid.uuid4().hex[:10]}"
    user = admin.info.user
    admin.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql://{user}@127.0.0.1:5432/{name}"
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture(scope="session")
def redis_url() -> str:
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except RedisError as exc:
        service_missing(f"Redis at {REDIS_URL}", exc)
    return REDIS_URL


_MIGRATED: set[str] = set()


def migrated(url: str) -> str:
    """The database at `url`, brought to the newest schema by the Alembic migrations."""
    if url not in _MIGRATED:
        from flask_migrate import upgrade

        from factory import create_app

        app = create_app({"DATABASE_URL": url})
        with app.app_context():
            upgrade()
        _MIGRATED.add(url)
    return url


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, instance_dir, tmp_path_factory) -> str:
    """Every test that uses the app runs on SQLite and on real PostgreSQL, both migrated by Alembic."""
    if request.param == "sqlite":
        return migrated(f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'dauys.sqlite3'}")
    return migrated(request.getfixturevalue("pg_url"))


@pytest.fixture(scope="session")
def postgres_database(instance_dir, pg_url) -> str:
    """For the tests that only make sense on the production stack."""
    return migrated(pg_url)


TEST_SETTINGS = {
    "ENV": "test",
    "TESTING": True,
    "RATELIMIT_ENABLED": False,
    "REDIS_URL": None,
    "MAIL_SERVER": "127.0.0.1",
    "MAIL_PORT": 1,  # nothing listens: tests that send mail start their own server
    "MAIL_TIMEOUT_SECONDS": 3,
    "SECRET_KEY": secrets.token_urlsafe(48),  # a new one each run: no test relies on a known secret
    "WTF_CSRF_ENABLED": False,  # tests of CSRF itself and the browser tests turn it on
}


def make_app(database_url: str, **overrides):
    from factory import create_app

    return create_app({**TEST_SETTINGS, "DATABASE_URL": database_url, **overrides})


def wipe(app) -> None:
    from extensions import db

    with app.app_context():
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            with db.engine.begin() as conn:
                conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        else:
            from audit import schema

            with db.engine.begin() as conn:
                # the audit log refuses DELETE by trigger: lift it for the wipe, put it back
                for statement in schema.statements("sqlite", create=False):
                    conn.exec_driver_sql(statement)
                for table in tables:
                    conn.execute(table.delete())
                for statement in schema.statements("sqlite", create=True):
                    conn.exec_driver_sql(statement)
        db.engine.dispose()


@pytest.fixture
def app(database_url):
    yield from serving(make_app(database_url))


def serving(app):
    """A fixture's body: `app` in its context for the test, then the job thread drained and the
    tables wiped (`yield from serving(make_app(...))`)."""
    with app.app_context():
        yield app
        from extensions import db
        from workers.queues import wait_for_inprocess

        db.session.rollback()  # let the job thread write (SQLite has one writer at a time)
        wait_for_inprocess()
    wipe(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def territories(app):
    """A region, its district, a rural district with two villages, and Astana."""
    from extensions import db
    from kernel.territories import Territory

    rows = [
        Territory(kato="110000000", name_kk="Ақмола облысы", name_ru="Акмолинская область", name_en="Akmola Region", level="region", population=786000),
        Territory(kato="113200000", name_kk="Ақкөл ауданы", name_ru="Аккольский район", level="district", parent="110000000"),
        Territory(kato="113243000", name_kk="Кеңес ауылдық округі", name_ru="Кенесский сельский округ", level="rural_district", parent="113200000"),
        Territory(kato="113243100", name_kk="Домбыралы ауылы", name_ru="село Домбыралы", level="settlement", parent="113243000"),
        Territory(kato="113243200", name_kk="Кеңес ауылы", name_ru="село Кенес", level="settlement", parent="113243000"),
        Territory(kato="710000000", name_kk="Астана қаласы", name_ru="город Астана", name_en="Astana", level="city", population=1528887),
    ]
    for row in rows:
        db.session.add(row)
        db.session.flush()
    db.session.commit()
    return rows


@dataclass
class Citizen:
    iin: str
    auth_key: bytes
    auth_cert: bytes
    sign_key: bytes
    sign_cert: bytes
    chain: list[str]  # x5c: leaf is added per key
    officials: dict = field(default_factory=dict, repr=False)  # (role, scope, body) -> OfficialKeys

    def x5c(self, cert_pem: bytes) -> list[str]:
        return [pem_to_b64_der(cert_pem), self.chain[0]]

    def jws(self, payload: dict, usage: str = "sign", alg: str | None = None, headers: dict | None = None) -> str:
        key = self.sign_key if usage == "sign" else self.auth_key
        cert = self.sign_cert if usage == "sign" else self.auth_cert
        return sign_jws(payload, key, {"x5c": self.x5c(cert), **(headers or {})}, alg)

    def official(self, role: str | None = None, scope: str | None = None, body: str | None = None, key_type: str = "ec"):
        """This person's official certificate for one of their role grants (API.md "Official acts"),
        issued on first use as `flask eds issue-official` would; needs the app context."""
        key = (role, scope, body)
        if key not in self.officials:
            self.officials[key] = issue_official(self.iin, role, scope, body, key_type)
        return self.officials[key]

    def act(self, purpose: str, doc: dict | None = None, *, iat: int | None = None, role: str | None = None,
            scope: str | None = None, body: str | None = None, **fields) -> str:
        """An official act signed with this person's official certificate: {purpose, iat, doc?, **fields}."""
        payload = {"purpose": purpose, "iat": int(time.time()) if iat is None else iat, **fields}
        if doc is not None:
            payload["doc"] = doc
        return self.official(role, scope, body).jws(payload)


@dataclass
class OfficialKeys:
    key: bytes
    cert: bytes
    chain: list[str]
    staff_serial: str

    def jws(self, payload: dict, alg: str | None = None, headers: dict | None = None) -> str:
        return sign_jws(payload, self.key, {"x5c": [pem_to_b64_der(self.cert), self.chain[0]], **(headers or {})}, alg)


def issue_official(iin: str, role=None, scope=None, body=None, key_type: str = "ec") -> OfficialKeys:
    """Issue (and commit) the official certificate of one of a person's role grants."""
    from auth import services
    from auth.models import Person
    from extensions import db

    grant = services.official_grant(iin, role, scope, body)
    issued = services.issue_official_key_set(db.session.get(Person, iin), grant, key_type, datetime.now(UTC))
    db.session.commit()
    return OfficialKeys(
        key=issued.key.key_pem, cert=issued.key.cert_pem,
        chain=[pem_to_b64_der(block) for block in _pem_blocks(issued.chain_pem)], staff_serial=issued.staff_serial,
    )


def pem_to_b64_der(pem: bytes) -> str:
    import base64

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    cert = x509.load_pem_x509_certificate(pem)
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def sign_jws(payload: dict, key_pem: bytes, headers: dict, alg: str | None = None) -> str:
    """An independent client-side signer (python-jose), as an outside program would write it."""
    if alg is None:
        alg = "ES256" if b"EC" in key_pem[:40] or _is_ec(key_pem) else "RS256"
    return jose_jws.sign(json.dumps(payload).encode(), key_pem.decode(), headers=headers, algorithm=alg)


def _is_ec(key_pem: bytes) -> bool:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    return isinstance(serialization.load_pem_private_key(key_pem, None), ec.EllipticCurvePrivateKey)


@pytest.fixture
def make_citizen(app, territories):
    """Add a registry person and issue their key set; returns a Citizen."""
    from auth import services
    from auth.iin import make
    from extensions import db

    counter = iter(range(1000, 9999))
    issued: set[str] = set()

    def make_one(kato="113243200", born=None, key_type="ec", surname="Сейтқалиева", given_name="Айгерім", email=None):
        from datetime import date

        born = born or date(1990, 5, 17)
        iin = make(born, "F", next(counter))
        while iin in issued:  # a serial without a check digit falls through to the next one
            iin = make(born, "F", next(counter))
        issued.add(iin)
        person = services.add_person(iin=iin, surname=surname, given_name=given_name, kato=kato, email=email)
        key_set = services.issue_key_set(person, key_type, datetime.now(UTC))
        db.session.commit()
        chain = [pem_to_b64_der(block) for block in _pem_blocks(key_set.chain_pem)]
        return Citizen(
            iin=iin,
            auth_key=key_set.auth.key_pem,
            auth_cert=key_set.auth.cert_pem,
            sign_key=key_set.sign.key_pem,
            sign_cert=key_set.sign.cert_pem,
            chain=chain,
        )

    return make_one


def _pem_blocks(pem: bytes) -> list[bytes]:
    marker = b"-----END CERTIFICATE-----"
    return [block + marker + b"\n" for block in pem.split(marker) if block.strip()]


# An answer with the substance DOMAIN.md "After the answer" asks (at least 200 characters; a
# supporting one names measures and a report date): what the tests answer with unless they test that.
ANSWER_TEXT = (
    "Өтініш мұқият қаралды. Әкімдік көше жарығын 2027 жылғы жергілікті бюджетке енгізді: жобалау-сметалық "
    "құжаттама дайындалады, конкурс өткізіледі, жұмыс мердігермен шарт бойынша жүргізіледі. Көпір салу "
    "мәселесі облыстық бағдарламаға ұсынылды, оның нәтижесі туралы азаматтарға хабарланады."
)


def answer_fields(decision: str = "supported", today=None, **overrides) -> dict:
    """The members of a valid `petition.answer` act for `decision`, dated from `today` (the server's
    Kazakhstan day; default: today)."""
    from datetime import timedelta

    from kernel.kazakhstan_time import local_date

    today = today or local_date(datetime.now(UTC))
    fields = {"decision": decision, "text": ANSWER_TEXT}
    if decision != "not_supported":
        fields["measures"] = [
            {"body": "Қала әкімдігі", "what": "Көше жарығын жобалау және орнату", "due_on": (today + timedelta(days=120)).isoformat()},
            {"body": "Облыс әкімдігі", "what": "Көпір салуды бағдарламаға ұсыну", "due_on": (today + timedelta(days=60)).isoformat()},
        ]
        fields["report_due_on"] = (today + timedelta(days=180)).isoformat()
    return fields | overrides


def now_ts() -> int:
    return int(time.time())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MailCatcher:
    """A real SMTP server (aiosmtpd) on a free port; `mode` makes it accept, defer or refuse."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list = []
        self.mode = "accept"
        self.held = 0
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.mode == "hold":
            # keep the sender waiting for its 250, as a slow server does, until the mode changes
            import asyncio

            self.held += 1
            while self.mode == "hold":
                await asyncio.sleep(0.05)
            if server.transport is None or server.transport.is_closing():
                return "421 4.4.2 connection lost"  # the sender died waiting: never acknowledged, not delivered
        if self.mode == "defer":
            return "451 4.3.0 try again later"
        if self.mode == "refuse":
            return "550 5.1.1 no such mailbox"
        from email import message_from_bytes
        from email.policy import default

        self.messages.append(message_from_bytes(envelope.content, policy=default))
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 20.0) -> list:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


@pytest.fixture
def smtp():
    catcher = MailCatcher()
    catcher.controller.start()
    yield catcher
    catcher.controller.stop()


def pytest_configure(config):
    from tests import privacy_guard

    privacy_guard.install()


@pytest.fixture(autouse=True)
def _watch_logs_for_iins():
    from tests import privacy_guard

    privacy_guard.watch_logs()


def pytest_sessionfinish(session, exitstatus):
    from tests import privacy_guard

    privacy_guard.scan_all()  # the output of processes the tests started, still unscanned
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker (make test runs two): the controller reports
        workeroutput["privacy_findings"] = sorted(set(privacy_guard.FINDINGS))
        return
    if privacy_guard.FINDINGS:
        report = "\n".join(sorted(set(privacy_guard.FINDINGS)))
        print(f"\n\nAn IIN appeared where it must not (tests/privacy_guard.py):\n{report}")
        session.exitstatus = 1


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """On the xdist controller: a worker's findings count as if found here (pytest_sessionfinish)."""
    from tests import privacy_guard

    privacy_guard.FINDINGS.extend(getattr(node, "workeroutput", {}).get("privacy_findings", []))


@pytest.fixture
def server(app):
    """The app, served by werkzeug with a thread per request, on a free port."""
    port = free_port()
    from werkzeug.serving import make_server

    httpd = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    httpd.shutdown()
    thread.join(timeout=10)
