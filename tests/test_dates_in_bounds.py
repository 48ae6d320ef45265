"""Every date a person gives is read by one parser (instants) with bounds, then by its use case's
window: none can overflow a conversion or the date arithmetic (a 500), none far away is published.

9999-12-31T23:59:59-05:00 overflowed converting to UTC; 9999-12-31T23:59:59+00:00 was published as a
discussion; 0001-01-01T00:00 on the budget officer's form overflowed converting Astana time. Each
spelling, on the API, the pages and the CLI, is now a 422 (or a CLI usage error) that writes nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from kernel import instants
from kernel.kazakhstan_time import KAZAKHSTAN
from tests.budgeting import conftest as budget_fixtures
from tests.budgeting.conftest import DISTRICT
from tests.petitions.test_pages import sign_in_page
from tests.petitions.test_transitions import make_petition
from tests.test_wrong_types import _official, rows_everywhere

make_cycle = budget_fixtures.make_cycle  # the budget package's fixtures
officials = budget_fixtures.officials
resident = budget_fixtures.resident
other_district = budget_fixtures.other_district

EXTREME_INSTANTS = {
    "last-day-west-of-utc": "9999-12-31T23:59:59-05:00",  # overflowed converting to UTC
    "last-day-utc": "9999-12-31T23:59:59+00:00",  # was published
    "last-day-z": "9999-12-31T23:59:59Z",
    "last-day-far-west": "9999-12-31T00:00:00-23:59",
    "first-day-east-of-utc": "0001-01-01T00:00:00+05:00",  # overflows converting to UTC
    "first-day-utc": "0001-01-01T00:00:00+00:00",
    "year-1999": "1999-12-31T23:59:59+00:00",
    "year-2101": "2101-01-01T00:00:00+00:00",
}


# --- the parser -----------------------------------------------------------------------


@pytest.mark.parametrize("text", list(EXTREME_INSTANTS.values()), ids=list(EXTREME_INSTANTS))
def test_an_instant_outside_the_years_is_refused_before_any_conversion(text):
    with pytest.raises(instants.DateRefused, match="a year from 2000 to 2100"):
        instants.instant(text)
    with pytest.raises(instants.DateRefused):
        instants.instant(text[:19], zone_if_none=KAZAKHSTAN)  # the same wall-clock time, in Astana


@pytest.mark.parametrize("value", ["", "tomorrow", "2026-13-01T00:00:00Z", "2026-02-30T10:00:00Z", "2026-12-01T25:00Z",
                                   "+10000-01-01T00:00:00Z", "2026-12-01T10:00:00" + "0" * 100 + "Z", None, 1767225600,
                                   True, [], {}, 2026.5])
def test_what_is_no_instant_is_refused_with_why(value):
    with pytest.raises(instants.DateRefused, match="ISO 8601"):
        instants.instant(value)


def test_an_instant_without_a_zone_needs_one_unless_the_caller_says_whose_clock():
    with pytest.raises(instants.DateRefused, match="time zone"):
        instants.instant("2027-03-01T09:00")
    assert instants.instant("2027-03-01T09:00", zone_if_none=KAZAKHSTAN) == datetime(2027, 3, 1, 4, tzinfo=UTC)
    assert instants.instant("2027-03-01T09:00:00-05:00") == datetime(2027, 3, 1, 14, tzinfo=UTC)
    assert instants.instant("2027-03-01T09:00Z") == datetime(2027, 3, 1, 9, tzinfo=UTC)


@pytest.mark.parametrize("wall", [datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59), datetime(1999, 12, 31, 23, 59),
                                  datetime(2101, 1, 1)])
def test_a_wall_clock_time_outside_the_years_is_refused(wall):
    with pytest.raises(instants.DateRefused):
        instants.wall_clock(wall, KAZAKHSTAN)


@pytest.mark.parametrize("text", ["0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01", "2026-02-30", "x", "20261201x"])
def test_a_day_outside_the_years_or_no_day_is_refused(text):
    with pytest.raises(instants.DateRefused):
        instants.day(text)
    assert instants.day("2100-12-31") == date(2100, 12, 31)


def test_counting_working_days_from_the_last_day_allowed_does_not_overflow():
    from kernel.working_days import WorkCalendar, add_working_days

    assert add_working_days(WorkCalendar(), instants.day("2100-12-31"), 400) > date(2101, 12, 31)


# --- a discussion (API and page) ------------------------------------------------------


def _under_review(app, client, make_citizen):
    reviewer = _official(client, make_citizen, "710000000", "reviewer", "government")
    reviewer.citizen.official("reviewer")  # the official certificate its acts are signed with, issued beforehand
    petition = make_petition("under_review", make_citizen(kato="710000000").iin, datetime.now(UTC))
    return reviewer, petition


def _discussion_of(petition_id: int):
    from extensions import db
    from petitions.models import Petition

    db.session.rollback()
    return db.session.get(Petition, petition_id).discussion_at


def _in(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


DISCUSSION_OUT_OF_WINDOW = {
    **EXTREME_INSTANTS,
    "in-the-last-year-allowed-but-far": "2100-12-31T23:59:59-05:00",
    "thirteen-months-ahead": "in:400",
    "an-hour-ago": "in:-0.04",
    "now-minus-a-year": "in:-365",
}


@pytest.mark.parametrize("at", list(DISCUSSION_OUT_OF_WINDOW.values()), ids=list(DISCUSSION_OUT_OF_WINDOW))
def test_a_discussion_outside_its_window_is_a_field_error_that_publishes_nothing(app, client, make_citizen, at):
    reviewer, petition = _under_review(app, client, make_citizen)
    at = _in(float(at[3:])) if at.startswith("in:") else at
    before = rows_everywhere()

    response = reviewer.review(petition.id, "petition.discussion", at=at, place="Әкімдік, мәжіліс залы")

    assert response.status_code == 422, response.get_json()
    assert list(response.get_json()["error"]["fields"]) == ["at"]
    assert _discussion_of(petition.id) is None
    assert rows_everywhere() == before


def test_a_discussion_before_the_threshold_was_reached_is_refused(app, client, make_citizen):
    """Even ahead of the server's clock: a petition's discussion follows its registration."""
    reviewer, petition = _under_review(app, client, make_citizen)
    from extensions import db

    petition.threshold_reached_at = datetime.now(UTC) + timedelta(days=2)  # a clock set ahead somewhere
    db.session.commit()
    response = reviewer.review(petition.id, "petition.discussion", at=_in(1), place="Әкімдік")
    assert response.status_code == 422 and "at" in response.get_json()["error"]["fields"]
    assert _discussion_of(petition.id) is None


@pytest.mark.parametrize("days", [1, 30, 364])
def test_a_discussion_within_the_year_ahead_is_published(app, client, make_citizen, days):
    reviewer, petition = _under_review(app, client, make_citizen)
    at = (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0)
    response = reviewer.review(petition.id, "petition.discussion", at=at.isoformat(), place="Әкімдік")
    assert response.status_code == 200, response.get_json()
    assert _discussion_of(petition.id) == at


PAGE_OUT_OF_RANGE = ["9999-12-31T23:59", "0001-01-01T00:00", "1999-12-31T23:59", "2101-01-01T00:00",
                     f"{datetime.now(UTC).year + 3}-06-01T10:00"]


@pytest.mark.parametrize("at", PAGE_OUT_OF_RANGE)
def test_the_discussion_form_refuses_a_date_outside_its_window(app, client, make_citizen, at):
    reviewer, petition = _under_review(app, client, make_citizen)
    sign_in_page(client, reviewer.citizen)
    before = rows_everywhere()

    # the page signs the Astana wall-clock time it was given, with +05:00 (static/js/act-sign.js)
    jws = reviewer.act("petition.discussion", petition, role="reviewer", at=at + ":00+05:00", place="Әкімдік")
    response = client.post(f"/review/{petition.id}/discussion?lang=en", data={"jws": jws, "at": at, "place": "Әкімдік"})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Enter a date from 2000 to 2100." in page or "at most a year ahead" in page
    assert _discussion_of(petition.id) is None
    assert rows_everywhere() == before


# --- a budget cycle (page, service, CLI) ----------------------------------------------


def _cycle_form(year: int, **dates) -> dict:
    return {"kato": DISTRICT, "year": str(year), "amount": "5000000", "ballot": "approval", "rule": "greedy",
            "proposals_open": f"{year}-03-01T09:00", "proposals_close": f"{year}-03-31T18:00",
            "voting_open": f"{year}-04-10T09:00", "voting_close": f"{year}-04-20T20:00", "confirmed": "yes", **dates}  # past the preview


BUDGET_PAGE_DATES = [
    ("proposals_open", "0001-01-01T00:00"),  # overflowed converting Astana time to UTC
    ("proposals_open", "9999-12-31T23:59"),
    ("proposals_close", "9999-12-31T23:59"),
    ("voting_open", "1999-12-31T23:59"),
    ("voting_close", "9999-12-31T23:59"),
    ("voting_close", "2101-01-01T00:00"),
    ("voting_close", "2036-04-20T20:00"),  # in the years allowed, five years after the cycle's
    ("proposals_open", "2026-03-01T09:00"),  # five years before
]


@pytest.mark.parametrize(("name", "value"), BUDGET_PAGE_DATES)
def test_the_cycle_form_refuses_a_date_outside_the_years_or_far_from_the_cycle(client, territories, officials, name, value):
    sign_in_page(client, officials["officer"])
    before = rows_everywhere()

    response = client.post("/budget/new?lang=en", data=_cycle_form(2031, **{name: value}))

    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    page = response.get_data(as_text=True)
    assert "Enter a date from 2000 to 2100." in page or "years before or after the budget" in page
    assert rows_everywhere() == before


def test_the_cycle_form_takes_dates_around_the_cycle_year(client, territories, officials):
    sign_in_page(client, officials["officer"])
    response = client.post("/budget/new", data=_cycle_form(2031, proposals_open="2029-12-01T09:00",
                                                           voting_close="2033-01-20T20:00"))
    assert response.status_code == 302


@pytest.mark.parametrize(("field", "value"), [("year", 1999), ("year", 2101), ("year", 1)])
def test_a_cycle_year_outside_the_years_is_refused_by_the_service(app, territories, field, value):
    from auth.access import CONSOLE
    from budgeting import services
    from kernel.errors import DomainError

    dates = {name: datetime(2027, month, 1, tzinfo=UTC) for name, month in
             (("proposals_open", 3), ("proposals_close", 4), ("voting_open", 5), ("voting_close", 6))}
    before = rows_everywhere()
    with pytest.raises(DomainError) as caught:
        services.create_cycle(CONSOLE, kato=DISTRICT, year=value, amount=1_000_000, ballot="approval", rule="greedy",
                              min_choices=None, max_choices=None, now=datetime.now(UTC), **dates)
    assert caught.value.code == "validation_error" and field in caught.value.fields
    assert rows_everywhere() == before


CLI_DATES = {
    "first-day-astana": "0001-01-01T00:00",
    "first-day-east": "0001-01-01T00:00:00+05:00",
    "last-day-west": "9999-12-31T23:59:59-05:00",
    "last-day-astana": "9999-12-31T23:59",
    "year-2101": "2101-01-01T00:00Z",
}


@pytest.mark.parametrize("flag", ["--proposals-open", "--voting-close"])
@pytest.mark.parametrize("value", list(CLI_DATES.values()), ids=list(CLI_DATES))
def test_create_cycle_on_the_cli_refuses_a_date_outside_the_years_as_a_usage_error(app, territories, flag, value):
    from tests.budgeting.test_cycles import DATES, create_cycle, cycles_written

    assert flag in DATES
    result = create_cycle(app, **{flag[2:].replace("-", "_"): value})

    assert result.exit_code == 2, result.output  # click's usage error, not a traceback
    assert "a year from 2000 to 2100" in result.output
    assert cycles_written() == 0


@pytest.mark.parametrize("args", [
    ["calendar", "add", "9999-12-31", "10"],  # overflowed counting past the last day
    ["calendar", "add", "0001-01-01", "1"],
    ["calendar", "transfer", "--day", "9999-12-31", "--off", "--note", "x"],
    ["calendar", "transfer", "--day", "1999-12-31", "--working", "--note", "x"],
])
def test_the_calendar_cli_refuses_a_day_outside_the_years(app, args):
    before = rows_everywhere()
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 2, result.output
    assert "a year from 2000 to 2100" in result.output
    assert rows_everywhere() == before


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01"])
def test_the_calendar_page_refuses_a_day_outside_the_years(app, client, make_citizen, day):
    admin = make_citizen()
    from auth import services
    from extensions import db

    services.grant_role(admin.iin, "admin", None, datetime.now(UTC))
    db.session.commit()
    sign_in_page(client, admin)
    before = rows_everywhere()

    response = client.post("/admin/calendar?lang=en", data={"day": day, "kind": "off", "note": "Decree No. 1"})

    assert response.status_code == 422
    assert "Enter a date from 2000 to 2100." in response.get_data(as_text=True)
    assert rows_everywhere() == before


def test_a_transfer_outside_the_years_is_refused_by_the_service(app):
    from kernel.errors import DomainError
    from petitions import calendar

    with pytest.raises(DomainError) as caught:
        calendar.set_transfer(date(9999, 12, 31), False, "Decree", datetime.now(UTC))
    assert "day" in caught.value.fields
