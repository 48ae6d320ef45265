"""Forms and words of the budget pages (Flask-WTF: every POST carries a CSRF token)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from budgeting.models import CATEGORIES, IMPLEMENTATION, BudgetCycle, Proposal
from budgeting.services import DESCRIPTION_LENGTH, PHASE_YEARS_AROUND, TITLE_LENGTH
from kernel.date_validators import in_calendar_years
from kernel.integer_columns import IntegerColumnField
from kernel.shown_numbers import shown
from kernel.signature_field import ActForm, SignatureField
from kernel.text_checks import TEXT_REFUSALS
from kernel.text_validators import (
    CONTROL_MESSAGE,
    EMPTY_MESSAGE,
    INVISIBLE_MESSAGE,
    MARKS_MESSAGE,
    visible_prose,
    visible_title,
)

CATEGORY_NAMES: dict[str, Any] = {
    "landscaping": _l("Landscaping"),
    "lighting": _l("Street lighting"),
    "roads": _l("Roads and pavements"),
    "playgrounds_sport": _l("Playgrounds and sport"),
    "water": _l("Water supply"),
    "culture": _l("Culture"),
    "other": _l("Other"),
}
assert set(CATEGORY_NAMES) == set(CATEGORIES)

PHASE_NAMES: dict[str, Any] = {
    "scheduled": _l("Not started yet"),
    "proposals": _l("Proposals"),
    "screening": _l("Screening"),
    "voting": _l("Voting"),
    "counting": _l("Counting"),
    "results": _l("Results"),
}

PROPOSAL_STATE_NAMES: dict[str, Any] = {
    "draft": _l("Draft, not submitted"),
    "submitted": _l("Waiting for screening"),
    "eligible": _l("On the ballot"),
    "ineligible": _l("Not eligible"),
}

IMPLEMENTATION_NAMES: dict[str, Any] = {
    "planned": _l("Planned"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
}
assert set(IMPLEMENTATION_NAMES) == set(IMPLEMENTATION)

# An official act as a proposal's page names it, and who signs it (API.md "Official acts").
ACT_NAMES: dict[str, Any] = {"proposal.screen": _l("Screening"), "proposal.implementation": _l("Implementation report")}
OFFICIAL_ROLE_NAMES: dict[str, Any] = {
    "budget_officer": _l("budget officer"), "secretary": _l("secretary of the community meeting"),
}

BALLOT_NAMES: dict[str, Any] = {"approval": _l("Approval ballot"), "knapsack": _l("Knapsack ballot")}
RULE_NAMES: dict[str, Any] = {"greedy": _l("Greedy (most votes first)"), "mes": _l("Method of Equal Shares")}

# A field's hint and its error name the same limits, formatted alike (kernel.shown_numbers).
_TITLE = {"min": shown(TITLE_LENGTH[0]), "max": shown(TITLE_LENGTH[1])}
_DESCRIPTION = {"min": shown(DESCRIPTION_LENGTH[0]), "max": shown(DESCRIPTION_LENGTH[1])}
TITLE_MESSAGE = _l("The title needs %(min)s to %(max)s characters.", **_TITLE)
DESCRIPTION_MESSAGE = _l("The description needs %(min)s to %(max)s characters.", **_DESCRIPTION)
# The order of a cycle's dates (budgeting.services.create_cycle), said once, on the first date out of it.
DATES_ORDER = ("proposals_open", "proposals_close", "voting_open", "voting_close")
DATES_MESSAGE = _l("The dates must come in order: proposals open, proposals close, voting opens, voting closes.")
# An empty date is one the officer has not given yet: said on its own field.
DATE_MISSING = {
    "proposals_open": _l("Enter the day and time proposals open."),
    "proposals_close": _l("Enter the day and time proposals close."),
    "voting_open": _l("Enter the day and time voting opens."),
    "voting_close": _l("Enter the day and time voting closes."),
}
# What to say for a field the service refused (its own field texts are for API clients).
FIELD_MESSAGES = {
    "title": TITLE_MESSAGE,
    "description": DESCRIPTION_MESSAGE,
    "category": _l("Choose a category."),
    "settlement": _l("Choose a village of this rural district."),
    "cost": _l("Enter a whole number of tenge, no more than the budget of the cycle."),
    "petition": _l("Enter the number of a published petition (open, under review, answered or closed), or leave it empty."),
    "reason": _l("Tell the proposer why the proposal is not eligible."),
    "eligible": _l("Choose eligible or not eligible."),
    "status": _l("Choose the status."),
    "spent": _l("Enter a whole number of tenge, 0 or more."),
    "kato": _l("Choose a rural district you serve."),
    "amount": _l("Enter the amount in whole tenge."),
    "year": _l("This rural district already has a budget for that year."),
    "min_choices": _l("A whole number of at least 1, for approval ballots only."),
    "max_choices": _l("A whole number, at least the minimum, for approval ballots only."),
    "dates": DATES_MESSAGE,
    "ballot": _l("Choose the ballot."),
    "rule": _l("Choose the counting rule."),
    **dict.fromkeys(("proposals_open", "proposals_close", "voting_open", "voting_close"), _l(
        "Choose a date at most %(years)d years before or after the budget's year.", years=PHASE_YEARS_AROUND,
    )),
    "iin": _l("Enter the 12 digits of a valid IIN."),
    "projects": _l("Choose projects from this ballot."),
}


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class ProposalForm(FlaskForm):
    title = StringField(
        _l("Title"), description=_l("%(min)s to %(max)s characters.", **_TITLE),
        validators=[
            DataRequired(message=TITLE_MESSAGE), visible_title,
            Length(min=TITLE_LENGTH[0], max=TITLE_LENGTH[1], message=TITLE_MESSAGE),
        ],
    )
    description = TextAreaField(
        _l("Description: what should be done, where, and who benefits"),
        description=_l("%(min)s to %(max)s characters.", **_DESCRIPTION),
        validators=[
            DataRequired(message=DESCRIPTION_MESSAGE), visible_prose,
            Length(min=DESCRIPTION_LENGTH[0], max=DESCRIPTION_LENGTH[1], message=DESCRIPTION_MESSAGE),
        ],
    )
    category = SelectField(
        _l("Category"), choices=_choices([("", _l("Choose a category")), *CATEGORY_NAMES.items()]),
        validators=[InputRequired(message=FIELD_MESSAGES["category"])],
    )
    # The villages of the cycle's rural district, set by the view.
    settlement = SelectField(_l("Village"), choices=[], validators=[InputRequired(message=FIELD_MESSAGES["settlement"])])
    cost = IntegerColumnField(
        Proposal.cost, _l("Estimated cost, ₸"),
        validators=[InputRequired(message=FIELD_MESSAGES["cost"]), NumberRange(min=1, message=FIELD_MESSAGES["cost"])],
    )
    # The number of the petition the project takes up, if any (the service checks it is public).
    petition = IntegerColumnField(
        Proposal.petition_id, _l("Petition it takes up (optional)"),
        validators=[Optional(), NumberRange(min=1, message=FIELD_MESSAGES["petition"])],
    )


class SignedForm(FlaskForm):
    """A form the page's script fills with a JWS before it is sent."""

    jws = SignatureField(validators=[DataRequired(message=_l("Choose your SIGN key and certificate files, then sign."))])


