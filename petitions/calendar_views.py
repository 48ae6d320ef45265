"""The admin page of the working-day calendar: transfers the `holidays` package does not know yet."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length

from auth.access import role_required
from extensions import db
from kernel import work_calendar
from kernel.date_validators import in_calendar_years
from petitions import calendar
from web import clock
from web.forms import post_form

bp = Blueprint("calendar_admin", __name__, url_prefix="/admin/calendar")


class TransferForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired(message=_l("Enter a date.")), in_calendar_years])
    kind = RadioField(
        _l("The day becomes"),
        choices=[SelectChoice("off", _l("a day off")), SelectChoice("working", _l("a working day"))],
        # said once when nothing is chosen (WTForms' own choice check would add "Not a valid choice")
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose one.")), AnyOf(("off", "working"), message=_l("Choose one."))],
    )
    note = StringField(
        _l("Decree or reason"), validators=[DataRequired(message=_l("Name the decree.")), Length(max=300)]
    )


class RemoveForm(FlaskForm):
    day = HiddenField(validators=[DataRequired()])


@bp.route("", methods=["GET", "POST"])
@role_required("admin")
def index():
    form = TransferForm()
    posted = post_form(
        form,
        lambda: calendar.set_transfer(
            form.day.data, form.kind.data == "working", form.note.data, clock.now(), actor=current_user
        ),
        done_message=_("Saved."),
    )
    if posted.done:
        return redirect(url_for("calendar_admin.index"))
    return render_template(
        "calendar/admin.html", form=form, remove_form=RemoveForm(), transfers=work_calendar.transfers()
    ), posted.status


@bp.post("/remove")
@role_required("admin")
def remove():
    form = RemoveForm()
    if form.validate_on_submit():
        try:
            day = date.fromisoformat(form.day.data)
        except ValueError:
            day = None
        if day and calendar.remove_transfer(day, clock.now(), actor=current_user):
            db.session.commit()
            flash(_("Removed."), "success")
    return redirect(url_for("calendar_admin.index"))
