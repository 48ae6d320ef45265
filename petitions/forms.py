"""Forms of the petition pages (Flask-WTF: every POST carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    RadioField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from kernel.date_validators import in_calendar_years
from kernel.signature_field import SignatureField
from kernel.text_validators import visible_prose, visible_title
from petitions import rules, services
from petitions.labels import DECISION_NAMES, LANGUAGE_NAMES, STATE_NAMES
from petitions.queries import PUBLIC_STATES

TITLE_MESSAGE = _l("The title needs %(min)d to %(max)d characters.", min=services.TITLE_LENGTH[0], max=services.TITLE_LENGTH[1])
BODY_MESSAGE = _l(
    "The text needs %(min)d to %(max)d characters: your arguments and your proposal.",
    min=services.BODY_LENGTH[0], max=services.BODY_LENGTH[1],
)
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
    "text": _l("Explain the decision in at least 20 characters."),
}


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class DraftForm(FlaskForm):
    """What an author may change in a draft."""

    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(message=TITLE_MESSAGE),
            visible_title,
            Length(min=services.TITLE_LENGTH[0], max=services.TITLE_LENGTH[1], message=TITLE_MESSAGE),
        ],
    )
    body = TextAreaField(
        _l("Text: the problem, your arguments and your proposal"),
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
    reason = SelectField(
        _l("Reason"),
        choices=_choices(rules.REJECTION_REASONS.items()),
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


class AnswerForm(FlaskForm):
    decision = RadioField(
        _l("Decision"), choices=_choices(DECISION_NAMES.items()), validators=[InputRequired(message=FIELD_MESSAGES["decision"])]
    )
    text = TextAreaField(
        _l("Reasoning"),
        validators=[
            DataRequired(message=FIELD_MESSAGES["text"]), visible_prose,
            Length(min=20, max=20_000, message=FIELD_MESSAGES["text"]),
        ],
    )


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


def field_errors(form: FlaskForm, fields: dict) -> None:
    """Put a service's field refusals on the form's fields, in the reader's language."""
    for name, text in fields.items():
        message = FIELD_MESSAGES.get(name, text)
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, message]
