"""A value kept per process: read once per `ttl`, again when asked fresh or forgotten, bounded, per app."""

from __future__ import annotations

import pytest
from flask import Flask

from kernel import process_cache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(process_cache.time, "monotonic", clock)
    return clock


@pytest.fixture
def reads():
    count = {"n": 0}

    def read():
        count["n"] += 1
        return f"value {count['n']}"

    return count, read


def test_a_value_is_read_once_per_ttl(clock, reads):
    count, read = reads
    with Flask(__name__).app_context():
        assert process_cache.kept("c", 1, 5.0, read) == "value 1"
        clock.now += 5.0
        assert process_cache.kept("c", 1, 5.0, read) == "value 1"  # not older than the ttl: kept
        clock.now += 0.01
        assert process_cache.kept("c", 1, 5.0, read) == "value 2"
    assert count["n"] == 2


def test_fresh_and_forget_read_again_and_keys_and_caches_are_apart(clock, reads):
    count, read = reads
    with Flask(__name__).app_context():
        assert process_cache.kept("c", 1, 5.0, read) == "value 1"
        assert process_cache.kept("c", 1, 5.0, read, fresh=True) == "value 2"
        assert process_cache.kept("c", 1, 5.0, read) == "value 2"
        process_cache.forget("c", 1)
        assert process_cache.kept("c", 1, 5.0, read) == "value 3"
        assert process_cache.kept("c", 2, 5.0, read) == "value 4"  # another key
        assert process_cache.kept("d", 1, 5.0, read) == "value 5"  # another cache
        process_cache.forget("never used", 1)  # nothing kept: nothing to do
        assert process_cache.kept("c", 1, 5.0, read) == "value 3"
    assert count["n"] == 5


def test_two_apps_in_one_process_keep_their_own(clock, reads):
    _, read = reads
    with Flask(__name__).app_context():
        assert process_cache.kept("c", 1, 5.0, read) == "value 1"
    with Flask(__name__).app_context():
        assert process_cache.kept("c", 1, 5.0, read) == "value 2"


def test_a_cache_past_its_size_is_emptied(clock, monkeypatch):
    monkeypatch.setattr(process_cache, "CACHE_SIZE", 3)
    app = Flask(__name__)
    with app.app_context():
        for key in range(4):
            process_cache.kept("c", key, 5.0, lambda key=key: key)
        assert len(app.extensions["c"]) == 4
        process_cache.kept("c", 99, 5.0, lambda: 99)  # one more than the size: emptied first
        assert app.extensions["c"] == {99: (clock.now, 99)}
