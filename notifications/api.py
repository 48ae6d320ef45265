"""GET /api/v1/me/notifications: the caller's inbox; GET/PUT /api/v1/me/notification-settings: how
the caller hears of each group of events (an extension, README "Beyond API.md")."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import get_locale

from auth.access import bearer_user
from extensions import db
from jsonapi import API_PREFIX, body, typed
from kernel.errors import DomainError
from notifications import settings
from notifications.queries import inbox
from notifications.services import render

bp = Blueprint("notifications_api", __name__, url_prefix=API_PREFIX)


@bp.get("/me/notifications")
def my_notifications():
    user = bearer_user()
    items = []
    for item in inbox(user.id):
        subject, text = render(item.event, user, item.data, str(get_locale()), tie=item.audience)
        entry = {
            "id": item.id,
            "event": item.event,
            "created_at": item.created_at.isoformat(),
            "read": item.read_at is not None,
            "title": subject,
            "text": text,
        }
        if item.petition_id is not None:
            entry["petition"] = item.petition_id
        if item.cycle_id is not None:
            entry["cycle"] = item.cycle_id
        items.append(entry)
    return jsonify({"items": items})


def _settings_json(chosen: dict[str, str]) -> dict:
    return {
        "settings": chosen,
        "allowed": {name: list(settings.allowed(name)) for name in settings.CHOSEN},
    }


@bp.get("/me/notification-settings")
def my_notification_settings():
    return jsonify(_settings_json(settings.choices(bearer_user().id)))


@bp.put("/me/notification-settings")
def save_notification_settings():
    user = bearer_user()
    data = body()
    extra = sorted(set(data) - {"settings"})
    if extra:
        raise DomainError("validation_error", fields={name: "unknown member" for name in extra})
    wanted = typed(data, settings=dict).get("settings")
    if wanted is None:
        raise DomainError("validation_error", fields={"settings": "an object: group -> email, inbox or off"})
    chosen = settings.save(user, wanted)
    db.session.commit()
    return jsonify(_settings_json(chosen))
