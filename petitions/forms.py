"""Forms of the petition pages (Flask-WTF: every POST carries a CSRF token)."""

from __future__ import annotations

import re

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from kernel.date_validators import in_calendar_years
from kernel.shown_numbers import shown
from kernel.signature_field import SignatureField
from kernel.text_checks import TEXT_REFUSALS
from kernel.text_validators import (
    CONTROL_MESSAGE,
    EMPTY_MESSAGE,
    INVISIBLE_MESSAGE,
    MARKS_MESSAGE,
    visible_prose,
    visible_title,
)
from petitions import accountability, rules, services
from petitions.labels import DECISION_NAMES, LANGUAGE_NAMES, STATE_NAMES
from petitions.queries import PUBLIC_STATES

# A field's hint and its error name the same limits, formatted alike (kernel.shown_numbers).
_TITLE = {"min": shown(services.TITLE_LENGTH[0]), "max": shown(services.TITLE_LENGTH[1])}
_BODY = {"min": shown(services.BODY_LENGTH[0]), "max": shown(services.BODY_LENGTH[1])}
TITLE_MESSAGE = _l("The title needs %(min)s to %(max)s characters.", **_TITLE)
TITLE_HINT = _l("%(min)s to %(max)s characters: say what you ask for.", **_TITLE)
BODY_MESSAGE = _l("The text needs %(min)s to %(max)s characters: your arguments and your proposal.", **_BODY)
BODY_HINT = _l("%(min)s to %(max)s characters.", **_BODY)
# What to say for a field the service refused (its own field texts are for API clients).
FIELD_MESSAGES = {
    "title": TITLE_MESSAGE,
    "body": BODY_MESSAGE,
    "language": _l("Choose Kazakh or Russian."),
    "addressee": _l("Choose the body the petition is addressed to."),
    "territory": _l("Choose the region or city of a local body."),
    "reason": _l("Choose one of the published reasons."),
    "comment": _l("Explain the decision to the author."),
    "at": _l("Enter a date and time in the future, at most a year ahead."),
    "place": _l("Enter where the discussion is held."),
    "decision": _l("Choose the decision."),
}
# A signed text the service refused for its characters, in the reader's words (whatever the field).
TEXT_MESSAGES = {
    TEXT_REFUSALS["invisible"]: INVISIBLE_MESSAGE, TEXT_REFUSALS["empty"]: EMPTY_MESSAGE,
    TEXT_REFUSALS["control"]: CONTROL_MESSAGE, TEXT_REFUSALS["marks"]: MARKS_MESSAGE,
}


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class DraftForm(FlaskForm):
    """What an author may change in a draft."""

    title = StringField(
        _l("Title"), description=TITLE_HINT,
        validators=[
            DataRequired(message=TITLE_MESSAGE),
            visible_title,
            Length(min=services.TITLE_LENGTH[0], max=services.TITLE_LENGTH[1], message=TITLE_MESSAGE),
        ],
    )
    body = TextAreaField(
        _l("Text: the problem, your arguments and your proposal"), description=BODY_HINT,
        validators=[
            DataRequired(message=BODY_MESSAGE),
            visible_prose,
            Length(min=services.BODY_LENGTH[0], max=services.BODY_LENGTH[1], message=BODY_MESSAGE),
        ],
    )
    language = RadioField(
        _l("Language of the petition"),
        choices=_choices(LANGUAGE_NAMES.items()),
        default="kk",
        validators=[InputRequired(message=FIELD_MESSAGES["language"])],
    )


class PetitionForm(DraftForm):
    """A new petition: the text, and the body it is addressed to (fixed once created)."""

    addressee = SelectField(
        _l("Addressee"),
        choices=_choices(rules.ADDRESSEE_NAMES.items()),
        validators=[InputRequired(message=FIELD_MESSAGES["addressee"])],
    )
    # Choices are the regions and cities of the Territory table, set by the view.
    territory = SelectField(_l("Region or city"), choices=[], validate_choice=False, validators=[Optional()])


class SubmitForm(FlaskForm):
    confirm = BooleanField(
        _l("I have read the list and my petition raises none of these topics."),
        validators=[DataRequired(message=_l("Confirm that the petition raises none of the forbidden topics."))],
    )
    jws = SignatureField(validators=[DataRequired(message=_l("Choose your SIGN key and certificate files, then sign."))])


class RejectForm(FlaskForm):
    """A rejection as the browser signs it: no reason is chosen until the moderator chooses one (an
    empty one is the use case's field error, shown on this field)."""

    reason = SelectField(
        _l("Reason"),
        choices=_choices([("", _l("Choose a reason")), *rules.REJECTION_REASONS.items()]),
        validators=[InputRequired(message=FIELD_MESSAGES["reason"])],
    )
    comment = TextAreaField(
        _l("Comment to the author"),
        validators=[DataRequired(message=FIELD_MESSAGES["comment"]), visible_prose, Length(max=5000)],
    )


class DiscussionForm(FlaskForm):
    at = DateTimeLocalField(
        _l("Date and time (Astana time)"), format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(message=FIELD_MESSAGES["at"]), in_calendar_years],
    )
    place = StringField(
        _l("Place"),
        validators=[DataRequired(message=FIELD_MESSAGES["place"]), visible_title, Length(max=300)],
    )


def answer_min_chars() -> int:
    return current_app.config["PETITION_ANSWER_MIN_CHARS"]


def report_max_months() -> int:
    return current_app.config["PETITION_REPORT_MAX_MONTHS"]


