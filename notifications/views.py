"""The inbox page."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import update

from extensions import db
from notifications.models import Notification
from notifications.queries import inbox
from notifications.services import render
from web import clock

bp = Blueprint("notifications", __name__)


@bp.get("/inbox")
@login_required
def index():
    items = [(item, *render(item.event, current_user, item.data, str(get_locale()))) for item in inbox(current_user.id)]
    return render_template("notifications/inbox.html", items=items, form=FlaskForm())


@bp.post("/inbox/read")
@login_required
def mark_read():
    if FlaskForm().validate_on_submit():
        db.session.execute(
            update(Notification)
            .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
            .values(read_at=clock.now())
        )
        db.session.commit()
    return redirect(url_for("notifications.index"))
