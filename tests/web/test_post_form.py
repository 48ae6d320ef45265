"""web.forms.post_form, the POST of every page form: a refused form runs nothing (422), a refused use case
leaves nothing written and shows why (its status, its fields, its message), a done one is committed."""

from __future__ import annotations

import pytest
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from kernel.errors import DomainError


class NameForm(FlaskForm):
    name = StringField(validators=[DataRequired()])


def put_fields(form, fields: dict) -> None:
    for name, text in fields.items():
        getattr(form, name).errors = [*getattr(form, name).errors, text]


def place(kato: str):
    from extensions import db
    from kernel.territories import Territory

    db.session.add(Territory(kato=kato, name_kk="Сынақ ауылы", name_ru="село Сынақ", level="settlement"))
    db.session.flush()
    return kato


def stored(kato: str) -> bool:
    from extensions import db
    from kernel.territories import Territory

    db.session.expire_all()
    return db.session.get(Territory, kato) is not None


@pytest.mark.parametrize(("data", "status"), [({}, 200), ({"name": ""}, 422)])
def test_a_form_not_posted_or_refused_runs_nothing(app, data, status):
    from web.forms import post_form

    ran = []
    with app.test_request_context("/", method="POST" if data else "GET", data=data):
        posted = post_form(NameForm(), lambda: ran.append(1))
        assert (posted.done, posted.status, posted.error) == (False, status, None)
    assert ran == []


def test_a_refused_use_case_is_rolled_back_and_shown(app):
    from web.forms import post_form

    def act():
        place("999999001")
        raise DomainError("validation_error", fields={"name": "not this one"})

    with app.test_request_context("/", method="POST", data={"name": "x"}):
        form = NameForm()
        posted = post_form(form, act, field_errors=put_fields, refusal_message=lambda e: "Said our way.")
        assert (posted.done, posted.status, posted.error.code) == (False, 422, "validation_error")
        assert form.name.errors == ["not this one"]
        assert get_flashed_messages(with_categories=True) == []  # on its field, and in the page's summary: no banner
    assert not stored("999999001")


def test_a_refusal_on_no_field_is_flashed_and_one_its_page_places_goes_on_that_field(app):
    from web.forms import field_refusals, post_form

    def refuse():
        raise DomainError("not_resident")

    with app.test_request_context("/", method="POST", data={"name": "x"}):
        form = NameForm()
        posted = post_form(form, refuse, refusal_message=lambda e: "Said our way.")
        assert posted.status == 403 and form.name.errors == []
        assert get_flashed_messages(with_categories=True) == [("error", "Said our way.")]
    with app.test_request_context("/", method="POST", data={"name": "x"}):
        form = NameForm()
        posted = post_form(
            form, refuse, refusal_message=lambda e: "Said our way.", code_fields={"not_resident": "name"}
        )
        assert posted.status == 403 and form.name.errors == ["Said our way."]
        assert get_flashed_messages(with_categories=True) == []
        assert [(r.target, r.message) for r in field_refusals(form)] == [("name", "Said our way.")]


def test_a_done_use_case_is_committed_and_its_message_flashed(app):
    from extensions import db
    from web.forms import post_form

    with app.test_request_context("/", method="POST", data={"name": "x"}):
        posted = post_form(NameForm(), lambda: place("999999002"), done_message=lambda kato: f"Saved {kato}.")
        assert (posted.done, posted.result) == (True, "999999002")
        assert get_flashed_messages(with_categories=True) == [("success", "Saved 999999002.")]
    db.session.rollback()  # what was not committed would go now
    assert stored("999999002")