class Rows(FieldList):
    """Rows of an act's list of objects (an answer's measures, a report's), named `NAME-N-MEMBER`
    as static/js/act-sign.js reads them. The browser leaves a row whose members are all empty out of
    the signed list, so the list's N-th object is the N-th row with something in it."""

    def signed_entry(self, position: int):
        filled = [entry for entry in self.entries if not _blank(entry)]
        return filled[position] if position < len(filled) else None


def _blank(entry) -> bool:
    return all(not "".join(field.raw_data or []).strip() for field in entry.form)


class MeasureForm(Form):
    """One measure an answer promises (petitions.accountability.Measure): who does what by when."""

    body = StringField(_l("Responsible body"))
    what = TextAreaField(_l("What will be done"))
    due_on = DateField(_l("Due date"), validators=[Optional()])


class AnswerForm(FlaskForm):
    """The answer as the browser signs it (`petition.answer`): never validated here, shown again as
    posted with the use case's refusals on its fields. Three empty measure rows work without the
    page's script, which adds more."""

    decision = RadioField(_l("Decision"), choices=_choices(DECISION_NAMES.items()))
    text = TextAreaField(_l("Reasoning"))
    measures = Rows(FormField(MeasureForm), min_entries=3, max_entries=accountability.MEASURES_AT_MOST)
    report_due_on = DateField(_l("Report due on"), validators=[Optional()])

    def field_messages(self) -> dict:
        months = report_max_months()
        return {
            "text": _l("Explain the decision in at least %(num)s characters.", num=shown(answer_min_chars())),
            "measures": _l("A supported or partly supported answer names at least one measure: the responsible body, "
                           "what will be done and by when."),
            "measures[]": _l("Fill in the responsible body, what will be done and the due date."),
            "measures[].body": _l("Name the responsible body (%(min)s to %(max)s characters).",
                                  min=shown(accountability.MEASURE_BODY_LENGTH[0]),
                                  max=shown(accountability.MEASURE_BODY_LENGTH[1])),
            "measures[].what": _l("Say what will be done."),
            "measures[].due_on": _l("Enter a due date from today to at most %(num)d months ahead.", num=months),
            "report_due_on": _l("Enter the day the report on the measures is due: after today, at most %(num)d months ahead.",
                                num=months),
        }


class FollowUpForm(FlaskForm):
    """The follow-up answer a contested answer owes (`petition.follow_up`), as the browser signs it."""

    text = TextAreaField(_l("Follow-up answer"))

    def field_messages(self) -> dict:
        return {"text": _l("Explain the follow-up answer in at least %(num)s characters.", num=shown(answer_min_chars()))}


class ReportedMeasureForm(Form):
    """What the report says of one promised measure: its id, done or not, a note."""

    id = HiddenField()
    done = RadioField(_l("Was it done?"), choices=_choices([("yes", _l("Yes, done")), ("no", _l("No, not done"))]))
    note = TextAreaField(_l("Note (optional)"))


class ReportForm(FlaskForm):
    """The report on the answer's measures (`petition.report`), one row a promised measure."""

    text = TextAreaField(_l("What was done"))
    measures = Rows(FormField(ReportedMeasureForm), max_entries=accountability.MEASURES_AT_MOST)

    def field_messages(self) -> dict:
        return {
            "text": _l("Say what was done in at least %(num)s characters.", num=shown(accountability.REPORT_MIN_CHARS)),
            "measures": _l("Say for each measure whether it was done."),
            "measures[]": _l("Say for each measure whether it was done."),
            "measures[].id": _l("This measure is not one of the answer's: open the page again."),
            "measures[].done": _l("Choose done or not done."),
            "measures[].note": _l("The note may have at most %(num)s characters.", num=shown(accountability.NOTE_AT_MOST)),
        }


class FilterForm(FlaskForm):
    """The public list's filters: a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=200)])
    state = SelectField(
        _l("Status"), choices=_choices([("", _l("Any status"))] + [(s, STATE_NAMES[s]) for s in PUBLIC_STATES]),
        validators=[Optional()],
    )
    addressee = SelectField(
        _l("Addressee"), choices=_choices([("", _l("Any addressee")), *rules.ADDRESSEE_NAMES.items()]),
        validators=[Optional()],
    )
    territory = SelectField(_l("Region or city"), choices=[], validate_choice=False, validators=[Optional()])


_PART = re.compile(r"\[(\d+)\]|[^.\[\]]+")


def _target(form: FlaskForm, name: str):
    """The field of `form` a use case's field name points at (`text`, `measures[0].due_on`): a row's
    member, a row (its first member) or the list itself; None when the form has no such field."""
    node = form
    for match in _PART.finditer(name):
        if match.group(1) is not None:
            if not isinstance(node, Rows):
                return None
            node = node.signed_entry(int(match.group(1)))
        else:
            inner = node.form if isinstance(node, FormField) else node
            node = getattr(inner, "_fields", {}).get(match.group(0))
        if node is None:
            return None
    return next(iter(node.form)) if isinstance(node, FormField) else node


def field_errors(form: FlaskForm, fields: dict) -> None:
    """Put a service's field refusals on the form's fields, in the reader's language: a refused
    text by its characters, else the form's own word for the field (`field_messages`, rows'
    members as `measures[].due_on`), else the common one."""
    messages = {**FIELD_MESSAGES, **(form.field_messages() if hasattr(form, "field_messages") else {})}
    for name, text in fields.items():
        message = TEXT_MESSAGES.get(text) or messages.get(re.sub(r"\[\d+\]", "[]", name), text)
        field = _target(form, name)
        if field is not None and message not in field.errors:
            field.errors = [*field.errors, message]
