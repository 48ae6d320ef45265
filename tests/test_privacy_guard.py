"""The run-wide IIN guard (tests/privacy_guard.py) does catch a leak, and lets an echo through."""

from __future__ import annotations

import logging

import flask

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

    caught = privacy_guard.FINDINGS[before:]
    del privacy_guard.FINDINGS[before:]  # planted on purpose: not a finding of the run
    places = " | ".join(caught)
    assert "response to GET /who" in places
    assert "URL /nothing" in places
    assert "log line of dauys.test" in places
    assert "/echo" not in places
