"""Budget use cases: cycles, proposals, screening, ballots online and on paper. Never commit or send.

An official act checks its actor itself, whichever page, endpoint or command calls it: a budget
officer or secretary of exactly the cycle's rural district (auth.access.require_role).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.exc import IntegrityError

from audit import services as audit
from auth import acts, eds
from auth.access import Console, require_role
from auth.iin import InvalidIIN, decode
from auth.models import Person, User
from auth.services import account_for
from budgeting import eligibility, petition_links
from budgeting.lifecycle import CYCLE, PROPOSAL
from budgeting.models import CATEGORIES, IMPLEMENTATION, Ballot, BudgetCycle, BudgetFollower, Proposal
from extensions import db
from jsonapi import has_json_type
from kernel import instants
from kernel.digests import digest
from kernel.errors import DomainError
from kernel.integer_columns import BIG_INTEGER_MAX, INTEGER_MAX
from kernel.kazakhstan_time import local_date
from kernel.keyed_hashes import person_pseudonym, signer_hash
from kernel.territories import Territory
from kernel.text_checks import checked_prose, checked_title
from publiclog import entries as log_entries
from workers import outbox

# A cycle's phases fall within this many years of its budget year (proposals are often gathered the
# year before; a date decades away is a typing slip, or an attack on the date arithmetic).
PHASE_YEARS_AROUND = 2
TITLE_LENGTH = (5, 200)
DESCRIPTION_LENGTH = (20, 5000)
OWN_PROPOSAL_SCREENING = _l("You proposed this project: another budget officer screens it.")
OWN_PROPOSAL_IMPLEMENTATION = _l("You proposed this project: another budget officer records how it is carried out.")
OWN_PAPER_BALLOT = _l("You cannot record your own ballot: vote online, or ask another secretary to record it.")


def _int(value: object, field: str, fields: dict, minimum: int = 0, maximum: int = BIG_INTEGER_MAX) -> int | None:
    """`value` if it is a whole number from `minimum` to `maximum` (by default, what BigInteger holds)."""
    if not has_json_type(value, int) or not minimum <= value <= maximum:
        fields[field] = f"a whole number from {minimum} to {maximum}"
        return None
    return value


def create_cycle(
    officer: User | Console, *, kato: str, year: int, amount: int, ballot: str, rule: str, min_choices: int | None,
    max_choices: int | None, proposals_open: datetime, proposals_close: datetime, voting_open: datetime,
    voting_close: datetime, now: datetime,
) -> BudgetCycle:
    """A cycle with every rule fixed up front; one per rural district and year; by an officer of that
    district (or the operator's console: `flask budget create-cycle`)."""
    require_official_of(officer, "budget_officer", kato)
    fields: dict[str, str] = {}
    place = db.session.get(Territory, kato)
    if place is None or place.level != "rural_district":
        fields["kato"] = "the KATO code of a rural district"
    year_fits = _int(year, "year", fields, instants.FIRST_YEAR, instants.LAST_YEAR) is not None  # before a query binds it
    _int(amount, "amount", fields, 1)
    if ballot not in ("approval", "knapsack"):
        fields["ballot"] = "approval or knapsack"
    if rule not in ("greedy", "mes"):
        fields["rule"] = "greedy or mes"
    for name, value in (("min_choices", min_choices), ("max_choices", max_choices)):
        if value is not None:
            _int(value, name, fields, 1, INTEGER_MAX)
            if ballot == "knapsack":
                fields[name] = "only for approval ballots"
    if min_choices and max_choices and min_choices > max_choices:
        fields["max_choices"] = "at least min_choices"
    dates = {"proposals_open": proposals_open, "proposals_close": proposals_close, "voting_open": voting_open,
             "voting_close": voting_close}
    if year_fits:
        for name, when in dates.items():
            if not instants.in_years(when) or abs(local_date(when).year - year) > PHASE_YEARS_AROUND:
                fields[name] = f"within {PHASE_YEARS_AROUND} years of the cycle's year"
    if not proposals_open < proposals_close <= voting_open < voting_close:
        fields["dates"] = "proposals open < proposals close <= voting open < voting close"
    if year_fits and db.session.scalar(select(BudgetCycle.id).where(BudgetCycle.kato == kato, BudgetCycle.year == year)):
        fields["year"] = "this rural district already has a cycle for that year"
    if fields:
        raise DomainError("validation_error", fields=fields)
    cycle = BudgetCycle(
        kato=kato, year=year, amount=amount, ballot=ballot, rule=rule, min_choices=min_choices,
        max_choices=max_choices, proposals_open=proposals_open, proposals_close=proposals_close,
        voting_open=voting_open, voting_close=voting_close, created_at=now,
    )
    CYCLE.start(cycle, cycle.phase_at(now))  # announced: a cycle made once its proposals opened starts in them
    try:
        with db.session.begin_nested():
            db.session.add(cycle)
            db.session.flush()
    except IntegrityError:  # a concurrent create for the same district and year won the unique constraint
        raise DomainError("validation_error", fields={"year": "this rural district already has a cycle for that year"}) from None
    return cycle


def _resident(person_kato: str, cycle: BudgetCycle) -> bool:
    return eligibility.resident(person_kato, cycle)


def _adult(birth_date, now: datetime) -> bool:
    return eligibility.adult(birth_date, now)


def _require_phase(cycle: BudgetCycle, now: datetime, *phases: str) -> None:
    if cycle.phase_at(now) not in phases:
        raise DomainError("wrong_state")


def require_official(user: User, role: str, cycle: BudgetCycle) -> None:
    """An officer or secretary of exactly the cycle's rural district (not of a district or region above it)."""
    require_official_of(user, role, cycle.kato)


def require_official_of(user: User | Console, role: str, kato: str) -> None:
    """An officer or secretary of exactly the rural district `kato`; what is no KATO text is no grant's
    scope (never the unscoped question "holds the role anywhere")."""
    require_role(user, role, kato if isinstance(kato, str) else "")


def is_own(proposal: Proposal, official: User) -> bool:
    """True when the official proposed the item: they never screen it or report on it."""
    return proposal.author_iin == official.iin


# --- proposals --------------------------------------------------------------------


def create_proposal(cycle: BudgetCycle, author: User, data: dict, now: datetime) -> Proposal:
    """A resident's draft item; submitted later with the SIGN key. It may take up a public petition
    (`petition`: its number), which its document, and so the signature, then names."""
    _require_phase(cycle, now, "proposals")
    person = author.person
    refusal = eligibility.to_propose(person.birth_date, person.kato, cycle, now)
    if refusal is not None:
        raise refusal
    fields: dict[str, str] = {}
    title = checked_title(data.get("title"), TITLE_LENGTH, fields)
    description = checked_prose(data.get("description"), fields, "description")
    if "description" not in fields and not DESCRIPTION_LENGTH[0] <= len(description) <= DESCRIPTION_LENGTH[1]:
        fields["description"] = f"{DESCRIPTION_LENGTH[0]} to {DESCRIPTION_LENGTH[1]} characters"
    if data.get("category") not in CATEGORIES:
        fields["category"] = ", ".join(CATEGORIES)
    settlement = data.get("settlement")
    if not isinstance(settlement, str) or not _resident(settlement, cycle) or settlement == cycle.kato:
        fields["settlement"] = "a settlement of this rural district"
    cost = _int(data.get("cost"), "cost", fields, 1)
    if cost is not None and cost > cycle.amount:
        fields["cost"] = "no more than the cycle's amount"
    petition_id = petition_links.cited_petition(data.get("petition"), fields)
    if fields:
        raise DomainError("validation_error", fields=fields)
    proposal = Proposal(
        cycle_id=cycle.id, author_iin=person.iin, title=title, description=description,
        category=data["category"], settlement=settlement, cost=cost, state=PROPOSAL.initial, digest="", created_at=now,
        petition_id=petition_id,
    )
    db.session.add(proposal)
    db.session.flush()
    proposal.digest = digest(proposal.document())
    return proposal


def submit_proposal(proposal: Proposal, author: User, jws: object, now: datetime) -> Proposal:
    if proposal.author_iin != author.iin:
        raise DomainError("forbidden")
    cycle = db.session.get(BudgetCycle, proposal.cycle_id)
    _require_phase(cycle, now, "proposals")
    PROPOSAL.next(proposal.state, "submit")  # wrong_state before the signature is even read
    signer = eds.verify(jws, "proposal.submit", now, expected_doc=proposal.signed_doc())
    if signer.iin != author.iin:
        raise DomainError("forbidden", _l("The proposal must be signed by its author: choose your own SIGN key files."))
    PROPOSAL.move(proposal, "submit")
    proposal.submitted_at, proposal.submit_jws = now, jws
    return proposal


SCREENING = ("find_eligible", "find_ineligible")


def _lock(proposal: Proposal) -> None:
    """Re-read the proposal under a row lock before it is screened (as petitions.services._lock
    does before a moderation or an answer).

    The view loaded the row earlier in the transaction; without the lock two officers screening
    at once would both compare their decision with the one before either, both count it as new,
    and the author would get two letters (and the log two entries). With it, the second waits for
    the first's commit and then sees its decision: the same one again changes nothing.
    """
    db.session.execute(select(Proposal.id).where(Proposal.id == proposal.id).with_for_update())
    db.session.refresh(proposal)


def _act(proposal: Proposal, officer: User, cycle: BudgetCycle, jws: object, purpose: str, now: datetime) -> eds.OfficialSigner:
    """The officer's own signed act on exactly this version of the proposal (auth.acts.verify_act), by
    an official certificate of a budget officer of the cycle's rural district; else DomainError."""
    return acts.verify_act(
        jws, purpose, officer, now, doc=proposal.signed_doc(), role="budget_officer", scope=cycle.kato,
    )


def screen(proposal: Proposal, officer: User, jws: object, now: datetime) -> Proposal:
    """Mark a submitted item eligible (with a checked cost) or ineligible (with a reason), before voting,
    by the officer's signed act `proposal.screen` (API.md "Official acts"): the decision is the one
    signed, and the act is kept and published with the proposal and logged in the public log.

    Saving the decision that already stands changes nothing: no act is kept, no entry logged, nobody
    told (two officers saving one decision at once make one act: the row lock below).
    """
    cycle = db.session.get(BudgetCycle, proposal.cycle_id)
    require_official(officer, "budget_officer", cycle)
    if is_own(proposal, officer):
        raise DomainError("forbidden", OWN_PROPOSAL_SCREENING)
    _require_phase(cycle, now, "proposals", "screening")
    _lock(proposal)
    if not any(PROPOSAL.allows(proposal.state, action) for action in SCREENING):
        raise DomainError("wrong_state")  # before the decision is read, whatever it says
    signer = _act(proposal, officer, cycle, jws, "proposal.screen", now)
    signed = acts.act_fields(signer, {"eligible": bool}, {"cost": int, "reason": str})
    eligible, cost, reason = signed["eligible"], signed.get("cost"), signed.get("reason")
    before = (proposal.state, proposal.checked_cost, proposal.ineligible_reason)
    fields: dict[str, str] = {}
    if eligible:
        if reason is not None:
            fields["reason"] = "only for a proposal found not eligible"
        checked = proposal.cost if cost is None else _int(cost, "cost", fields, 1)
        if checked is not None and checked > cycle.amount:
            fields["cost"] = "no more than the cycle's amount"
        if fields:
            raise DomainError("validation_error", fields=fields)
        PROPOSAL.move(proposal, "find_eligible")
        proposal.checked_cost, proposal.ineligible_reason = checked, None
    else:
        if cost is not None:
            fields["cost"] = "only for a proposal found eligible"
        reason = checked_prose(reason, fields, "reason")
        if not reason and "reason" not in fields:
            fields["reason"] = "tell the proposer why"
        if fields:
            raise DomainError("validation_error", fields=fields)
        PROPOSAL.move(proposal, "find_ineligible")
        proposal.checked_cost, proposal.ineligible_reason = None, reason
    if (proposal.state, proposal.checked_cost, proposal.ineligible_reason) != before:
        # the proposer hears of each new decision, not of an officer saving the same one twice
        proposal.screened_at = now
        acts.record(signer, jws, "proposal", proposal.id, now)
        outbox.record("budget.proposal_screened", now, proposal_id=proposal.id, cycle_id=cycle.id)
        audit.record(
            "proposal.screen", officer, "proposal", proposal.id, now, cycle=cycle.id, eligible=eligible,
            cost=proposal.checked_cost, reason=proposal.ineligible_reason,
        )
    return proposal


def set_implementation(proposal: Proposal, officer: User, jws: object, now: datetime) -> Proposal:
    """How a funded item is carried out and the money spent, by the officer's signed act
    `proposal.implementation`; the same status and sum again changes nothing (no act, no entry)."""
    cycle = db.session.get(BudgetCycle, proposal.cycle_id)
    require_official(officer, "budget_officer", cycle)
    if is_own(proposal, officer):
        raise DomainError("forbidden", OWN_PROPOSAL_IMPLEMENTATION)
    funded = (cycle.result or {}).get("funded", [])
    if proposal.id not in funded:
        raise DomainError("wrong_state")
    _lock(proposal)
    signer = _act(proposal, officer, cycle, jws, "proposal.implementation", now)
    signed = acts.act_fields(signer, {"status": str, "spent": int})
    status = signed["status"]
    fields: dict[str, str] = {}
    if status not in IMPLEMENTATION:
        fields["status"] = ", ".join(IMPLEMENTATION)
    amount = _int(signed["spent"], "spent", fields, 0)
    if fields:
        raise DomainError("validation_error", fields=fields)
    if (proposal.implementation, proposal.spent) != (status, amount):
        acts.record(signer, jws, "proposal", proposal.id, now)
        audit.record(
            "proposal.implementation", officer, "proposal", proposal.id, now, status=status, spent=amount
        )
    proposal.implementation, proposal.spent = status, amount
    return proposal


# --- ballots ----------------------------------------------------------------------


def eligible_projects(cycle_id: int) -> dict[int, Proposal]:
    rows = db.session.scalars(
        select(Proposal).where(Proposal.cycle_id == cycle_id, Proposal.state == "eligible").order_by(Proposal.id)
    )
    return {p.id: p for p in rows}


def check_choices(cycle: BudgetCycle, projects: object) -> list[int]:
    """The ballot's choices, validated against the cycle's ballot rule; ascending ids."""
    if not has_json_type(projects, list[int]) or projects != sorted(set(projects)):
        raise DomainError("validation_error", fields={"projects": "ascending distinct project ids"})
    available = eligible_projects(cycle.id)
    unknown = [p for p in projects if p not in available]
    if unknown:
        raise DomainError("validation_error", fields={"projects": f"not on this ballot: {unknown}"})
    if cycle.ballot == "knapsack":
        if sum(available[p].checked_cost for p in projects) > cycle.amount:
            raise DomainError("over_budget")
        if not projects:
            raise DomainError("too_few_choices")
    else:
        if cycle.max_choices is not None and len(projects) > cycle.max_choices:
            raise DomainError("too_many_choices")
        if len(projects) < (cycle.min_choices or 1):
            raise DomainError("too_few_choices")
    return projects


def _voter_hash(iin: str, cycle_id: int) -> str:
    return signer_hash(f"ballot:{cycle_id}:{iin}")


def has_voted(cycle_id: int, iin: str) -> bool:
    """Whether this person's ballot, online or on paper, is in the cycle."""
    return db.session.scalar(
        select(Ballot.id).where(Ballot.cycle_id == cycle_id, Ballot.voter_hash == _voter_hash(iin, cycle_id))
    ) is not None


def _insert_ballot(ballot: Ballot) -> Ballot:
    try:
        with db.session.begin_nested():
            db.session.add(ballot)
            db.session.flush()
    except IntegrityError:
        raise DomainError("already_voted") from None
    return ballot


def _signed_ballot(payload: dict, cycle_id: int) -> dict | None:
    """The payload's ballot if it is for exactly this cycle (a JSON integer: not true, 1.0 or "1")."""
    ballot = payload.get("ballot")
    return ballot if isinstance(ballot, dict) and eds.same_json(ballot.get("cycle"), cycle_id) else None


def would_take_ballot(cycle_id: int, jws: object, now: datetime) -> eds.Signer | None:
    """The voter of a ballot.cast JWS this cycle would take, as far as the JWS and its signer decide
    (a ballot for exactly this cycle, by a registered voter who has not voted in it), else None or
    DomainError: for the ballot limit's key, as petitions.signing.would_take is for signing's."""
    signer = eds.verify(jws, "ballot.cast", now, done_before=_voted_before(cycle_id))
    return signer if _signed_ballot(signer.payload, cycle_id) is not None and not signer.done_before else None


_VOTED_BEFORE = select(Ballot.id).where(
    Ballot.cycle_id == bindparam("b_voted_cycle"), Ballot.voter_hash == bindparam("b_voter_hash")
).exists()


def _voted_before(cycle_id: int) -> eds.DoneBefore:
    return eds.DoneBefore(
        _VOTED_BEFORE, ("cycle", cycle_id), lambda iin: {"b_voted_cycle": cycle_id, "b_voter_hash": _voter_hash(iin, cycle_id)}
    )


def cast_ballot(cycle: BudgetCycle, jws: object, now: datetime, notify: bool = False) -> Ballot:
    """A resident's EDS-signed final ballot."""
    signer = eds.verify(jws, "ballot.cast", now, done_before=_voted_before(cycle.id))  # read with the limit's key
    ballot = _signed_ballot(signer.payload, cycle.id)
    if ballot is None:
        raise DomainError("digest_mismatch")
    _require_phase(cycle, now, "voting")
    refusal = eligibility.to_vote(signer.birth_date, signer.kato, cycle, now)
    if refusal is not None:
        raise refusal
    projects = check_choices(cycle, ballot.get("projects"))
    user_id = account_for(signer.iin, now).id if notify else None
    if user_id:
        _follow(cycle.id, user_id)
    ballot = _insert_ballot(
        Ballot(
            cycle_id=cycle.id, voter_hash=_voter_hash(signer.iin, cycle.id), settlement=signer.kato,
            method="online", projects=projects, cast_at=now, receipt=secrets.token_urlsafe(18), jws=jws,
            notify=bool(notify), user_id=user_id,
        )
    )
    # in the public log as a commitment to the JWS and the receipt: no voter, no choices
    log_entries.append("ballot", "cycle", cycle.id, now, jws, ballot.receipt, "ballot.cast")
    return ballot


def _paper_ballot(signer: eds.OfficialSigner, cycle: BudgetCycle) -> tuple[str, object]:
    """The voter's IIN and the choices of a signed `ballot.paper` (API.md: `ballot: {cycle, projects}`,
    `iin`, no `doc`), for exactly this cycle; else validation_error (digest_mismatch: another cycle).
    No refusal names the IIN."""
    if "doc" in signer.payload:
        raise DomainError("validation_error", fields={"doc": "not a member of this act"})
    signed = acts.act_fields(signer, {"ballot": dict, "iin": str})
    ballot, iin = signed["ballot"], signed["iin"]
    fields = {name: "not a member of a ballot" for name in sorted(set(ballot) - {"cycle", "projects"})}
    if not has_json_type(ballot.get("cycle"), int):
        fields["ballot.cycle"] = "required: a whole number"
    if not has_json_type(ballot.get("projects"), list[int]):
        fields["ballot.projects"] = "required: a list of whole numbers"
    try:
        decode(iin)
    except InvalidIIN as exc:
        fields["iin"] = str(exc)
    if fields:
        raise DomainError("validation_error", fields=fields)
    if ballot["cycle"] != cycle.id:
        raise DomainError("digest_mismatch", "the signed ballot is for another budget cycle")
    return iin, ballot["projects"]


def record_paper_ballot(cycle: BudgetCycle, secretary: User, jws: object, now: datetime) -> Ballot:
    """A paper ballot from the community meeting, by the secretary's signed act `ballot.paper`, checked
    against the registry like an online one. Its payload names the voter: it is never published, only
    logged as a commitment (auth.acts.log_paper_ballot)."""
    require_official(secretary, "secretary", cycle)
    _require_phase(cycle, now, "voting")
    signer = acts.verify_act(jws, "ballot.paper", secretary, now, doc=None, role="secretary", scope=cycle.kato)
    iin, projects = _paper_ballot(signer, cycle)
    if iin == secretary.iin:  # their own vote is theirs to cast, online, or another secretary's to record
        raise DomainError("forbidden", OWN_PAPER_BALLOT)
    person = db.session.get(Person, iin)
    if person is None:
        raise DomainError("not_eligible")
    if not _adult(person.birth_date, now):
        raise DomainError("not_eligible")
    if not _resident(person.kato, cycle):
        raise DomainError("not_resident")
    choices = check_choices(cycle, projects)
    ballot = _insert_ballot(
        Ballot(
            cycle_id=cycle.id, voter_hash=_voter_hash(iin, cycle.id), settlement=person.kato, method="paper",
            projects=choices, cast_at=now, receipt=secrets.token_urlsafe(18), jws=jws, recorded_by=secretary.id,
        )
    )
    # the voter is named by the receipt only: the logs keep no IIN and no choices (the ballot is secret)
    acts.log_paper_ballot(signer, jws, cycle.id, ballot.receipt, now)
    audit.record("ballot.paper", secretary, "ballot", ballot.id, now, cycle=cycle.id, receipt=ballot.receipt)
    return ballot


@dataclass(frozen=True)
class PaperVoter:
    """What the secretary may learn of an IIN before signing a paper ballot: whether the ballot would
    be taken (`status`, the refusals record_paper_ballot would give) and, only for a resident of
    voting age, the name to check against the identity card. Never the IIN, the birth date or the address."""

    status: str  # eligible | already_voted | not_resident | not_eligible | own_ballot
    name: str | None = None


def check_paper_voter(cycle: BudgetCycle, secretary: User, iin: object, now: datetime) -> PaperVoter:
    """The registry's answer for the voter of a paper ballot, asked by a secretary of exactly this
    cycle's rural district while the voting is on. Each look-up of a well-formed IIN is an audit entry
    in the caller's transaction (who asked, about whom by pseudonym, what came back): reading the
    registry is an act on a person. A refusal never names the IIN."""
    require_official(secretary, "secretary", cycle)
    _require_phase(cycle, now, "voting")
    if not isinstance(iin, str):
        raise DomainError("validation_error", fields={"iin": "required: 12 digits"})
    try:
        decode(iin)
    except InvalidIIN as exc:
        raise DomainError("validation_error", fields={"iin": str(exc)}) from None
    person = db.session.get(Person, iin)
    voter = _paper_voter(cycle, secretary, iin, person, now)
    audit.record(
        "ballot.voter_check", secretary, "person", person_pseudonym(iin), now,
        name=person.full_name if person is not None else None, cycle=cycle.id, result=voter.status,
    )
    return voter


def _paper_voter(cycle: BudgetCycle, secretary: User, iin: str, person: Person | None, now: datetime) -> PaperVoter:
    if iin == secretary.iin:
        return PaperVoter("own_ballot")
    if person is None or not _adult(person.birth_date, now):  # which of the two, the page does not say
        return PaperVoter("not_eligible")
    if not _resident(person.kato, cycle):
        return PaperVoter("not_resident")
    voted = db.session.scalar(
        select(Ballot.id).where(Ballot.cycle_id == cycle.id, Ballot.voter_hash == _voter_hash(iin, cycle.id))
    )
    return PaperVoter("already_voted" if voted else "eligible", person.full_name)


def _follow(cycle_id: int, user_id: int) -> None:
    if db.session.get(BudgetFollower, (cycle_id, user_id)) is None:
        try:
            with db.session.begin_nested():
                db.session.add(BudgetFollower(cycle_id=cycle_id, user_id=user_id))
                db.session.flush()
        except IntegrityError:
            pass


def follow(cycle: BudgetCycle, user: User) -> None:
    if not _resident(user.person.kato, cycle):
        raise DomainError("not_resident")
    _follow(cycle.id, user.id)


def unfollow(cycle: BudgetCycle, user: User) -> None:
    """Stop hearing of the cycle (followed by the button or by voting); nothing if one did not follow."""
    db.session.execute(
        delete(BudgetFollower).where(BudgetFollower.cycle_id == cycle.id, BudgetFollower.user_id == user.id)
    )


def ballot_count(cycle_id: int) -> int:
    return db.session.scalar(select(func.count(Ballot.id)).where(Ballot.cycle_id == cycle_id))
