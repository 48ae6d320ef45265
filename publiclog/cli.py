"""`flask --app wsgi log integrate [--loop]`: the log's dedicated integrator process."""

from __future__ import annotations

import signal
import threading
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup

from publiclog.integrate import DEFAULT_BATCH, integrate_all, run, sign_head

log_cli = AppGroup("log", help="The public Merkle log.")


@log_cli.command("integrate")
@click.option("--loop", is_flag=True, help="Keep integrating and signing heads until SIGTERM or SIGINT.")
@click.option("--batch", default=DEFAULT_BATCH, show_default=True, type=click.IntRange(min=1),
              help="Entries per transaction.")
def integrate_command(loop: bool, batch: int) -> None:
    """Integrate the pending entries and sign a head; with --loop, at least every DAUYS_LOG_HEAD_SECONDS."""
    if not loop:
        integrated = integrate_all(batch)
        head = sign_head(datetime.now(UTC))
        size = head["tree_size"] if head else "unchanged"
        click.echo(f"integrated {integrated}; signed head: {size}")
        return
    stopping = threading.Event()

    def _stop(_signum, _frame):
        stopping.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _stop)
    click.echo("log integrator running; SIGTERM or SIGINT stops it")
    run(stopping.is_set, current_app.config["LOG_HEAD_SECONDS"], lambda: datetime.now(UTC), stopping.wait,
        batch)
    click.echo("log integrator stopped")
