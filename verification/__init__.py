"""The citizen's check of the public log: the /verify page, where a browser proves a receipt is in the
signed log by itself (static/js/log-verify.js), the auditor's tool it points to, and the open data
page listing everything anyone can download to check Dauys or build on it (verification/open_data.py)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire the check into `app`: its pages (they read the public log; they write nothing)."""
    from verification import open_data, pages  # noqa: F401  (open_data adds its route to pages.bp)

    app.register_blueprint(pages.bp)
