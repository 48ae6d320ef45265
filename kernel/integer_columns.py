"""Integers stored fit their columns: SQLAlchemy's Integer is 32-bit, BigInteger 64-bit. A form's
IntegerColumnField refuses what its column cannot hold, and every ORM flush checks it again, so such
a number is a field error, never a driver's overflow (a 500)."""

from __future__ import annotations

import functools
import itertools

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, Integer, SmallInteger, event, inspect
from sqlalchemy.orm import Session
from wtforms import IntegerField
from wtforms.validators import StopValidation

from kernel.errors import DomainError

INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1
BIG_INTEGER_MIN, BIG_INTEGER_MAX = -(2**63), 2**63 - 1
_SMALL_INTEGER = (-(2**15), 2**15 - 1)


def column_range(column_type: object) -> tuple[int, int] | None:
    """The integers a column of this type holds on PostgreSQL (SQLite holds 64 bits in any)."""
    if isinstance(column_type, BigInteger):  # subclasses of Integer: the narrower tests come first
        return BIG_INTEGER_MIN, BIG_INTEGER_MAX
    if isinstance(column_type, SmallInteger):
        return _SMALL_INTEGER
    if isinstance(column_type, Integer):
        return INTEGER_MIN, INTEGER_MAX
    return None


class IntegerColumnField(IntegerField):
    """An IntegerField for one integer column (a model attribute, e.g. `Proposal.spent`): a number
    the column cannot hold is this field's one error. It is caught as the form is read, before any
    validator: WTForms' NumberRange cannot even compare a number beyond a float's range."""

    def __init__(self, column: object, label: object = None, validators: list | None = None, **kwargs: object):
        super().__init__(label, validators, **kwargs)
        self.low, self.high = column_range(column.type)
        self._out_of_range = False

    def process_formdata(self, valuelist: list) -> None:
        super().process_formdata(valuelist)
        self._out_of_range = self.data is not None and not self.low <= self.data <= self.high
        if self._out_of_range:
            self.data = None

    def pre_validate(self, form: object) -> None:
        if self._out_of_range:
            raise StopValidation(str(_l("This number is out of range.")))


@functools.cache
def _integer_attributes(model: type) -> tuple[tuple[str, int, int], ...]:
    found = []
    for attribute in inspect(model).column_attrs:
        bounds = column_range(attribute.columns[0].type)
        if bounds is not None:
            found.append((attribute.key, *bounds))
    return tuple(found)


def _refuse_integers_no_column_holds(session: Session, _flush_context, _instances) -> None:
    fields: dict[str, str] = {}
    for obj in itertools.chain(session.new, session.dirty):
        values = obj.__dict__  # what is loaded or set: reading an attribute could load it
        for key, low, high in _integer_attributes(type(obj)):
            value = values.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and not low <= value <= high:
                fields[key] = f"a whole number from {low} to {high}"
    if fields:
        raise DomainError("validation_error", fields=fields)


def register() -> None:
    """Check every session's writes (idempotent: each app the factory makes calls it)."""
    if not event.contains(Session, "before_flush", _refuse_integers_no_column_holds):
        event.listen(Session, "before_flush", _refuse_integers_no_column_holds)
