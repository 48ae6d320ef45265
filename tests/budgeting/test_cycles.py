"""`flask budget create-cycle`: every rule fixed up front, one cycle per rural district and year."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.budgeting.conftest import DISTRICT, VILLAGE_1

DATES = {
    "--proposals-open": "2027-03-01T09:00:00+05:00",
    "--proposals-close": "2027-03-31T18:00:00+05:00",
    "--voting-open": "2027-04-10T09:00:00+05:00",
    "--voting-close": "2027-04-20T20:00:00+05:00",
}


def create_cycle(app, **options):
    """Invoke the CLI as an operator would; options use the flag names without dashes."""
    flags = {"--kato": DISTRICT, "--year": "2027", "--amount": "5000000", "--ballot": "approval", "--rule": "mes", **DATES}
    for name, value in options.items():
        flag = "--" + name.replace("_", "-")
        if value is None:
            flags.pop(flag, None)
        else:
            flags[flag] = str(value)
    args = ["budget", "create-cycle"]
    for flag, value in flags.items():
        args += [flag, value]
    return app.test_cli_runner().invoke(args=args)


def cycles_written() -> int:
    from budgeting.models import BudgetCycle
    from extensions import db

    db.session.rollback()
    return db.session.scalar(select(func.count(BudgetCycle.id)))


def test_create_cycle_prints_the_id_of_a_cycle_with_every_rule_fixed(app, territories):
    from budgeting.models import BudgetCycle
    from extensions import db

    result = create_cycle(app, min_choices=2, max_choices=5)

    assert result.exit_code == 0, result.output
    cycle = db.session.get(BudgetCycle, int(result.output.strip()))
    assert (cycle.kato, cycle.year, cycle.amount, cycle.ballot, cycle.rule) == (DISTRICT, 2027, 5_000_000, "approval", "mes")
    assert (cycle.min_choices, cycle.max_choices) == (2, 5)
    assert cycle.proposals_open == datetime(2027, 3, 1, 4, 0, tzinfo=UTC)
    assert cycle.voting_close == datetime(2027, 4, 20, 15, 0, tzinfo=UTC)
    assert cycle.announced_phase == "scheduled" and cycle.tallied_at is None and cycle.result is None


def test_create_cycle_reads_a_date_time_without_a_zone_as_kazakhstan_time(app, territories):
    from budgeting.models import BudgetCycle
    from extensions import db

    result = create_cycle(app, proposals_open="2027-03-01T09:00", proposals_close="2027-03-31T18:00Z")

    assert result.exit_code == 0, result.output
    cycle = db.session.get(BudgetCycle, int(result.output.strip()))
    assert cycle.proposals_open == datetime(2027, 3, 1, 4, 0, tzinfo=UTC)
    assert cycle.proposals_close == datetime(2027, 3, 31, 18, 0, tzinfo=UTC)


def test_a_knapsack_cycle_needs_no_choice_limits(app, territories):
    result = create_cycle(app, ballot="knapsack", rule="greedy")
    assert result.exit_code == 0, result.output
    assert cycles_written() == 1


def test_one_cycle_per_rural_district_and_year(app, territories):
    assert create_cycle(app).exit_code == 0

    again = create_cycle(app, amount=7_000_000, ballot="knapsack")

    assert again.exit_code != 0
    assert "year" in again.output
    assert cycles_written() == 1
    assert create_cycle(app, year=2028).exit_code == 0
    assert cycles_written() == 2


@pytest.mark.parametrize(
    "kato",
    ["113200000", VILLAGE_1, "710000000", "110000000", "999999999"],
    ids=["district", "village", "city", "region", "unknown"],
)
def test_create_cycle_is_refused_for_a_territory_that_is_not_a_rural_district(app, territories, kato):
    result = create_cycle(app, kato=kato)

    assert result.exit_code != 0
    assert "kato" in result.output
    assert cycles_written() == 0


@pytest.mark.parametrize(
    "dates",
    [
        {"proposals_close": "2027-03-01T09:00:00+05:00"},  # closes as it opens
        {"proposals_close": "2027-02-01T09:00:00+05:00"},  # closes before it opens
        {"voting_open": "2027-03-30T09:00:00+05:00"},  # voting opens while proposals are open
        {"voting_close": "2027-04-10T09:00:00+05:00"},  # voting closes as it opens
        {"voting_close": "2027-04-01T09:00:00+05:00"},
    ],
    ids=["empty-proposals", "proposals-backwards", "overlap", "empty-voting", "voting-backwards"],
)
def test_create_cycle_is_refused_when_the_dates_are_out_of_order(app, territories, dates):
    result = create_cycle(app, **dates)

    assert result.exit_code != 0
    assert "dates" in result.output
    assert cycles_written() == 0


def test_create_cycle_is_refused_when_min_choices_exceeds_max_choices(app, territories):
    result = create_cycle(app, min_choices=4, max_choices=3)

    assert result.exit_code != 0
    assert "max_choices" in result.output
    assert cycles_written() == 0


@pytest.mark.parametrize("limits", [{"min_choices": 1}, {"max_choices": 3}, {"min_choices": 1, "max_choices": 3}])
def test_create_cycle_is_refused_for_choice_limits_on_a_knapsack_ballot(app, territories, limits):
    result = create_cycle(app, ballot="knapsack", **limits)

    assert result.exit_code != 0
    assert "only for approval ballots" in result.output
    assert cycles_written() == 0


@pytest.mark.parametrize(
    "bad",
    [{"amount": 0}, {"ballot": "ranked"}, {"rule": "borda"}, {"min_choices": 0}, {"voting_open": "next week"}, {"kato": None}],
    ids=["amount", "ballot", "rule", "min-choices", "date", "missing-kato"],
)
def test_create_cycle_is_refused_for_bad_flags(app, territories, bad):
    result = create_cycle(app, **bad)

    assert result.exit_code == 2, result.output  # click's usage error
    assert cycles_written() == 0


def test_the_api_shows_a_new_cycle_with_its_phase_from_the_dates(app, client, territories):
    now = datetime.now(UTC)
    day = timedelta(days=1)
    result = create_cycle(app, year=now.year, proposals_open=(now - day).isoformat(), proposals_close=(now + 30 * day).isoformat(),
                          voting_open=(now + 40 * day).isoformat(), voting_close=(now + 50 * day).isoformat())
    cycle_id = int(result.output.strip())

    body = client.get(f"/api/v1/budget/cycles/{cycle_id}").get_json()

    assert body["phase"] == "proposals"
    assert (body["amount"], body["ballot"], body["rule"], body["projects"]) == (5_000_000, "approval", "mes", [])
    listed = client.get(f"/api/v1/budget/cycles?territory={DISTRICT}").get_json()["items"]
    assert [c["id"] for c in listed] == [cycle_id]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_operators_creating_the_same_cycle_at_once_get_one_cycle_and_clear_refusals(app, territories):
    import threading

    from auth.access import CONSOLE
    from budgeting import services
    from kernel.errors import DomainError

    barrier = threading.Barrier(4)
    outcomes: list[object] = []
    dates = {
        "proposals_open": datetime(2027, 3, 1, tzinfo=UTC), "proposals_close": datetime(2027, 4, 1, tzinfo=UTC),
        "voting_open": datetime(2027, 4, 10, tzinfo=UTC), "voting_close": datetime(2027, 4, 20, tzinfo=UTC),
    }

    def create() -> None:
        with app.app_context():
            from extensions import db

            try:
                barrier.wait(timeout=30)
                services.create_cycle(CONSOLE, kato=DISTRICT, year=2027, amount=1_000_000, ballot="approval", rule="mes",
                                      min_choices=None, max_choices=None, now=datetime(2027, 1, 1, tzinfo=UTC), **dates)
                db.session.commit()
                outcomes.append("created")
            except DomainError as error:
                db.session.rollback()
                outcomes.append((error.code, sorted(error.fields)))
            except Exception as error:  # noqa: BLE001 - the assertion below shows it
                outcomes.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes, key=str) == [("validation_error", ["year"])] * 3 + ["created"]
    assert cycles_written() == 1
