"""`python -m workers` stops when told to, in every state it can be in: SIGTERM (or SIGINT) and
within a few seconds every process of its session is gone — the worker, its RQ scheduler, the
outbox clock and a work horse — with exit code 0. A job that hangs is given WORKER_STOP_SECONDS,
then killed; its e-mail is delivered once, later, by the next worker.

Signals go where each supervisor sends them: to the worker alone (Kubernetes signals the
container's main process), to its process group (Ctrl+C in a terminal), or to every process of
its session (systemd signals the whole cgroup, the work horse in its own process group included).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid

import pytest
from sqlalchemy import func, select

from tests.auth.test_api import login
from tests.conftest import make_app, wipe
from tests.faults.fixtures import redis_server, start_worker, stop_worker, wait, worker_env  # noqa: F401
from tests.faults.servers import session_members

pytestmark = pytest.mark.slow

STOP_SECONDS = 8  # what a supervisor would wait before its SIGKILL; the worker's grace is 2 s here
HOW = [(signal.SIGTERM, "worker"), (signal.SIGTERM, "session"), (signal.SIGINT, "group")]
HOW_IDS = ["SIGTERM-to-the-worker", "SIGTERM-to-the-session", "SIGINT-to-the-group"]


@pytest.fixture
def app(postgres_database, redis_server, smtp, instance_dir):  # noqa: F811
    """The web app on PostgreSQL and a throwaway Redis (a test may stop it); `app.start_worker`
    starts `python -m workers` beside it. A long SMTP timeout, so that a held exchange hangs for
    longer than the test waits, and short leases, so that a redelivery shows within the test."""
    settings = {
        "REDIS_URL": redis_server.url, "QUEUE_NAME": f"dauys-stop-{uuid.uuid4().hex[:8]}",
        "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port, "MAIL_TIMEOUT_SECONDS": 120,
        "OUTBOX_LEASE_SECONDS": 3, "EMAIL_LEASE_SECONDS": 3, "WORKER_STOP_SECONDS": 2,
    }
    app = make_app(postgres_database, **settings)
    env = worker_env(postgres_database, instance_dir, settings)
    workers: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        workers.append(start_worker(env))
        return workers[-1]

    app.start_worker = start
    with app.app_context():
        yield app
    for proc in workers:
        stop_worker(proc)  # kills whatever is left, and scans the output for IINs
    wipe(app)


def said(proc: subprocess.Popen, text: str) -> bool:
    return text.encode() in proc.output.read_bytes()


def send(proc: subprocess.Popen, sig: signal.Signals, to: str) -> None:
    if to == "worker":
        os.kill(proc.pid, sig)
    elif to == "group":
        os.killpg(proc.pid, sig)
    else:
        for pid in session_members(proc):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass


def assert_all_gone(proc: subprocess.Popen, seconds: float = STOP_SECONDS) -> None:
    """Every process of the worker's session ends within `seconds`, and the worker exits with 0."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and (proc.poll() is None or session_members(proc)):
        time.sleep(0.1)
    left = session_members(proc)
    tail = proc.output.read_text(errors="replace")[-3000:]
    assert proc.poll() is not None and not left, f"still running after {seconds} s: {left}\n{tail}"
    assert proc.returncode == 0, f"exit code {proc.returncode}\n{tail}"


def started(proc: subprocess.Popen) -> None:
    """Listening on its queue, with its RQ scheduler and the clock beside it."""
    wait(lambda: said(proc, "Listening on"), 60, "the worker to listen")
    wait(lambda: len(session_members(proc)) >= 3, 30, "the worker's scheduler and clock")


@pytest.mark.parametrize(("sig", "to"), HOW, ids=HOW_IDS)
def test_an_idle_worker_stops(app, sig, to):
    worker = app.start_worker()
    started(worker)
    send(worker, sig, to)
    assert_all_gone(worker)


@pytest.mark.parametrize(("sig", "to"), HOW, ids=HOW_IDS)
def test_a_worker_started_while_redis_is_down_stops(app, redis_server, sig, to):  # noqa: F811
    redis_server.stop()
    worker = app.start_worker()
    wait(lambda: said(worker, "Redis unreachable"), 60, "the worker to find Redis away")
    wait(lambda: len(session_members(worker)) >= 2, 30, "the clock")
    send(worker, sig, to)
    assert_all_gone(worker)


@pytest.mark.parametrize(("sig", "to"), HOW, ids=HOW_IDS)
def test_a_worker_that_lost_redis_stops(app, redis_server, sig, to):  # noqa: F811
    worker = app.start_worker()
    started(worker)
    redis_server.stop()
    wait(lambda: said(worker, "could not connect to Redis"), 30, "the worker to miss Redis")
    time.sleep(1.5)  # into RQ's back-off between reconnects
    send(worker, sig, to)
    assert_all_gone(worker)


@pytest.mark.parametrize(("sig", "to"), HOW, ids=HOW_IDS)
def test_a_job_that_hangs_is_cut_short_and_its_mail_is_delivered_once_later(app, smtp, make_citizen, sig, to):
    from extensions import db
    from notifications.models import EmailDelivery, Notification

    smtp.mode = "hold"  # the SMTP server takes the message and never answers
    worker = app.start_worker()
    started(worker)
    citizen = make_citizen(email="aigerim@example.kz")
    assert login(app.test_client(), citizen).status_code == 200  # a first login: the welcome mail
    wait(lambda: smtp.held >= 1, 60, "the work horse to be inside the SMTP exchange")
    horses = [pid for pid in session_members(worker) if os.getpgid(pid) != worker.pid]
    assert horses, "no work horse in a process group of its own"

    send(worker, sig, to)
    assert_all_gone(worker)  # well before the SMTP timeout (120 s)

    smtp.mode = "accept"
    successor = app.start_worker()
    wait(lambda: len(smtp.messages) >= 1, 60, "the next worker to deliver the mail")
    time.sleep(5)  # longer than the e-mail lease and a relay tick: a second copy would be sent by now
    assert [m["To"] for m in smtp.messages] == ["aigerim@example.kz"]
    db.session.remove()
    assert db.session.scalar(select(func.count(Notification.id))) == 1
    deliveries = db.session.scalars(select(EmailDelivery)).all()
    assert [(d.to_addr, d.state) for d in deliveries] == [("aigerim@example.kz", "sent")]
    send(successor, signal.SIGTERM, "worker")
    assert_all_gone(successor)


def test_the_grace_is_a_setting():
    from config import DEFAULTS, load

    assert DEFAULTS["WORKER_STOP_SECONDS"] == 5
    assert load("/tmp", {"DAUYS_WORKER_STOP_SECONDS": "2.5"})["WORKER_STOP_SECONDS"] == 2.5
