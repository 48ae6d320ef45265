"""The citizen's check of the public log: the /verify page, where a browser proves a receipt is in the
signed log by itself (static/js/log-verify.js), and the auditor's tool it points to."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire the check into `app`: its page (it reads the public log; it writes nothing)."""
    from verification import pages

    app.register_blueprint(pages.bp)
