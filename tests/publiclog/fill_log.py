"""Until signing and voting append their own log entries: the entries of what was accepted, as the
accepting use cases will write them, then integrated and signed as the log's job does."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select


def log_everything() -> None:
    """Every signature and online ballot as its log entry (unless it is in the log already), then
    integrate and sign a head. Needs an app context."""
    from budgeting.models import Ballot
    from extensions import db
    from petitions.models import Signature
    from publiclog import entries, integrate
    from publiclog.models import LogEntry

    db.session.rollback()
    logged = set(db.session.scalars(select(LogEntry.receipt_hash)))
    for row in db.session.scalars(select(Signature).order_by(Signature.id)):
        if entries.receipt_hash(row.receipt) not in logged:
            entries.append("signature", "petition", row.petition_id, row.signed_at, row.jws, row.receipt,
                           "petition.sign", row.region)
    for row in db.session.scalars(select(Ballot).where(Ballot.method == "online").order_by(Ballot.id)):
        if entries.receipt_hash(row.receipt) not in logged:
            entries.append("ballot", "cycle", row.cycle_id, row.cast_at, row.jws, row.receipt, "ballot.cast")
    db.session.commit()
    integrate.integrate_all()
    integrate.sign_head(datetime.now(UTC))
