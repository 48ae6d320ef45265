"""The inbox page: each item a title, its time, a few lines, and a link to the page it is about on the
address the page is served from; grouped by day, 20 a page; user text inert. E-mails link to
DAUYS_BASE_URL, never to a Host header a request claimed."""

from __future__ import annotations

import html
import re
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update

TITLE = "<script>alert(1)</script> Ауыл көшесін жөндеу https://evil.example/phish"


def make_petition(author_iin: str, title: str = TITLE, **fields):
    from extensions import db
    from petitions.models import Petition

    now = datetime.now(UTC)
    values = {
        "author_iin": author_iin,
        "title": title,
        "body": "x" * 60,
        "language": "kk",
        "addressee": "government",
        "state": "open",
        "threshold": 50000,
        "digest": "sha256:" + "0" * 64,
        "created_at": now,
        "collection_ends_at": now + timedelta(days=90),
        "moderation_due_on": date(2026, 11, 2),
        "review_due_on": date(2026, 12, 1),
    }
    petition = Petition(**(values | fields))
    db.session.add(petition)
    db.session.commit()
    return petition


def deliver(*events: tuple[str, dict]) -> None:
    """Record the events in one transaction and let the in-process job thread fan them out."""
    from extensions import db
    from workers import outbox
    from workers.queues import wait_for_inprocess

    for name, payload in events:
        outbox.record(name, datetime.now(UTC), **payload)
    db.session.commit()
    wait_for_inprocess()
    db.session.expire_all()


def sign_in(client, citizen) -> None:
    nonce = client.post("/api/v1/auth/challenge").get_json()["nonce"]
    jws = citizen.jws({"purpose": "auth", "nonce": nonce, "iat": int(time.time())}, usage="auth")
    assert client.post("/login", data={"jws": jws}).status_code == 302
    from workers.queues import wait_for_inprocess

    wait_for_inprocess()  # the welcome


def items_of(page: str) -> list[str]:
    return re.findall(r'<li class="inbox-item[^"]*">(.*?)</li>', page, re.S)


@pytest.fixture
def author(app, make_citizen):
    return make_citizen(email="aigerim@example.kz")


def test_each_item_links_to_its_page_on_the_address_the_inbox_is_served_from(app, client, author):
    sign_in(client, author)
    petition = make_petition(author.iin)
    deliver(("petition.opened", {"petition_id": petition.id}))
    session = client.get_cookie("session").value
    for host in ("localhost", "127.0.0.1:8123", "evil.example"):  # whatever Host the request names
        client.set_cookie("session", session, domain=host.split(":")[0])
        page = client.get("/inbox?lang=en", headers={"Host": host}).get_data(as_text=True)
        first, welcome = items_of(page)
        assert "<h3><bdi>Your petition is now public</bdi>" in first
        links = re.findall(r'<a href="([^"]*)">', first)
        assert links == [f"/petitions/{petition.id}"]  # a path: the browser keeps the host and port it asked
        assert re.findall(r'<a href="([^"]*)">', welcome) == ["/account"]
        assert "evil.example" not in page.replace("https://evil.example/phish", "")  # no Host header written in
    assert client.get(f"/petitions/{petition.id}").status_code == 200  # and it leads to the petition


def test_an_item_shows_a_few_lines_without_the_email_footer_and_user_text_stays_inert(app, client, author):
    from notifications.models import EmailDelivery

    sign_in(client, author)
    petition = make_petition(author.iin)
    deliver(("petition.opened", {"petition_id": petition.id}))
    page = client.get("/inbox?lang=en").get_data(as_text=True)
    first = items_of(page)[0]
    assert "— Dauys" not in page and "Dauys —" not in page  # no signature on each item
    assert "127.0.0.1:5000" not in page  # no e-mail address of the site, whatever port this is
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in first
    assert '<a href="https://evil.example' not in page  # user text is never made a link
    assert re.search(r"<bdi>&lt;script&gt;alert\(1\)&lt;/script&gt; Ауыл", first)  # the title, isolated, in our link
    assert '<time datetime="' in first
    # the e-mail keeps its address and its signature
    mail = app.extensions["sqlalchemy"].session.scalars(select(EmailDelivery).order_by(EmailDelivery.id.desc())).first()
    assert f"http://127.0.0.1:5000/petitions/{petition.id}" in mail.body and "— Dauys" in mail.body


