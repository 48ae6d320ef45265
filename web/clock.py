"""The one clock of the HTTP side: views and API endpoints read the time here and hand it down.

Use cases, queries and models never read the clock: `now` is their parameter, so a test, a job or
a command line can run them at any instant (the jobs read theirs in workers.runtime.utcnow).
"""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """This instant, in UTC."""
    return datetime.now(UTC)
