"""The fault tests share a throwaway PostgreSQL and the app on it."""

from tests.faults.fixtures import app, pg, redis_server  # noqa: F401
