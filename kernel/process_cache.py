"""A value kept in this process for a few seconds: what a hot read may reuse without asking again.

Each cache is a bounded dict, named, on the app (`current_app.extensions`), so two apps in one
process (tests) never share one. An entry older than its `ttl` is read again; a cache grown past
`CACHE_SIZE` keys is emptied whole (its entries are worthless after seconds anyway). Nothing here
knows what is kept: the caller says how to read it, for how long, and when to forget it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app

T = TypeVar("T")

CACHE_SIZE = 10_000  # keys per process and cache


def kept(cache_name: str, key: Hashable, ttl: float, read: Callable[[], T], fresh: bool = False) -> T:
    """`read()`, kept in this process for `ttl` seconds under `key`; `fresh` reads it again now."""
    cache: dict = current_app.extensions.setdefault(cache_name, {})
    entry = cache.get(key)
    now = time.monotonic()
    if fresh or entry is None or now - entry[0] > ttl:
        if len(cache) > CACHE_SIZE:
            cache.clear()
        entry = cache[key] = (now, read())
    return entry[1]


def forget(cache_name: str, key: Hashable) -> None:
    """The next `kept(cache_name, key, ...)` in this process reads afresh."""
    current_app.extensions.get(cache_name, {}).pop(key, None)
