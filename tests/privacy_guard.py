"""The IIN appears in no log line, URL or public response — checked over the whole test run.

Every IIN that enters the registry during the run (`auth.services.add_person`) is remembered; every
response of every Flask app in this process (test clients and the live servers of the browser
tests) and every log record is scanned for 12-digit runs, which are matched against them. A
response may carry an IIN only if its own request did (a secretary's paper-ballot form shown again
with the IIN she typed). At the end of the run any finding fails it, with the place named.
Worker and web processes started by the slow tests log to their own files and are not scanned.
"""

from __future__ import annotations

import io
import logging
import re
import threading

import flask

TWELVE_DIGITS = re.compile(rb"(?<!\d)\d{12}(?!\d)")

KNOWN: set[bytes] = set()
FINDINGS: list[str] = []
_lock = threading.Lock()


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
    watch_logs()


_SCANNER = _LogScanner()


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
