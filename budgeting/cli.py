"""`flask budget create-cycle` (API.md)."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import AppGroup

from auth.access import CONSOLE
from budgeting import services
from extensions import db
from kernel import instants
from kernel.errors import DomainError
from kernel.kazakhstan_time import KAZAKHSTAN

budget_cli = AppGroup("budget", help="Participatory budget cycles.")


class Instant(click.ParamType):
    """An ISO 8601 date-time; one without a zone is Kazakhstan time (instants.instant: years in bounds)."""

    name = "DT"

    def convert(self, value, param, ctx):
        try:
            return instants.instant(value, zone_if_none=KAZAKHSTAN)
        except instants.DateRefused as refused:
            self.fail(f"{value!r} is not {refused}", param, ctx)


@budget_cli.command("create-cycle")
@click.option("--kato", required=True)
@click.option("--year", required=True, type=int)
@click.option("--amount", required=True, type=click.IntRange(min=1))
@click.option("--ballot", "ballot", required=True, type=click.Choice(["approval", "knapsack"]))
@click.option("--min-choices", type=click.IntRange(min=1))
@click.option("--max-choices", type=click.IntRange(min=1))
@click.option("--rule", required=True, type=click.Choice(["greedy", "mes"]))
@click.option("--proposals-open", required=True, type=Instant())
@click.option("--proposals-close", required=True, type=Instant())
@click.option("--voting-open", required=True, type=Instant())
@click.option("--voting-close", required=True, type=Instant())
def create_cycle(kato, year, amount, ballot, min_choices, max_choices, rule, proposals_open, proposals_close,
                 voting_open, voting_close):
    """Create a budget cycle with all its rules fixed; prints its id."""
    try:
        cycle = services.create_cycle(
            CONSOLE, kato=kato, year=year, amount=amount, ballot=ballot, rule=rule, min_choices=min_choices,
            max_choices=max_choices, proposals_open=proposals_open, proposals_close=proposals_close,
            voting_open=voting_open, voting_close=voting_close, now=datetime.now(UTC),
        )
    except DomainError as error:
        raise click.ClickException(f"{error.code}: " + "; ".join(f"{k}: {v}" for k, v in error.fields.items())) from None
    db.session.commit()
    click.echo(cycle.id)
