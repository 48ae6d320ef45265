"""The frozen ballot file: pabutools reads it and recounts the same result; it reads back; its hash is stable."""

from __future__ import annotations

import random

import pytest

from budgeting import pabulib
from budgeting.allocation import Project, mes_add1

pabutools = pytest.importorskip("pabutools")

META = {
    "description": "Dauys participatory budget 2031, Акмолинская / Шортанды",
    "country": "Kazakhstan",
    "unit": "Бектауский сельский округ",
    "instance": "2031",
    "budget": 1_200_000,
    "vote_type": "approval",
    "rule": "equalshares/add1",
    "date_begin": "2031-05-01",
    "date_end": "2031-05-31",
    "language": "kk",
    "currency": "KZT",
}


def sample(seed=7):
    rng = random.Random(seed)
    projects = [
        {"project_id": 11, "cost": 450_000, "name": "Жарық; көше", "category": "roads", "target": "Бектау"},
        {"project_id": 5, "cost": 300_000, "name": 'Спорт "алаңы"', "category": "sport", "target": "Бектау"},
        {"project_id": 8, "cost": 200_000, "name": "Кітапхана\n жөндеу ", "category": "culture", "target": "Айнаколь"},
        {"project_id": 2, "cost": 650_000, "name": "Су құбыры", "category": "water", "target": "Айнаколь"},
    ]
    ids = [p["project_id"] for p in projects]
    ballots = [frozenset(rng.sample(ids, rng.randint(0, 3))) for _ in range(40)]
    return projects, ballots


def test_the_export_parses_with_pabutools_and_it_funds_what_we_fund(tmp_path):
    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.rules import method_of_equal_shares
    from pabutools.tiebreaking import TieBreakingRule

    projects, ballots = sample()
    text = pabulib.dump(META, projects, ballots)
    path = tmp_path / "cycle.pb"
    path.write_bytes(text.encode("utf-8"))
    instance, profile = parse_pabulib(str(path))
    assert instance.budget_limit == 1_200_000
    assert profile.num_ballots() == 40
    meta = {p.name: instance.project_meta[p] for p in instance}
    tie = TieBreakingRule(
        lambda inst, prof, p: (p.cost, -int(meta[p.name]["votes"]), int(meta[p.name]["submitted_order"]))
    )
    theirs = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, tie_breaking=tie, voter_budget_increment=1)

    ours = mes_add1(*pabulib.load(text).tally_input())
    assert [int(p.name) for p in theirs] == list(ours.funded)
    assert ours.funded  # the sample funds something, so the comparison means something


def test_the_export_reads_back_into_the_same_election():
    projects, ballots = sample()
    pb = pabulib.load(pabulib.dump(META, projects, ballots))
    got_projects, got_ballots, budget = pb.tally_input()
    assert budget == 1_200_000
    # submitted_order is the position in the list given (submission order), ids are sorted in the file
    assert got_projects == [Project(2, 650_000, 3), Project(5, 300_000, 1), Project(8, 200_000, 2),
                            Project(11, 450_000, 0)]
    assert sorted(map(sorted, got_ballots)) == sorted(map(sorted, ballots))
    assert pb.meta["num_votes"] == "40" and pb.meta["num_projects"] == "4"
    assert pb.meta["unit"] == "Бектауский сельский округ"
    assert [p["name"] for p in pb.projects] == ["Су құбыры", 'Спорт "алаңы"', "Кітапхана жөндеу", "Жарық; көше"]
    votes = {int(p["project_id"]): int(p["votes"]) for p in pb.projects}
    assert votes == {p["project_id"]: sum(p["project_id"] in b for b in ballots) for p in projects}


def test_the_file_and_its_sha256_do_not_depend_on_ballot_order_or_key_order():
    projects, ballots = sample()
    text = pabulib.dump(META, projects, ballots)
    shuffled = list(ballots)
    random.Random(1).shuffle(shuffled)
    reordered_meta = dict(reversed(list(META.items())))
    reordered_projects = [dict(reversed(list(p.items()))) for p in projects]
    again = pabulib.dump(reordered_meta, reordered_projects, shuffled)
    assert again == text
    assert pabulib.sha256(again) == pabulib.sha256(text)
    assert len(pabulib.sha256(text)) == 64


def test_the_sha256_of_a_known_election_is_pinned():
    # A change here means every published digest changes: bump it only on purpose.
    text = pabulib.dump(
        {"description": "d", "country": "Kazakhstan", "unit": "u", "instance": "2031", "budget": 100,
         "rule": "greedy", "date_begin": "2031-05-01", "date_end": "2031-05-31"},
        [{"project_id": 1, "cost": 60, "name": "a", "category": "c"}, {"project_id": 2, "cost": 50, "name": "b"}],
        [frozenset({2, 1}), frozenset(), frozenset({1})],
    )
    assert text == (
        "META\nkey;value\ndescription;d\ncountry;Kazakhstan\nunit;u\ninstance;2031\nnum_projects;2\n"
        "num_votes;3\nbudget;100\nvote_type;approval\nrule;greedy\ndate_begin;2031-05-01\ndate_end;2031-05-31\n"
        "PROJECTS\nproject_id;cost;votes;name;category;submitted_order\n1;60;2;a;c;0\n2;50;1;b;;1\n"
        "VOTES\nvoter_id;vote\n1;\n2;1\n3;1,2\n"
    )
    assert pabulib.sha256(text) == pabulib.sha256(text.encode("utf-8").decode("utf-8"))


def test_no_voter_identity_reaches_the_file():
    projects, ballots = sample()
    text = pabulib.dump(META, projects, ballots)
    votes = text.split("VOTES\n", 1)[1].splitlines()[1:]
    assert [line.split(";")[0] for line in votes] == [str(i) for i in range(1, 41)]


def test_ballots_naming_unknown_projects_are_refused():
    with pytest.raises(ValueError):
        pabulib.dump(META, [{"project_id": 1, "cost": 5}], [frozenset({9})])