def test_a_long_text_is_cut_to_a_few_lines_and_its_link_leads_to_the_rest(app, client, author):
    from notifications.services import SUMMARY_CHARS

    sign_in(client, author)
    now = datetime.now(UTC)
    petition = make_petition(
        author.iin,
        state="answered",
        answer_decision="supported",
        answer_text="Әкімдік көшені жөндейді. " * 80,
        answer_official="Ахметов Ерлан",
        answered_at=now,
    )
    deliver(("petition.answered", {"petition_id": petition.id}))
    first = items_of(client.get("/inbox").get_data(as_text=True))[0]
    text = html.unescape(re.search(r'<p class="text">(.*?)</p>', first, re.S).group(1))
    assert len(text) <= SUMMARY_CHARS + 1 and text.endswith("…")
    assert f'<a href="/petitions/{petition.id}">' in first


def test_items_are_grouped_by_day_and_paged_twenty_at_a_time(app, client, author):
    from extensions import db
    from notifications.models import Notification

    sign_in(client, author)
    petition = make_petition(author.iin)
    deliver(*[("petition.opened", {"petition_id": petition.id})] * 44)  # with the welcome: 45 items
    items = db.session.scalars(select(Notification).order_by(Notification.id)).all()
    assert len(items) == 45
    now = datetime.now(UTC)
    for index, item in enumerate(items):  # the oldest 15 came two days ago, the next 15 yesterday
        days_ago = 2 if index < 15 else 1 if index < 30 else 0
        db.session.execute(
            update(Notification).where(Notification.id == item.id).values(created_at=now - timedelta(days=days_ago))
        )
    db.session.commit()

    first = client.get("/inbox?lang=en").get_data(as_text=True)
    assert len(items_of(first)) == 20
    assert re.findall(r'<h2 id="day-\d+"><time datetime="[^"]+">([^<]+)</time></h2>', first) == ["Today", "Yesterday"]
    assert "Page 1 of 3" in first
    assert 'rel="next" href="/inbox?page=2"' in first and 'rel="prev"' not in first
    assert '<nav class="pagination" aria-label="Pages">' in first

    second = client.get("/inbox?page=2&lang=en").get_data(as_text=True)
    assert len(items_of(second)) == 20
    assert 'rel="prev" href="/inbox?page=1"' in second and 'rel="next" href="/inbox?page=3"' in second
    last = client.get("/inbox?page=3&lang=en").get_data(as_text=True)
    assert len(items_of(last)) == 5 and 'rel="next"' not in last
    day_headings = re.findall(r'<h2 id="day-\d+"><time datetime="([^"]+)">', last)
    assert len(day_headings) == 1  # two days ago, in the calendar's long form
    # every item once across the pages, the newest first
    seen = [
        re.search(r'<time datetime="([^"]+)">', item).group(1) for p in (first, second, last) for item in items_of(p)
    ]
    assert len(seen) == 45 and seen == sorted(seen, reverse=True)
    # a page number that cannot be read is the first page; one past the end, the last
    for wrong in ("0", "-1", "abc", "1e3", "९", "99999999999"):
        assert "Page 1 of 3" in client.get(f"/inbox?page={wrong}&lang=en").get_data(as_text=True), wrong
    assert "Page 3 of 3" in client.get("/inbox?page=4&lang=en").get_data(as_text=True)


def test_unread_items_are_marked_until_read(app, client, author):
    sign_in(client, author)
    page = client.get("/inbox?lang=en").get_data(as_text=True)
    assert "1 notification · 1 new" in page and 'class="inbox-item unread"' in page
    client.post("/inbox/read", data={})
    page = client.get("/inbox?lang=en").get_data(as_text=True)
    assert "1 notification" in page and "new" not in page.split("<main", 1)[1].split("</main>")[0].replace("news", "")
    assert "Mark all as read" not in page


