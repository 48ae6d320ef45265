"""A reviewer serves one body, its addressee and its territory: the city akimat's reviewer never acts, queues or
hears for the city maslikhat's petition, and a grant of the old shape (a KATO without a body, or no scope) serves nothing."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import answer_fields
from tests.petitions.conftest import create_and_submit, sign
from tests.petitions.test_pages import sign_in_page, sign_out_page

ASTANA = "710000000"


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def city_reviewers(app, make_citizen, actor):
    """Reviewers of Astana's akimat and maslikhat (granted as API.md says), and two grants made before bodies existed."""
    from auth.models import RoleGrant
    from extensions import db

    people = {name: make_citizen(kato=ASTANA) for name in ("akimat", "maslikhat", "legacy", "wildcard")}
    for name in ("akimat", "maslikhat"):
        result = cli(app, "roles", "grant", "--iin", people[name].iin, "--role", "reviewer", "--scope", ASTANA,
                     "--body", f"city_{name}")
        assert result.exit_code == 0, result.output
    now = datetime.now(UTC)
    db.session.add(RoleGrant(iin=people["legacy"].iin, role="reviewer", scope=ASTANA, granted_at=now))
    db.session.add(RoleGrant(iin=people["wildcard"].iin, role="reviewer", scope=None, granted_at=now))
    db.session.commit()
    return {name: actor(citizen) for name, citizen in people.items()}


@pytest.fixture
def maslikhat_petition(app, small_thresholds, make_citizen, actor, officials, city_reviewers):
    """An Astana city maslikhat petition that reached its threshold: it is under review."""
    app.config["PETITION_THRESHOLD_CITY_MASLIKHAT"] = 3
    author = actor(make_citizen(kato=ASTANA))
    petition = create_and_submit(author, addressee="city_maslikhat", territory=ASTANA, title="Астанада жаңа саябақ ашу")
    approved = officials["moderator"].moderate(petition['id'])
    assert approved.status_code == 200, approved.get_json()
    for _ in range(3):
        assert sign(author.client, make_citizen(kato=ASTANA), petition).status_code == 201
    assert author.get(f"/api/v1/petitions/{petition['id']}").get_json()["state"] == "under_review"
    return petition


def _state(petition_id: int) -> tuple:
    from extensions import db
    from petitions.models import Petition

    db.session.expire_all()
    row = db.session.get(Petition, petition_id)
    return row.state, row.discussion_at, row.answered_at


def test_only_the_addressed_bodys_reviewer_acts_on_its_petition_over_the_api(maslikhat_petition, city_reviewers):
    pid = maslikhat_petition["id"]
    before = _state(pid)
    at = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    discussion = ("petition.discussion", {"at": at, "place": "Астана, мәслихат ғимараты"})
    answer = ("petition.answer", answer_fields("supported"))  # valid: refused only for the body
    for name in ("akimat", "legacy", "wildcard"):
        reviewer = city_reviewers[name]
        for purpose, fields in (discussion, answer):
            if name == "akimat":  # the neighbour body's own official certificate
                jws = reviewer.act(purpose, pid, **fields)
            else:  # a grant of the old shape gets no official certificate: it signs with what it has
                jws = reviewer.citizen.jws({"purpose": purpose, "iat": int(time.time()), "doc": reviewer.doc_of(pid), **fields})
            refused = reviewer.post(f"/api/v1/petitions/{pid}/review", {"jws": jws})
            assert refused.status_code == 403, (name, refused.get_json())
            assert refused.get_json()["error"]["code"] == "forbidden"
    assert _state(pid) == before
    scheduled = city_reviewers["maslikhat"].review(pid, discussion[0], **discussion[1])
    assert scheduled.status_code == 200, scheduled.get_json()


def test_a_reviewers_queue_holds_only_their_bodys_petitions(maslikhat_petition, city_reviewers):
    pid = maslikhat_petition["id"]
    mine = city_reviewers["maslikhat"].get("/api/v1/review/queue")
    assert [p["id"] for p in mine.get_json()["items"]] == [pid]
    neighbour = city_reviewers["akimat"].get("/api/v1/review/queue")
    assert neighbour.status_code == 200 and neighbour.get_json()["items"] == []
    for name in ("legacy", "wildcard"):  # a grant of the old shape is no reviewer's grant
        assert city_reviewers[name].get("/api/v1/review/queue").status_code == 403, name


