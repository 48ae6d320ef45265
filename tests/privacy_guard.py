"""The IIN appears in no log line, URL or public response — checked over the whole test run.

Every IIN that enters the registry during the run (`auth.services.add_person`) is remembered; every
response of every Flask app in this process (test clients and the live servers of the browser
tests) and every log record is scanned for 12-digit runs, which are matched against them. A
response may carry an IIN only if its own request did (a secretary's paper-ballot form shown again
with the IIN she typed). At the end of the run any finding fails it, with the place named.

Processes the slow tests start (`python -m workers` with its work horses and clock, the throwaway
PostgreSQL and Redis servers) write to files of their own: each fixture that starts one sends its
stdout and stderr to an `output_file` (or `watch`es the log file the server writes), and the file is
scanned, line by line, when the fixture stops the process (`scan`) — and at the end of the run for
any file still unscanned (`scan_all`). Files with a finding are kept for the reader; the others are
deleted. The output of every command run through Click's test runner (`app.test_cli_runner()`: the
operator commands, `flask demo seed`) is scanned too, stdout and stderr, with no IIN allowed even if
the operator typed it: a scripted run's terminal output lands in the systemd journal. A process of the app's (the worker, gunicorn, `flask run`) that a test starts with its
output going anywhere else (inherited, a pipe, /dev/null) is itself a finding, so a new fixture
cannot slip past unscanned. Not scanned: the transcripts of the outside-client examples
(tests/web/test_outside_client.py) — a client's own output, which the test reads itself.
"""

from __future__ import annotations

import io
import itertools
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import flask

TWELVE_DIGITS = re.compile(rb"(?<!\d)\d{12}(?!\d)")

KNOWN: set[bytes] = set()
FINDINGS: list[str] = []
_lock = threading.Lock()
WATCHED: dict[Path, str] = {}  # a process's output or log file, not yet scanned -> what wrote it
_folder: Path | None = None
_kept: set[Path] = set()


def found_in(data: bytes, allowed: set[bytes] = frozenset()) -> set[bytes]:
    return {m for m in TWELVE_DIGITS.findall(data) if m in KNOWN and m not in allowed}


def note(where: str, data: bytes, allowed: set[bytes] = frozenset()) -> None:
    leaked = found_in(data, allowed)
    if leaked:
        with _lock:
            FINDINGS.append(f"{where}: {sorted(x.decode() for x in leaked)}")


