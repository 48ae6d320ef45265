"""The web tests reuse the live HTTP server of the browser tests."""

from tests.browser.conftest import live_server, sqlite_url  # noqa: F401
