"""Forms of the identity pages (Flask-WTF: every POST carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField
from wtforms.validators import DataRequired, Email, Length, Optional

from kernel.signature_field import SignatureField


class EdsLoginForm(FlaskForm):
    """The browser fills `jws` after signing the challenge with the chosen AUTH key."""

    jws = SignatureField(validators=[DataRequired(message=_l("Choose your key and certificate files, then sign."))])
    next = HiddenField()


class ContactForm(FlaskForm):
    email = EmailField(
        _l("E-mail for notifications"),
        validators=[Optional(), Email(message=_l("Enter a valid e-mail address.")), Length(max=254)],
    )


class LogoutForm(FlaskForm):
    pass


