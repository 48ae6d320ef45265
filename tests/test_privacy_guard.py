"""The run-wide IIN guard (tests/privacy_guard.py) does catch a leak, and lets an echo through."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import flask
import pytest

from tests import privacy_guard


def test_the_guard_catches_an_iin_in_a_response_a_url_and_a_log_line_but_not_an_echo(make_citizen):
    citizen = make_citizen()
    leaky = flask.Flask("leaky")
    leaky.add_url_rule("/who", "who", lambda: f"signed by {citizen.iin}")
    leaky.add_url_rule("/echo", "echo", lambda: flask.request.get_data(as_text=True), methods=["POST"])
    before = len(privacy_guard.FINDINGS)
    client = leaky.test_client()

    client.get("/who")
    client.post("/echo", data=citizen.iin)
    client.get(f"/nothing?iin={citizen.iin}")
    logging.getLogger("dauys.test").warning("looked up %s", citizen.iin)

    places = _planted(before)
    assert "response to GET /who" in places
    assert "URL /nothing" in places
    assert "log line of dauys.test" in places
    assert "/echo" not in places


def test_the_guard_catches_an_iin_a_command_prints_even_one_the_operator_typed(app, make_citizen):
    import click

    citizen = make_citizen()
    before = len(privacy_guard.FINDINGS)

    @click.command("leaky")
    @click.option("--iin")
    def leaky(iin):
        click.echo(f"done for {iin}")
        click.echo(f"and again for {iin}", err=True)

    @click.command("quiet")
    @click.option("--iin")
    def quiet(iin):
        click.echo("done for the person")

    runner = app.test_cli_runner()
    assert runner.invoke(leaky, ["--iin", citizen.iin]).exit_code == 0
    assert runner.invoke(quiet, ["--iin", citizen.iin]).exit_code == 0

    places = _planted(before)
    assert places.count("output of the command") == 1, places
    assert citizen.iin not in places.split(":")[0]  # the place names the command, not its arguments


def _planted(before: int) -> str:
    caught = privacy_guard.FINDINGS[before:]
    del privacy_guard.FINDINGS[before:]  # planted on purpose: not a finding of the run
    return " | ".join(caught)


def test_the_guard_catches_an_iin_a_worker_process_writes_to_its_output(make_citizen):
    """A process started the way the fault fixtures start `python -m workers` (tests/faults/fixtures.py):
    its log line with an IIN is a finding once the fixture stops it; its other lines are not."""
    from tests.faults.fixtures import start_worker, stop_worker

    citizen = make_citizen()
    script = (
        "import logging, sys; logging.basicConfig(level=logging.INFO);"
        "logging.getLogger('workers.jobs').info('job OK: 123456789012 rows');"
        "logging.getLogger('workers.jobs').info('delivered to %s', sys.argv[1])"
    )
    before = len(privacy_guard.FINDINGS)
    worker = start_worker(dict(os.environ), argv=["-c", script, citizen.iin])
    assert worker.wait(30) == 0
    assert privacy_guard.FINDINGS[before:] == []  # read when the process is stopped, not before
    stop_worker(worker)

    places = _planted(before)
    worker.output.unlink()
    privacy_guard._kept.discard(worker.output)
    assert f"output of python -m workers, line 2 of {worker.output}: ['{citizen.iin}']" in places
    assert "line 1 " not in places  # twelve digits that are no one's IIN


def test_the_guard_reads_a_server_log_at_the_end_of_the_run_if_no_one_scanned_it(make_citizen, tmp_path):
    citizen = make_citizen()
    log = tmp_path / "server.log"
    privacy_guard.watch(log, "a throwaway server")
    log.write_text(f"LOG:  statement failed\nDETAIL:  Key (iin)=({citizen.iin}) already exists.\n")
    before = len(privacy_guard.FINDINGS)

    privacy_guard.scan_all()

    assert f"output of a throwaway server, line 2 of {log.resolve()}" in _planted(before)


def test_the_guard_flags_an_app_process_whose_output_it_cannot_read(tmp_path):
    # harmless stand-ins that the guard takes for the worker: their argv names `-m workers`
    stand_in = [sys.executable, "-c", "pass", "-m", "workers"]
    before = len(privacy_guard.FINDINGS)
    subprocess.run(stand_in, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    output = privacy_guard.output_file("a stand-in")
    with open(output, "ab") as out:
        subprocess.run(stand_in, stdout=out, stderr=subprocess.STDOUT, check=True)
    privacy_guard.scan(output)

    caught = _planted(before)
    assert caught.count("unscanned output of") == 1 and "'-m', 'workers'" in caught
    assert privacy_guard.app_process(["gunicorn", "wsgi:app"])
    assert privacy_guard.app_process("flask --app wsgi run --port 5000")
    assert not privacy_guard.app_process([sys.executable, "examples/outside_client.py", "--flask", "python -m flask"])


LEAKY_RUN = '''
import logging

from tests import privacy_guard


def test_leaks():
    privacy_guard.KNOWN.add(b"990101300123")  # known only in this run's processes
    logging.getLogger("dauys.planted").warning("signed by 990101300123")


def test_quiet():
    logging.getLogger("dauys.planted").warning("signed by the person")
'''


@pytest.mark.slow
@pytest.mark.parametrize("workers", [["-n", "2"], ["-p", "no:xdist"]], ids=["two-xdist-workers", "one-process"])
def test_a_leak_fails_the_run_whether_a_worker_or_the_one_process_found_it(tmp_path, workers):
    """`make test` runs pytest in two xdist workers: what a worker's guard found must fail the
    controller's run, as it fails a run in one process."""
    root = Path(__file__).resolve().parent.parent
    (tmp_path / "conftest.py").write_text(
        "from tests.conftest import _watch_logs_for_iins, pytest_configure, pytest_sessionfinish, pytest_testnodedown"
        "  # noqa: F401\n"
    )
    (tmp_path / "test_leaky.py").write_text(LEAKY_RUN)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", *workers, "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(root)}, capture_output=True, text=True, timeout=180,
    )
    assert "2 passed" in run.stdout, run.stdout + run.stderr
    assert run.returncode == 1, run.stdout
    assert "An IIN appeared where it must not" in run.stdout
    assert "log line of dauys.planted" in run.stdout
