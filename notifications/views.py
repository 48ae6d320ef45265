"""The inbox page: the newest items first, a page of them at a time, grouped by the day they came."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import update

from extensions import db
from i18n import format_date
from kernel.kazakhstan_time import local_date
from notifications import settings
from notifications.forms import GROUP_HINTS, settings_form
from notifications.models import Notification
from notifications.queries import counts, inbox
from notifications.services import InboxEntry, inbox_entry
from web import clock
from web.forms import post_form

bp = Blueprint("notifications", __name__)

PER_PAGE = 20


@dataclass(frozen=True)
class Day:
    """The items of one Kazakhstan calendar day on this page of the inbox."""

    day: date
    label: str
    entries: list[InboxEntry]


@bp.get("/inbox")
@login_required
def index():
    total, unread = counts(current_user.id)
    pages = max(1, -(-total // PER_PAGE))
    page = min(_page_number(), pages)
    locale = str(get_locale() or "kk")
    items = inbox(current_user.id, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    entries = [inbox_entry(item, current_user, locale) for item in items]
    return render_template(
        "notifications/inbox.html",
        days=_by_day(entries),
        total=total,
        unread=unread,
        page=page,
        pages=pages,
        form=FlaskForm(),
    )


def _page_number() -> int:
    """?page=N, read so that it cannot fail: anything but a whole number from 1 is the first page."""
    raw = request.args.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) < 7 and int(raw) > 0 else 1


def _by_day(entries: list[InboxEntry]) -> list[Day]:
    today = local_date(clock.now())
    days: list[Day] = []
    for entry in entries:
        day = local_date(entry.item.created_at)
        if not days or days[-1].day != day:
            days.append(Day(day, _day_label(day, today), []))
        days[-1].entries.append(entry)
    return days


def _day_label(day: date, today: date) -> str:
    if day == today:
        return _("Today")
    if day == today - timedelta(days=1):
        return _("Yesterday")
    return format_date(day, "long")


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


def _groups() -> tuple[str, ...]:
    """The groups the signed-in person chooses for: an official's work only to an official."""
    official = any(grant.well_formed for grant in current_user.grants)
    return tuple(name for name in settings.CHOSEN if name != "official" or official)


@bp.route("/inbox/settings", methods=["GET", "POST"])
@login_required
def settings_page():
    groups = _groups()
    form = settings_form(groups, settings.choices(current_user.id))
    posted = post_form(
        form, lambda: settings.save(current_user, {name: form[name].data for name in groups}),
        done_message=_("Your notification settings are saved."),
    )
    if posted.done:
        return redirect(url_for("notifications.settings_page"))
    return render_template(
        "notifications/settings.html", form=form, groups=groups, hints=GROUP_HINTS,
        has_email=bool(current_user.person.email),
    ), posted.status
