"""An outside client using only API.md takes a petition from draft to answered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kernel.kazakhstan_time import local_date
from kernel.work_calendar import load_work_calendar
from kernel.working_days import add_working_days
from tests.conftest import answer_fields
from tests.petitions.conftest import create_and_submit, sign


def test_petition_goes_from_draft_to_answered_over_the_api(app, client, small_thresholds, make_citizen, actor, officials):
    from workers.queues import wait_for_inprocess

    author = actor(make_citizen(kato="113243200"))
    petition = create_and_submit(author)
    calendar = load_work_calendar()
    today = local_date(datetime.now(UTC))
    assert petition["state"] == "moderation"
    assert petition["threshold"] == 3
    assert petition["moderation_due_on"] == add_working_days(calendar, today, 20).isoformat()

    pid = petition["id"]
    approved = officials["moderator"].moderate(pid)
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["state"] == "restricted"
    assert approved.get_json()["restricted_until"] == add_working_days(calendar, today, 10).isoformat()
    assert pid not in [p["id"] for p in client.get("/api/v1/petitions").get_json()["items"]]

    signers = [make_citizen(kato=kato) for kato in ("113243200", "113243100", "710000000")]
    for index, citizen in enumerate(signers):
        response = sign(client, citizen, petition, notify=index == 0)
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["receipt"]
    assert sign(client, signers[0], petition).get_json()["error"]["code"] in ("already_signed", "wrong_state")

    after = client.get(f"/api/v1/petitions/{pid}").get_json()
    assert after["state"] == "under_review"
    from petitions.counter import exact_count

    assert exact_count(pid) == 3  # the public figure may lag by up to a second; the shards may not
    reached = datetime.fromisoformat(after["threshold_reached_at"])
    assert after["review_due_on"] == add_working_days(calendar, local_date(reached), 40).isoformat()
    assert pid in [p["id"] for p in client.get("/api/v1/petitions?state=under_review").get_json()["items"]]

    at = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    scheduled = officials["reviewer"].review(pid, "petition.discussion", at=at, place="Астана, Үкімет үйі")
    assert scheduled.status_code == 200, scheduled.get_json()
    assert scheduled.get_json()["discussion"]["place"] == "Астана, Үкімет үйі"
    answer = answer_fields("partly_supported", today)
    wrong_body = officials["reviewer_astana"].review(pid, "petition.answer", **answer)
    assert wrong_body.status_code == 403 and wrong_body.get_json()["error"]["code"] == "forbidden"
    answered = officials["reviewer"].review(pid, "petition.answer", **answer)
    assert answered.status_code == 200, answered.get_json()
    final = answered.get_json()
    assert final["state"] == "answered"
    assert final["answer"]["decision"] == "partly_supported"
    assert final["answer"]["official"]
    assert [(m["body"], m["due_on"]) for m in final["measures"]] == [(m["body"], m["due_on"]) for m in answer["measures"]]
    assert final["report_due_on"] == answer["report_due_on"]

    wait_for_inprocess()
    events = {i["event"] for i in author.get("/api/v1/me/notifications").get_json()["items"]}
    assert {"petition.approved", "petition.opened", "petition.threshold_reached", "petition.answered"} <= events
    reviewer_events = [i["event"] for i in officials["reviewer"].get("/api/v1/me/notifications").get_json()["items"]]
    assert reviewer_events.count("petition.threshold_reached") == 1
    assert all(
        i["event"] != "petition.threshold_reached"
        for i in officials["reviewer_astana"].get("/api/v1/me/notifications").get_json()["items"]
    )
