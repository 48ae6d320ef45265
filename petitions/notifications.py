"""Who hears about what happens to a petition, and in which words."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from auth.models import User
from auth.services import account_for, holders_of
from extensions import db
from notifications.events import EventKind, Link, audience, register, together
from petitions.models import Petition, PetitionFollower, Signature


def _petition(payload: dict) -> Petition | None:
    return db.session.get(Petition, payload["petition_id"])


def _accounts(iins: list[str], now: datetime) -> list[User]:
    return [account_for(iin, now) for iin in iins]


def author(payload: dict, now: datetime) -> list[User]:
    petition = _petition(payload)
    return _accounts([petition.author_iin], now) if petition else []


def reviewers(payload: dict, now: datetime) -> list[User]:
    """The reviewers of exactly the petition's body (addressee and territory), never of a neighbouring one."""
    from petitions.services import body_of

    petition = _petition(payload)
    return _accounts(holders_of("reviewer", *body_of(petition)), now) if petition else []


def admins(_payload: dict, now: datetime) -> list[User]:
    return _accounts(holders_of("admin"), now)


def signers(payload: dict, opted_in_only: bool) -> list[User]:
    stmt = select(User).join(Signature, Signature.user_id == User.id).where(
        Signature.petition_id == payload["petition_id"]
    )
    if opted_in_only:
        stmt = stmt.where(Signature.notify.is_(True))
    return list(db.session.scalars(stmt))


def followers(payload: dict) -> list[User]:
    """Who follows the petition without (necessarily) signing it (petitions/following.py)."""
    stmt = select(User).join(PetitionFollower, PetitionFollower.user_id == User.id).where(
        PetitionFollower.petition_id == payload["petition_id"]
    )
    return list(db.session.scalars(stmt))


def citizens(opted_in_only: bool):
    """The one rule of which citizens hear of a step of a petition: its signers (all of them, or
    those who asked to be told), and everyone who follows it, who asked by following. A person who
    is both is told once (notifications/services.py:fan_out)."""
    return together(
        audience("signed", lambda p, _now: signers(p, opted_in_only)),
        audience("followed", lambda p, _now: followers(p)),
    )


OFFICIALS = audience("official", reviewers)
ADMINS = audience("official", admins)
AUTHOR = audience("own", author)


def context(payload: dict) -> dict:
    return {"petition": _petition(payload)}


def _page(endpoint: str = "petitions.show"):
    """The inbox item's link: the petition's page (its public one, or the reviewer's `endpoint`)."""

    def link(payload: dict, found: dict) -> Link | None:
        petition = found.get("petition")
        if petition is None:
            return None
        return Link(
            _("Petition No. %(id)s", id=petition.id), endpoint, {"petition_id": petition.id},
            title=petition.title,
        )

    return link


def _kind(recipients, subject, template, page: str = "petitions.show", followed=None) -> EventKind:
    """A petition event; `followed`: its subject for followers, when the usual one says "you signed"."""
    return EventKind(
        recipients=recipients, subject=subject, template=template, context=context, link=_page(page),
        subjects={"followed": followed} if followed is not None else {},
    )


def register_kinds() -> None:
    """Tell the notifications which petition events there are (petitions.init_app calls it)."""
    register("petition.approved", _kind(AUTHOR, _l("Your petition was approved"), "petition_approved"))
    register("petition.rejected", _kind(AUTHOR, _l("Your petition was rejected"), "petition_rejected"))
    register("petition.opened", _kind(AUTHOR, _l("Your petition is now public"), "petition_opened"))
    register("petition.lapsed", _kind(AUTHOR, _l("Your petition did not gather its first supporters"), "petition_lapsed"))
    register("petition.closed", _kind(AUTHOR, _l("Your petition closed without reaching its threshold"), "petition_closed"))
    register(
        "petition.threshold_reached",
        _kind(
            together(OFFICIALS, AUTHOR, citizens(opted_in_only=True)),
            _l("A petition reached its threshold"),
            "petition_threshold_reached",
        ),
    )
    register("petition.review_reminder", _kind(OFFICIALS, _l("A petition's review is due soon"), "petition_review_reminder", "officials.review"))
    register("petition.review_overdue", _kind(ADMINS, _l("A petition's review is overdue"), "petition_review_overdue"))
    register(
        "petition.moderation_delayed",
        _kind(ADMINS, _l("A petition's moderation is overdue"), "petition_moderation_delayed"),
    )
    register(
        "petition.discussion_scheduled",
        _kind(
            together(AUTHOR, citizens(opted_in_only=True)),
            _l("A public discussion of a petition was scheduled"),
            "petition_discussion_scheduled",
        ),
    )
    register(
        "petition.answered",
        _kind(together(AUTHOR, citizens(opted_in_only=False)), _l("A petition you signed was answered"), "petition_answered",
              followed=_l("A petition you follow was answered")),
    )
    # after the answer (DOMAIN.md "After the answer")
    register(
        "petition.contested",
        _kind(together(OFFICIALS, ADMINS), _l("A petition's answer was contested"), "petition_contested"),
    )
    register(
        "petition.follow_up_reminder",
        _kind(OFFICIALS, _l("A follow-up answer is due soon"), "petition_follow_up_reminder", "officials.follow_up_page"),
    )
    register(
        "petition.follow_up_overdue", _kind(ADMINS, _l("A follow-up answer is overdue"), "petition_follow_up_overdue")
    )
    register(
        "petition.followed_up",
        _kind(
            together(AUTHOR, citizens(opted_in_only=False)),
            _l("A follow-up answer to a petition you signed"),
            "petition_followed_up",
            followed=_l("A follow-up answer to a petition you follow"),
        ),
    )
    register("petition.report_reminder", _kind(OFFICIALS, _l("A report on measures is due soon"), "petition_report_reminder", "officials.report_page"))
    register("petition.report_overdue", _kind(ADMINS, _l("A report on measures is overdue"), "petition_report_overdue"))
    register(
        "petition.reported",
        _kind(
            together(AUTHOR, citizens(opted_in_only=True)),
            _l("What was done about a petition you signed"),
            "petition_reported",
            followed=_l("What was done about a petition you follow"),
        ),
    )
