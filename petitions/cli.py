"""`flask calendar …`: the transfers an admin adds to the official working-day calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime

import click
from flask.cli import AppGroup

from extensions import db
from kernel import instants
from kernel.errors import DomainError
from kernel.work_calendar import load_work_calendar
from kernel.working_days import add_working_days
from petitions import calendar

calendar_cli = AppGroup("calendar", help="The Kazakhstan production calendar in force.")


class Day(click.ParamType):
    """An ISO 8601 date (YYYY-MM-DD) in the years Dauys can mean (instants.day)."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        try:
            return instants.day(value)
        except instants.DateRefused as refused:
            self.fail(f"{value!r} is not {refused}", param, ctx)


@calendar_cli.command("transfer")
@click.option("--day", required=True, type=Day())
@click.option("--working/--off", required=True, help="--working: a weekend day worked; --off: a weekday off.")
@click.option("--note", required=True, help="The decree that made the transfer.")
def transfer(day, working, note):
    try:
        calendar.set_transfer(day, working, note, datetime.now(UTC))
    except DomainError as error:
        raise click.ClickException(f"{error.code}: {error.fields}") from None
    db.session.commit()
    click.echo(f"{day} is now a {'working day' if working else 'day off'}")


@calendar_cli.command("add")
@click.argument("start", type=Day())
@click.argument("days", type=click.IntRange(1, 400))
def add(start, days):
    """Print START plus DAYS working days (what a deadline would be)."""
    click.echo(add_working_days(load_work_calendar(), start, days).isoformat())


