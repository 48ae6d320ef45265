"""The one form field that carries a JWS a page's script signed in the browser (static/js/eds.js,
static/js/act-sign.js): citizens' signatures, sign-in and officials' acts alike; and the one form
of an official's act, for every feature's officials' pages.

The field is read as posted but never shown again: the scripts send a filled field as it is, so a
page that refuses a signature and showed its JWS again would send that same JWS on the next click,
stale, or as the decision of the page's other button. Shown empty, each try is signed afresh.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import DataRequired


class SignatureField(HiddenField):
    def _value(self) -> str:
        return ""


class ActForm(FlaskForm):
    """What an official's page posts (API.md "Official acts"): the act the browser signed with the
    official key files, and only it. The decision is read from the signed payload
    (auth.acts.act_fields); a subclass's fields are what the browser puts in that payload, shown
    again as posted, never read by the server."""

    jws = SignatureField(validators=[DataRequired(message=_l(
        "Choose your official key and certificate files (official.key.pem, official.cert.pem), then sign."))])
