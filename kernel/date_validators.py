"""Form validators for dates people give: a year Dauys can mean (kernel.instants), worded for the reader."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.validators import StopValidation

from kernel import instants

YEARS_MESSAGE = _l("Enter a date from %(first)d to %(last)d.", first=instants.FIRST_YEAR, last=instants.LAST_YEAR)


def in_calendar_years(form: FlaskForm, field: Field) -> None:
    """A date or date-time field holds a year Dauys can mean (instants), before anything converts it."""
    if field.data is not None and not instants.in_years(field.data):
        raise StopValidation(YEARS_MESSAGE)