class FollowForm(FlaskForm):
    pass


class EligibleForm(ActForm):
    """`proposal.screen` with `eligible: true` and the cost the officer checked."""

    cost = StringField(_l("Checked cost, ₸"), render_kw={"inputmode": "numeric"})


class IneligibleForm(ActForm):
    """`proposal.screen` with `eligible: false` and the reason the proposer reads."""

    reason = TextAreaField(_l("Reason it is not eligible"))


class ImplementationForm(ActForm):
    """`proposal.implementation`: the status and the money spent."""

    status = SelectField(_l("Status"), choices=_choices(IMPLEMENTATION_NAMES.items()), validate_choice=False)
    spent = StringField(_l("Money spent, ₸"), render_kw={"inputmode": "numeric"})


def _date(label, name: str) -> DateTimeLocalField:
    return DateTimeLocalField(
        label, format="%Y-%m-%dT%H:%M", validators=[InputRequired(message=DATE_MISSING[name]), in_calendar_years],
    )


def out_of_order(dates: dict) -> str | None:
    """The first of a cycle's dates that does not come after the one before it (proposals may close
    the moment voting opens), or None; a date not given is no order's business."""
    for before, after in zip(DATES_ORDER, DATES_ORDER[1:], strict=False):
        first, then = dates.get(before), dates.get(after)
        if first is None or then is None:
            continue
        if then < first or (then == first and after != "voting_open"):
            return after
    return None


