"""The audit log: every official action recorded (who, what, when, from where), append-only,
readable by admins only, and never holding an IIN."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from tests.petitions.conftest import create_and_submit
from tests.petitions.test_pages import sign_in_page


def audit_rows(action: str | None = None):
    from audit.models import AuditEntry
    from extensions import db

    db.session.rollback()
    query = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return db.session.scalars(query).all()


def test_moderation_and_review_are_recorded_with_actor_time_and_origin(app, actor, officials, make_citizen):
    author = actor(make_citizen())
    petition = create_and_submit(author)
    before = datetime.now(UTC)

    approved = officials["moderator"].moderate(petition['id'])
    assert approved.status_code == 200

    (row,) = audit_rows("petition.moderate")
    moderator = officials["moderator"].citizen
    assert (row.subject_type, row.subject_id, row.details) == ("petition", str(petition["id"]), {"decision": "approve"})
    from auth.models import Person
    from extensions import db

    person = db.session.get(Person, moderator.iin)
    assert row.actor == f"{person.given_name} {person.surname}" and row.actor_user_id is not None
    assert row.origin == "127.0.0.1" and before <= row.at <= datetime.now(UTC)
    assert moderator.iin not in row.actor + row.subject_id + str(row.details)


def test_role_grants_and_revocations_from_the_command_line_are_recorded_without_the_iin(app, make_citizen):
    citizen = make_citizen(kato="710000000")
    runner = app.test_cli_runner()

    assert runner.invoke(args=["roles", "grant", "--iin", citizen.iin, "--role", "moderator"]).exit_code == 0
    assert runner.invoke(args=["eds", "revoke", "--iin", citizen.iin]).exit_code == 0

    grant, revoke = audit_rows("role.grant")[-1], audit_rows("certificate.revoke")[-1]
    assert (grant.actor, grant.origin, grant.actor_user_id) == ("operator (command line)", "cli", None)
    assert grant.details["role"] == "moderator" and grant.subject_type == "person"
    assert revoke.subject_id == grant.subject_id  # the same pseudonym for the same person
    assert len(revoke.details["serials"]) == 2
    for row in (grant, revoke):
        assert citizen.iin not in f"{row.actor} {row.subject_id} {row.details}"


def test_the_log_refuses_to_be_changed_or_deleted(app, officials):
    from extensions import db

    assert audit_rows("role.grant"), "the officials fixture granted roles"
    before = [(row.id, row.actor) for row in audit_rows()]
    for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert [(row.id, row.actor) for row in audit_rows()] == before


def test_only_admins_read_the_log_page(app, client, officials):
    sign_in_page(client, officials["moderator"].citizen)
    assert client.get("/admin/audit").status_code == 403
    sign_in_page(client, officials["admin"].citizen)
    page = client.get("/admin/audit?action=role.grant")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Модератор" in html and ">moderator<" not in html  # the role granted, by its name (Kazakh by default)
