"""The periodic jobs and how often they run; used by the worker's clock and the demo server."""

from __future__ import annotations

# (dotted path, interval in seconds). Domain deadlines join this list as features land.
PERIODIC: tuple[tuple[str, int], ...] = (
    ("workers.jobs.purge_auth_nonces", 3600),
    ("petitions.jobs.tick", 60),
    ("budgeting.jobs.tick", 60),
)

RELAY_INTERVAL_SECONDS = 1.0