class _LogScanner(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                text += " " + str(record.exc_info[1])
        except Exception:  # noqa: BLE001 - a record that cannot format is not ours to judge
            return
        note(f"log line of {record.name}", text.encode("utf-8", "replace"))


def install() -> None:
    from auth import services

    original_add = services.add_person

    def add_person(*args, **kwargs):
        person = original_add(*args, **kwargs)
        KNOWN.add(person.iin.encode())
        return person

    services.add_person = add_person

    original_wsgi = flask.Flask.wsgi_app

    def wsgi_app(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        request_body = b""
        if 0 < length <= 1_000_000:
            request_body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(request_body)
        url = (environ.get("PATH_INFO", "") + "?" + environ.get("QUERY_STRING", "")).encode()
        note(f"URL {url.decode(errors='replace')}", url)
        headers: list = []

        def recording_start(status, response_headers, exc_info=None):
            headers.extend(response_headers)
            return start_response(status, response_headers, exc_info)

        body = b"".join(original_wsgi(self, environ, recording_start))
        allowed = set(TWELVE_DIGITS.findall(request_body))  # an IIN the request itself sent
        place = f"response to {environ.get('REQUEST_METHOD')} {url.decode(errors='replace')}"
        note(place, body, allowed)
        note(place + " (headers)", repr(headers).encode(), allowed)
        return [body]

    flask.Flask.wsgi_app = wsgi_app
    _scan_command_output()
    watch_logs()
    _require_scanned_output()


_SCANNER = _LogScanner()


def _scan_command_output() -> None:
    """Every CLI runner result's output (and an exception it ended with) is scanned; the place names
    the command, not its arguments (which may hold the IIN the operator typed)."""
    from click.testing import CliRunner

    original_invoke = CliRunner.invoke
    if getattr(original_invoke, "_dauys_guard", False):
        return

    def invoke(self, cli, args=None, *rest, **kwargs):
        result = original_invoke(self, cli, args, *rest, **kwargs)
        words = args.split() if isinstance(args, str) else [str(a) for a in (args or [])]
        leading = itertools.takewhile(lambda word: not word.startswith("-"), words[:2])
        command = " ".join(word for word in leading if not any(c.isdigit() for c in word)) or getattr(cli, "name", "?")
        note(f"output of the command `flask {command}`", result.output.encode("utf-8", "replace"))
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            note(f"exception of the command `flask {command}`", str(result.exception).encode("utf-8", "replace"))
        return result

    invoke._dauys_guard = True
    CliRunner.invoke = invoke


def watch_logs() -> None:
    """(Re)attach the log scanner: Alembic's fileConfig, run by the migrations, resets the root
    logger's handlers, so this runs before every test."""
    root = logging.getLogger()
    if _SCANNER not in root.handlers:
        root.addHandler(_SCANNER)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    for logger in logging.Logger.manager.loggerDict.values():
        if isinstance(logger, logging.Logger) and logger.disabled:
            logger.disabled = False  # fileConfig disables the loggers that existed before it


def watch(path: Path, what: str) -> Path:
    """Scan the file at `path` (written by `what`) for IINs when `scan` or `scan_all` runs."""
    path = Path(path).resolve()
    with _lock:
        WATCHED[path] = what
    return path


def output_file(what: str) -> Path:
    """A new, empty, watched file of this run for the stdout and stderr of a process the tests start."""
    global _folder
    with _lock:
        if _folder is None or not _folder.exists():
            _folder = Path(tempfile.mkdtemp(prefix="dauys-process-output-"))
        handle, name = tempfile.mkstemp(prefix=re.sub(r"\W+", "-", what).strip("-") + "-", suffix=".log", dir=_folder)
    os.close(handle)
    return watch(Path(name), what)


def scan(path: Path) -> None:
    """Scan a watched file now (its process has stopped) and forget it; a leak is a finding."""
    path = Path(path).resolve()
    with _lock:
        what = WATCHED.pop(path, None)
    if what is None:
        return
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return
    before = len(FINDINGS)
    for number, line in enumerate(data.splitlines(), 1):
        note(f"output of {what}, line {number} of {path}", line)
    if len(FINDINGS) > before:
        _kept.add(path)


def scan_all() -> None:
    """At the end of the run: scan what is still watched, then delete the output files without a finding."""
    for path in list(WATCHED):
        scan(path)
    if _folder is not None and _folder.exists():
        for path in _folder.iterdir():
            if path not in _kept:
                path.unlink(missing_ok=True)
        if not any(_folder.iterdir()):
            shutil.rmtree(_folder, ignore_errors=True)


def app_process(args: object) -> bool:
    """Whether a command starts a process of the app's: the worker, gunicorn or `flask run`."""
    argv = [args] if isinstance(args, (str, bytes, os.PathLike)) else list(args)
    argv = [os.fsdecode(a) for a in argv]
    if len(argv) == 1:
        argv = argv[0].split()
    modules = {argv[i + 1] for i in range(len(argv) - 1) if argv[i] == "-m"}
    programs = {os.path.basename(a) for a in argv[:2]}
    return bool(
        "workers" in modules or "gunicorn" in modules | programs or ("flask" in modules | programs and "run" in argv)
    )


def _watched_stream(stream: object) -> bool:
    if stream is None or stream in (subprocess.DEVNULL, subprocess.PIPE, subprocess.STDOUT):
        return False
    try:
        fd = stream if isinstance(stream, int) else stream.fileno()
        return Path(os.readlink(f"/proc/self/fd/{fd}")).resolve() in WATCHED
    except (OSError, AttributeError, ValueError):
        return Path(getattr(stream, "name", "")).resolve() in WATCHED


def _require_scanned_output() -> None:
    """A process of the app's started by a test must write where the guard reads: to a watched file
    (stderr may join stdout). One that does not is a finding, so no new fixture slips past unscanned."""
    original_init = subprocess.Popen.__init__
    if getattr(original_init, "_dauys_guard", False):
        return

    def init(self, args, *rest, **kwargs):
        if app_process(args):
            stdout, stderr = kwargs.get("stdout"), kwargs.get("stderr")
            if not (_watched_stream(stdout) and (stderr == subprocess.STDOUT or _watched_stream(stderr))):
                with _lock:
                    FINDINGS.append(
                        f"unscanned output of {args!r}: send its stdout and stderr to tests.privacy_guard.output_file()"
                    )
        original_init(self, args, *rest, **kwargs)

    init._dauys_guard = True
    subprocess.Popen.__init__ = init