def test_only_the_addressed_bodys_reviewers_hear_of_the_threshold(maslikhat_petition, city_reviewers, officials):
    from auth.services import holders_of
    from workers.queues import wait_for_inprocess

    wait_for_inprocess()

    def heard(actor) -> list[str]:
        return [i["event"] for i in actor.get("/api/v1/me/notifications").get_json()["items"]]

    assert heard(city_reviewers["maslikhat"]).count("petition.threshold_reached") == 1
    for name in ("akimat", "legacy", "wildcard"):
        assert "petition.threshold_reached" not in heard(city_reviewers[name]), name
    assert "petition.threshold_reached" not in heard(officials["reviewer"])  # the Government's
    # reminders and escalations ask the same question
    assert holders_of("reviewer", ASTANA, "city_maslikhat") == [city_reviewers["maslikhat"].citizen.iin]
    assert holders_of("reviewer", ASTANA) == [] and holders_of("reviewer") == []


def test_the_review_pages_refuse_the_reviewer_of_another_body(client, maslikhat_petition, city_reviewers):
    pid = maslikhat_petition["id"]
    before = _state(pid)
    for name in ("akimat", "legacy", "wildcard"):
        sign_in_page(client, city_reviewers[name].citizen)
        assert client.get(f"/review/{pid}").status_code == 403, name
        posted = client.post(f"/review/{pid}/answer", data={"jws": "a.b.c", **answer_fields("not_supported")})
        assert posted.status_code == 403, name
        assert f"/review/{pid}" not in client.get("/review").get_data(as_text=True)
        sign_out_page(client)
    assert _state(pid) == before
    sign_in_page(client, city_reviewers["maslikhat"].citizen)
    assert client.get(f"/review/{pid}").status_code == 200
    assert f"/review/{pid}" in client.get("/review").get_data(as_text=True)


@pytest.mark.parametrize(
    "args, field",
    [
        (("--role", "reviewer", "--scope", ASTANA), "body"),  # a KATO-scoped reviewer names their body
        (("--role", "reviewer"), "scope"),  # no reviewer of everything
        (("--role", "reviewer", "--scope", "government", "--body", "city_akimat"), "body"),
        (("--role", "reviewer", "--scope", ASTANA, "--body", "region_akimat"), "scope"),  # Astana is a city
        (("--role", "reviewer", "--scope", "113243000", "--body", "region_maslikhat"), "scope"),  # a rural district
        (("--role", "moderator", "--scope", "110000000"), "scope"),
        (("--role", "admin", "--scope", "government"), "scope"),
        (("--role", "budget_officer", "--scope", "113243000", "--body", "city_akimat"), "body"),
        (("--role", "budget_officer", "--scope", "113200000"), "scope"),  # the district above the rural district
        (("--role", "secretary", "--scope", "110000000"), "scope"),  # the region
        (("--role", "secretary",), "scope"),  # no secretary of every district
    ],
)
def test_roles_grant_refuses_a_grant_of_the_wrong_shape_and_writes_nothing(app, make_citizen, args, field):
    from sqlalchemy import func, select

    from auth.models import RoleGrant
    from extensions import db

    citizen = make_citizen()
    result = cli(app, "roles", "grant", "--iin", citizen.iin, *args)
    assert result.exit_code != 0
    assert f"validation_error: {field}" in result.output, result.output
    assert db.session.scalar(select(func.count()).select_from(RoleGrant)) == 0


def test_roles_grant_takes_a_body_for_a_local_reviewer_and_is_idempotent(app, make_citizen):
    from auth.models import RoleGrant, User
    from extensions import db

    citizen = make_citizen()
    for _ in range(2):
        result = cli(app, "roles", "grant", "--iin", citizen.iin, "--role", "reviewer", "--scope", "110000000",
                     "--body", "region_akimat")
        assert result.exit_code == 0, result.output
        assert citizen.iin not in result.output
    assert cli(app, "roles", "grant", "--iin", citizen.iin, "--role", "reviewer", "--scope", "110000000",
               "--body", "region_maslikhat").exit_code == 0
    assert {(g.scope, g.body) for g in db.session.query(RoleGrant)} == {
        ("110000000", "region_akimat"), ("110000000", "region_maslikhat")
    }
    user = User(iin=citizen.iin, created_at=datetime.now(UTC))
    db.session.add(user)
    db.session.commit()
    assert user.has_role("reviewer", "110000000", "region_akimat")
    assert not user.has_role("reviewer", "110000000")
    assert not user.has_role("reviewer", "government")
