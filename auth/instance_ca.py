"""This instance's certification authority: loaded from instance/ca (made there on first use), once per process."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from flask import current_app

from auth import pki


def certification_authority() -> pki.CertificationAuthority:
    """The CA of this instance, loaded once per process (made on first use)."""
    app = current_app
    ca = app.extensions.get("dauys_ca")
    if ca is None:
        ca = pki.load_or_create(Path(app.instance_path) / "ca", datetime.now(UTC))
        app.extensions["dauys_ca"] = ca
    return ca