def test_every_kind_has_a_page_link_that_builds(app, author):
    """Each kind's link resolves on a page and in an e-mail: an endpoint that went away fails here,
    not in a worker's fan-out."""
    from auth.services import account_for
    from budgeting.models import BudgetCycle, Proposal
    from extensions import db
    from notifications.events import KINDS
    from notifications.links import mail_url
    from notifications.models import Notification
    from notifications.services import inbox_entry

    user = account_for(author.iin, datetime.now(UTC))
    now = datetime.now(UTC)
    petition = make_petition(  # every field some event's text names (tests/petitions/test_notification_texts.py)
        author.iin,
        state="answered",
        discussion_at=now,
        discussion_place="Астана",
        answer_decision="partly_supported",
        answer_text="Жауап мәтіні",
        answer_official="Ахметов Ерлан",
        answered_at=now,
        rejection_reason="duplicate",
        rejection_comment="Бұрын берілген",
        report_due_on=date(2027, 6, 1),
        rating_closes_on=date(2027, 1, 20),
        contested_at=now,
        follow_up_due_on=date(2027, 2, 1),
        follow_up_text="Қосымша жауап",
        follow_up_official="Ахметов Ерлан",
        follow_up_at=now,
        report_text="Есеп мәтіні",
        report_official="Ахметов Ерлан",
        reported_at=now,
    )
    cycle = BudgetCycle(
        kato="113243000",
        year=2026,
        amount=1_000_000,
        ballot="approval",
        rule="greedy",
        proposals_open=now,
        proposals_close=now + timedelta(days=1),
        voting_open=now + timedelta(days=2),
        voting_close=now + timedelta(days=3),
        created_at=now,
    )
    db.session.add(cycle)
    db.session.flush()
    proposal = Proposal(
        cycle_id=cycle.id,
        author_iin=author.iin,
        title="Көше жарығы",
        description="x" * 60,
        category="lighting",
        settlement="113243200",
        cost=300_000,
        checked_cost=300_000,
        state="eligible",
        digest="",
        created_at=now,
    )
    db.session.add(proposal)
    db.session.commit()
    payload = {
        "petition_id": petition.id,
        "cycle_id": cycle.id,
        "proposal_id": proposal.id,
        "user_id": user.id,
        "days_left": 5,
        "phase": "voting",
    }
    with app.test_request_context("/inbox", headers={"Host": "evil.example"}):
        for event in KINDS:
            item = Notification(user_id=user.id, outbox_id=0, event=event, data=payload, created_at=now)
            entry = inbox_entry(item, user, "kk")
            assert entry.href and entry.href.startswith("/") and entry.link_text, event
            link = KINDS[event].link(payload, KINDS[event].context(payload))
            assert mail_url(link).startswith("http://127.0.0.1:5000/"), event  # DAUYS_BASE_URL, not the Host


def test_emails_link_to_the_configured_base_url_and_never_to_a_request_host(app, author):
    from extensions import db
    from notifications.models import EmailDelivery, Notification
    from notifications.services import fan_out
    from workers import outbox
    from workers.queues import wait_for_inprocess

    app.config["BASE_URL"] = "https://dauys.example:8443/app"
    petition = make_petition(author.iin)
    row = outbox.record("petition.opened", datetime.now(UTC), petition_id=petition.id)
    db.session.flush()
    db.session.commit()
    wait_for_inprocess()  # the job thread's own fan-out, on the configured address
    assert (
        f"https://dauys.example:8443/app/petitions/{petition.id}\n"
        in db.session.scalars(select(EmailDelivery.body).where(EmailDelivery.outbox_id == row.id)).one()
    )
    db.session.execute(delete(EmailDelivery))
    db.session.execute(delete(Notification))
    with app.test_request_context("/moderation/1", headers={"Host": "evil.example"}):  # as if fanned out in a request
        (delivery_id,) = fan_out(row, datetime.now(UTC))
        body = db.session.get(EmailDelivery, delivery_id).body
        db.session.rollback()
    assert f"https://dauys.example:8443/app/petitions/{petition.id}\n" in body
    assert "evil.example" not in body.replace("https://evil.example/phish", "") and "— Dauys" in body


def test_an_item_is_dated_when_what_it_tells_of_happened_not_when_it_was_delivered(app, client, author):
    """An event delivered late (Redis down, a worker restarted, the demo's seed) keeps its own time."""
    from extensions import db
    from notifications.models import Notification
    from workers import outbox
    from workers.queues import wait_for_inprocess

    sign_in(client, author)
    petition = make_petition(author.iin)
    happened = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3, hours=2)
    outbox.record("petition.opened", happened, petition_id=petition.id)
    db.session.commit()
    wait_for_inprocess()
    db.session.expire_all()
    item = db.session.scalar(select(Notification).where(Notification.event == "petition.opened"))
    assert item.created_at == happened
    page = client.get("/inbox?lang=en").get_data(as_text=True)
    assert re.findall(r'<h2 id="day-\d+"><time datetime="[^"]+">([^<]+)</time></h2>', page)[0] == "Today"  # the welcome
    assert len(re.findall(r'<h2 id="day-\d+">', page)) == 2  # and the opening, three days ago
