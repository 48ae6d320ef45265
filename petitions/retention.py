"""Privacy: the signatures of a finished petition keep their personal data only as long as needed.

N months (DAUYS_SIGNATURE_RETENTION_MONTHS) after a petition closed, lapsed or was answered, each
of its signatures loses the signed JWS (which carries the certificate, and so the IIN), the link
to the signer's account, the displayed name and the keyed hash of the IIN (replaced by a value
made of the row's own id, so no one can test whether a given citizen signed). What the public record needs stays:
the count, the region and the day of each signature, and the receipt. The ratings of the answer
lose their JWS and keyed hash the same way; each rating and its reasons stay.
"""

from __future__ import annotations

from datetime import datetime

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import String, literal, or_, select, update

from extensions import db
from petitions.models import Petition, PetitionRating, Signature

FINISHED = {"closed": Petition.closed_at, "lapsed": Petition.lapsed_at, "answered": Petition.answered_at}


def anonymise_expired(now: datetime) -> int:
    """Anonymise the signatures of every petition finished before the retention cut-off; returns
    how many petitions. Each petition is one transaction, marked when done, so a second run (or a
    crash half-way) anonymises nothing twice and leaves nothing half-done."""
    cutoff = now - relativedelta(months=current_app.config["SIGNATURE_RETENTION_MONTHS"])
    due = or_(*((Petition.state == state) & (column < cutoff) for state, column in FINISHED.items()))
    ids = list(
        db.session.scalars(select(Petition.id).where(due, Petition.signatures_anonymised_at.is_(None)).order_by(Petition.id))
    )
    for petition_id in ids:
        anonymise(petition_id, now)
        db.session.commit()
    return len(ids)


def anonymise(petition_id: int, now: datetime) -> None:
    # The keyed hash of the IIN gives way to a value made of the row's own id: still unique per
    # petition (the constraint holds), tied to no one. One statement however many rows.
    db.session.execute(
        update(Signature)
        .where(Signature.petition_id == petition_id)
        .values(
            jws=None, user_id=None, notify=False, display_name="",
            signer_hash=literal("anonymised:") + Signature.id.cast(String),
        )
        .execution_options(synchronize_session=False)
    )
    # Ratings of the answer likewise: the JWS and the keyed hash go, the rating and its reasons stay.
    db.session.execute(
        update(PetitionRating)
        .where(PetitionRating.petition_id == petition_id)
        .values(jws=None, rater_hash=literal("anonymised:") + PetitionRating.id.cast(String))
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Petition).where(Petition.id == petition_id).values(signatures_anonymised_at=now)
        .execution_options(synchronize_session=False)
    )
