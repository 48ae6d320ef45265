"""Demo data: territories, residents, officials and their key files; synthetic people for tests."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire the demo into `app`: `flask demo seed`."""
    from demo.seed import demo_cli

    app.cli.add_command(demo_cli)
