"""Following a petition without signing it: the follower hears what its signers who asked to be
told hear (petitions/notifications.py:citizens), and nobody else learns who follows.

Both moves are idempotent: following twice is one follow, unfollowing what one does not follow
changes nothing; a race of two follows ends in one row (the primary key).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from auth.models import User
from extensions import db
from kernel.errors import DomainError
from petitions.models import Petition, PetitionFollower

# A petition may be followed while something can still happen to it: from its publication (the
# restricted phase, reachable by its link) to its answer and what follows the answer.
FOLLOWABLE_STATES = ("restricted", "open", "under_review", "answered")


def follows(petition_id: int, user_id: int) -> bool:
    return db.session.get(PetitionFollower, (petition_id, user_id)) is not None


def follow(petition: Petition, user: User, now: datetime) -> None:
    if petition.state not in FOLLOWABLE_STATES:
        raise DomainError("wrong_state")
    if follows(petition.id, user.id):
        return
    try:
        with db.session.begin_nested():
            db.session.add(PetitionFollower(petition_id=petition.id, user_id=user.id, since=now))
            db.session.flush()
    except IntegrityError:
        pass  # a concurrent follow of the same person won: one row, as asked


def unfollow(petition: Petition, user: User) -> None:
    db.session.execute(
        delete(PetitionFollower).where(PetitionFollower.petition_id == petition.id, PetitionFollower.user_id == user.id)
    )
