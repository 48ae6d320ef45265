"""GET /api/v1/me/notifications: the caller's inbox."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import get_locale

from auth.access import bearer_user
from jsonapi import API_PREFIX
from notifications.queries import inbox
from notifications.services import render

bp = Blueprint("notifications_api", __name__, url_prefix=API_PREFIX)


@bp.get("/me/notifications")
def my_notifications():
    user = bearer_user()
    items = []
    for item in inbox(user.id):
        subject, text = render(item.event, user, item.data, str(get_locale()))
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