class CycleForm(FlaskForm):
    """A new cycle: its rules are the officer's decisions, so no ballot and no counting rule is chosen
    for them; its dates each say when they are missing, and their order is said once, on the date out
    of it. `confirmed` is set by the confirmation (static/js/act-confirm.js, or the page's preview
    without a script): a cycle is created only once its summary was shown."""

    kato = SelectField(_l("Rural district"), choices=[], validators=[InputRequired(message=FIELD_MESSAGES["kato"])])
    year = IntegerColumnField(BudgetCycle.year, _l("Year"), validators=[InputRequired(), NumberRange(min=2000, max=2100)])
    amount = IntegerColumnField(
        BudgetCycle.amount, _l("Amount, ₸"),
        validators=[InputRequired(message=FIELD_MESSAGES["amount"]), NumberRange(min=1, message=FIELD_MESSAGES["amount"])],
    )
    ballot = RadioField(
        _l("Ballot"),
        choices=_choices([("approval", _l("Approval: residents tick every project they support")),
                          ("knapsack", _l("Knapsack: residents choose projects that fit within the budget"))]),
        validate_choice=False, validators=[InputRequired(message=FIELD_MESSAGES["ballot"])],
    )
    min_choices = IntegerColumnField(BudgetCycle.min_choices, _l("Approval ballot: at least this many projects"), validators=[Optional(), NumberRange(min=1)])
    max_choices = IntegerColumnField(BudgetCycle.max_choices, _l("Approval ballot: at most this many projects"), validators=[Optional(), NumberRange(min=1)])
    rule = RadioField(
        _l("Counting rule"),
        choices=_choices([("greedy", _l("Greedy: most votes first, skip what no longer fits")),
                          ("mes", _l("Method of Equal Shares: fair to small villages"))]),
        validate_choice=False, validators=[InputRequired(message=FIELD_MESSAGES["rule"])],
    )
    proposals_open = _date(_l("Proposals open"), "proposals_open")
    proposals_close = _date(_l("Proposals close"), "proposals_close")
    voting_open = _date(_l("Voting opens"), "voting_open")
    voting_close = _date(_l("Voting closes"), "voting_close")
    confirmed = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        late = out_of_order({name: self[name].data for name in DATES_ORDER if not self[name].errors})
        if late is not None:
            self[late].errors.append(DATES_MESSAGE)
            return False
        return valid

    def dates_out_of_order(self) -> str | None:
        return out_of_order({name: self[name].data for name in DATES_ORDER})


class PaperBallotForm(ActForm):
    """`ballot.paper`: the voter's IIN and the projects ticked are signed in the browser and never
    posted beside the JWS (the IIN's input has no name), nor shown again."""


# A signed text the service refused (an act's reason: no form validator saw it first), in the reader's words.
TEXT_MESSAGES = {
    TEXT_REFUSALS["invisible"]: INVISIBLE_MESSAGE, TEXT_REFUSALS["empty"]: EMPTY_MESSAGE,
    TEXT_REFUSALS["control"]: CONTROL_MESSAGE, TEXT_REFUSALS["marks"]: MARKS_MESSAGE,
}


def field_errors(form: FlaskForm, fields: dict) -> None:
    """Put a service's field refusals on the form's fields, in the reader's language."""
    for name, text in fields.items():
        message = TEXT_MESSAGES.get(text) or FIELD_MESSAGES.get(name, text)
        if name == "dates":  # said once, on the date out of order
            name = (form.dates_out_of_order() if hasattr(form, "dates_out_of_order") else None) or "proposals_open"
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, message]
