"""Moderation has a deadline too (DOMAIN.md "moderation delayed"): past its due day a petition still in
moderation says so in its JSON and on its page, leads the moderators' queue marked overdue, and the
admins are told once, by the tick, however often it runs, and never again once the decision comes.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from kernel.kazakhstan_time import local_date
from tests.petitions.conftest import create_and_submit
from tests.petitions.test_jobs import at, inbox, people, tick  # noqa: F401 (people: a fixture)
from tests.petitions.test_pages import sign_in_page
from tests.petitions.test_transitions import events, make_petition


def _set_due(petition_id: int, due: date) -> None:
    """Move a petition's stored due day (its signed document does not hold it: the digest stays)."""
    from extensions import db
    from petitions.models import Petition

    db.session.get(Petition, petition_id).moderation_due_on = due
    db.session.commit()


def test_delayed_from_the_kazakhstan_day_after_the_due_day_and_only_in_moderation(app, make_citizen):
    from petitions.queries import moderation_delayed

    author = make_citizen()
    petition = make_petition("moderation", author.iin, at("2025-04-18T06:00:00"), moderation_due_on=date(2025, 5, 19))
    assert not moderation_delayed(petition, at("2025-05-19T18:59:59"))  # 23:59:59 on the 19th in Kazakhstan
    assert moderation_delayed(petition, at("2025-05-19T19:00:00"))  # midnight: the 20th
    approved = make_petition("restricted", author.iin, at("2025-04-18T06:00:00"), moderation_due_on=date(2025, 5, 19))
    assert not moderation_delayed(approved, at("2025-06-01T06:00:00"))  # decided (late or not): nothing pending


def test_the_admins_are_told_once_after_the_due_day_and_never_again(app, people):  # noqa: F811
    from petitions.jobs import moderation_delays

    due = date(2025, 5, 16)  # a Friday
    petition_id = make_petition("moderation", people["author"], at("2025-04-18T06:00:00"), moderation_due_on=due).id
    on_time_id = make_petition(
        "moderation", people["author"], at("2025-04-18T06:00:00"), moderation_due_on=date(2025, 6, 2)
    ).id
    for instant in ("2025-05-10T04:00:00", "2025-05-16T04:00:00", "2025-05-16T18:59:00"):  # up to 23:59 on the 16th
        assert tick(at(instant))["moderation_delayed"] == 0
    assert events("petition.moderation_delayed", petition_id) == []

    late = at("2025-05-16T19:00:00")  # 00:00 on Saturday 17 May in Kazakhstan
    assert tick(late)["moderation_delayed"] == 1
    assert tick(late)["moderation_delayed"] == 0  # the same minute, twice
    for days in (1, 3, 10):
        assert tick(late + timedelta(days=days))["moderation_delayed"] == 0
    assert moderation_delays(late, date(2025, 5, 30)) == 0  # the step alone, run again: the milestone holds

    told = events("petition.moderation_delayed", petition_id)
    assert [(e.payload, e.created_at) for e in told] == [({"petition_id": petition_id, "due_on": "2025-05-16"}, late)]
    assert events("petition.moderation_delayed", on_time_id) == []
    assert len(inbox(people["admin"], "petition.moderation_delayed")) == 1
    assert inbox(people["author"], "petition.moderation_delayed") == []
    assert inbox(people["reviewer"], "petition.moderation_delayed") == []


def test_a_decision_after_the_delay_sends_nothing_more_and_ends_the_notice(client, make_citizen, actor, officials):
    author = actor(make_citizen(kato="710000000"))
    petition = create_and_submit(author)
    today = local_date(datetime.now(UTC))
    assert petition["moderation_delayed"] is False and petition["moderated_at"] is None
    _set_due(petition["id"], today - timedelta(days=15))

    shown = client.get(f"/api/v1/petitions/{petition['id']}").get_json()
    assert shown["moderation_delayed"] is True
    assert tick(datetime.now(UTC))["moderation_delayed"] == 1
    assert officials["moderator"].moderate(petition).status_code == 200
    for days in (0, 1, 2):  # (later, the approved petition would lapse: another job)
        assert tick(datetime.now(UTC) + timedelta(days=days))["moderation_delayed"] == 0
    assert len(events("petition.moderation_delayed", petition["id"])) == 1
    assert len(inbox(officials["admin"].citizen.iin, "petition.moderation_delayed")) == 1

    decided = client.get(f"/api/v1/petitions/{petition['id']}?lang=en").get_json()
    assert decided["state"] == "restricted" and decided["moderation_delayed"] is False
    assert datetime.fromisoformat(decided["moderated_at"]) <= datetime.now(UTC)
    assert "Decision delayed" not in client.get(f"/petitions/{petition['id']}?lang=en").get_data(as_text=True)


