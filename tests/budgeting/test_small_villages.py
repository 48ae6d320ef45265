"""Votes by village never disclose a ballot: a village with fewer than BUDGET_MIN_CELL ballots is merged into
"other villages", and so is the next smallest when "other" alone could be read back from the total.

The ballots are written as rows (the rule is about what is published, not how a ballot arrives); the
count is the real one, and everything is read over HTTP: the results page, the results API, the `.pb` file.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import UTC, datetime

import pytest

from tests.budgeting.conftest import DISTRICT, eligible_projects, move_to

# Four villages of the rural district besides the two of the shared fixture; none has a project of
# its own, so its name can only reach the results page through the table of votes by village.
SMALL_VILLAGES = {
    "113243300": ("Алғабас ауылы", "село Алгабас"),
    "113243400": ("Жаңаталап ауылы", "село Жанаталап"),
    "113243500": ("Қызылту ауылы", "село Кызылту"),
    "113243600": ("Сарыбұлақ ауылы", "село Сарыбулак"),
}
A, B, C, D = SMALL_VILLAGES


def add_villages() -> None:
    from extensions import db
    from kernel.territories import Territory

    for kato, (kk, ru) in SMALL_VILLAGES.items():
        db.session.add(Territory(kato=kato, name_kk=kk, name_ru=ru, name_en=None, level="settlement", parent=DISTRICT))
    db.session.commit()


def counted_cycle(make_cycle, officials, resident, ballots_by_village: dict[str, list[tuple[int, ...]]]):
    """A cycle with two projects, the given ballots (as project indexes), counted by the real tally."""
    from budgeting.models import Ballot
    from budgeting.tally import tally_cycle
    from extensions import db

    add_villages()
    cycle = make_cycle()
    projects = eligible_projects(cycle, resident(), officials["officer"], [200_000, 300_000])
    move_to(cycle, "voting")
    now = datetime.now(UTC)
    for village, ballots in ballots_by_village.items():
        for choice in ballots:
            db.session.add(Ballot(
                cycle_id=cycle.id, voter_hash=uuid.uuid4().hex, settlement=village, method="online",
                projects=sorted(projects[i] for i in choice), cast_at=now, receipt=uuid.uuid4().hex[:24],
            ))
    db.session.commit()
    move_to(cycle, "counting")
    assert tally_cycle(cycle.id, datetime.now(UTC)) == 1
    db.session.commit()
    return cycle, projects


def by_village(page: str) -> dict[str, tuple[int, dict[int, int]]]:
    """{key: (ballots, {project: votes})} of each table of votes by village on the results page."""
    tables = re.findall(r'<table class="table by-village" id="village-(\w+)" data-ballots="(\d+)">(.*?)</table>', page, re.S)
    return {
        key: (int(ballots), {int(p): int(n) for p, n in re.findall(r'<tr data-project="(\d+)">.*?<td class="num">(\d+)</td>', body, re.S)})
        for key, ballots, body in tables
    }


def results_page(client, cycle) -> str:
    response = client.get(f"/budget/{cycle.id}/results?lang=kk")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def names_of(*katos: str) -> list[str]:
    return [name for kato in katos for name in SMALL_VILLAGES[kato]]


def test_villages_of_one_and_nine_ballots_are_merged_and_ten_is_shown(client, make_cycle, officials, resident):
    # A's one voter chose project 0 alone: today's table showed exactly that.
    cycle, (p0, p1) = counted_cycle(make_cycle, officials, resident, {
        A: [(0,)], B: [(0, 1)] * 4 + [(1,)] * 5, C: [(1,)] * 10, D: [(0,)] * 6 + [(0, 1)] * 6,
    })
    page = results_page(client, cycle)
    for name in names_of(A, B):
        assert name not in page
    tables = by_village(page)
    assert tables == {
        C: (10, {p0: 0, p1: 10}),  # every project on the ballot has its row, a 0 too
        D: (12, {p0: 12, p1: 6}),
        "other": (10, {p0: 5, p1: 9}),
    }
    assert SMALL_VILLAGES[C][0] in page and SMALL_VILLAGES[D][0] in page


def test_a_single_small_village_cannot_be_read_back_from_the_total(client, make_cycle, officials, resident):
    # With A (3 ballots) alone in "other", other = total - C - D would give A's votes back: C, the next
    # smallest, joins it.
    cycle, (p0, p1) = counted_cycle(make_cycle, officials, resident, {
        A: [(0,)] * 3, C: [(1,)] * 10, D: [(0, 1)] * 12,
    })
    page = results_page(client, cycle)
    for name in names_of(A, C):
        assert name not in page
    tables = by_village(page)
    assert set(tables) == {D, "other"}
    assert tables["other"][0] == 13 and tables["other"][1] == {p0: 3, p1: 10}
    # totals stay exact
    result = client.get(f"/api/v1/budget/cycles/{cycle.id}/results").get_json()
    assert result["ballots"] == 25 and result["votes"] == {str(p0): 15, str(p1): 22}


def test_fewer_ballots_than_the_minimum_show_no_breakdown_only_the_total(client, make_cycle, officials, resident):
    cycle, _ = counted_cycle(make_cycle, officials, resident, {A: [(0,)], B: [(1,)] * 3})
    page = results_page(client, cycle)
    for name in names_of(A, B):
        assert name not in page
    assert by_village(page) == {}
    assert 'id="villages-withheld"' in page
    assert re.search(r"<dd>4</dd>", page)  # ballots counted: the exact total


def test_the_minimum_is_a_setting(app, client, make_cycle, officials, resident):
    app.config["BUDGET_MIN_CELL"] = 3
    cycle, (p0, p1) = counted_cycle(make_cycle, officials, resident, {A: [(0,)] * 2, B: [(1,)] * 3, C: [(0, 1)] * 4})
    tables = by_village(results_page(client, cycle))
    # A (2) is below 3 and alone, so B (3), the next smallest, joins it
    assert tables == {C: (4, {p0: 4, p1: 4}), "other": (5, {p0: 2, p1: 3})}


@pytest.mark.parametrize("voters", [1, 9])
def test_the_ballot_file_and_the_results_api_carry_no_village(client, make_cycle, officials, resident, voters):
    """The published `.pb` names no voter's village, age or sex (VOTES is voter_id;vote only), so a small
    village is not readable there; the file recounts and its SHA-256 is the one frozen at the close."""
    from budgeting import allocation, pabulib

    cycle, (p0, p1) = counted_cycle(make_cycle, officials, resident, {A: [(0,)] * voters, D: [(1,)] * 12})
    pb = client.get(f"/api/v1/budget/cycles/{cycle.id}/ballots.pb")
    result = client.get(f"/api/v1/budget/cycles/{cycle.id}/results").get_json()
    assert hashlib.sha256(pb.data).hexdigest() == result["pb_sha256"] == pb.headers["X-Content-SHA256"]
    text = pb.get_data(as_text=True)
    votes = text.split("VOTES\n", 1)[1].splitlines()
    assert votes[0] == "voter_id;vote"
    assert all(len(line.split(";")) == 2 for line in votes[1:])
    for kato in (A, D):
        assert kato not in text and all(name not in text for name in SMALL_VILLAGES[kato])
    projects, ballots, budget = pabulib.load(text).tally_input()
    assert set(allocation.greedy(projects, ballots, budget).funded) == set(result["funded"])
    serialised = str(result)
    assert A not in serialised and D not in serialised