def _notice(html: str) -> str | None:
    found = re.search(r'<section class="notice notice-delayed".*?</section>', html, re.S)
    return found.group(0) if found else None


def test_the_public_page_shows_the_delay_with_its_due_day_in_every_language(client, make_citizen, actor):
    author = actor(make_citizen(kato="710000000"))
    petition = create_and_submit(author)
    assert _notice(client.get(f"/petitions/{petition['id']}?lang=en").get_data(as_text=True)) is None  # not yet due
    due = local_date(datetime.now(UTC)) - timedelta(days=3)
    _set_due(petition["id"], due)

    english = _notice(client.get(f"/petitions/{petition['id']}?lang=en").get_data(as_text=True))
    assert english is not None and 'aria-labelledby="moderation-delayed-title"' in english
    assert "Decision delayed" in english
    assert "taking longer than the 20 working days it should" in english
    assert f"{due.day}" in english and str(due.year) in english  # the due day, written out
    words = {"kk": "Шешім кешікті", "ru": "Решение задерживается"}
    for locale, heading in words.items():
        notice = _notice(client.get(f"/petitions/{petition['id']}?lang={locale}").get_data(as_text=True))
        assert notice is not None and heading in notice and "20" in notice, locale


def test_the_queue_puts_the_overdue_first_and_marks_them(client, make_citizen, actor, officials):
    author = actor(make_citizen(kato="710000000"))
    fresh = create_and_submit(author, title="Жаңа саябақ салу керек")
    late = create_and_submit(author, title="Ескі көпірді жөндеу керек")
    today = local_date(datetime.now(UTC))
    _set_due(late["id"], today - timedelta(days=15))  # at least one working day missed, whatever the holidays

    items = officials["moderator"].get("/api/v1/moderation/queue").get_json()["items"]
    assert [(i["id"], i["moderation_delayed"]) for i in items] == [(late["id"], True), (fresh["id"], False)]
    assert items[0]["working_days_left"] < 0 < items[1]["working_days_left"]

    sign_in_page(client, officials["moderator"].citizen)
    page = client.get("/moderation?lang=en").get_data(as_text=True)
    first, second = page.index("Ескі көпірді"), page.index("Жаңа саябақ")
    assert first < second
    overdue = re.findall(r'<li class="petition-item( is-overdue)?">', page)
    assert overdue == [" is-overdue", ""]
    assert len(re.findall(r"Overdue by \d+ working days?", page)) == 1
    for locale, words in {"kk": "жұмыс күніне өтіп кетті", "ru": "Просрочено на"}.items():
        assert words in client.get(f"/moderation?lang={locale}").get_data(as_text=True), locale


def test_the_day_after_a_due_friday_the_queue_says_overdue_not_due_today(client, make_citizen, officials, monkeypatch):
    """No working day has been missed on the Saturday, yet the decision is late: the page clock pinned."""
    from web import clock

    author = make_citizen(kato="710000000")
    make_petition("moderation", author.iin, at("2025-04-18T06:00:00"), moderation_due_on=date(2025, 5, 16))
    monkeypatch.setattr(clock, "now", lambda: at("2025-05-17T06:00:00"))
    sign_in_page(client, officials["moderator"].citizen)
    page = client.get("/moderation?lang=en").get_data(as_text=True)
    assert '<li class="petition-item is-overdue">' in page
    assert '<strong class="overdue">Overdue</strong>' in page and "Due today" not in page
