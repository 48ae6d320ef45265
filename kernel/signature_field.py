"""The one form field that carries a JWS a page's script signed in the browser (static/js/eds.js,
static/js/act-sign.js): citizens' signatures, sign-in and officials' acts alike.

It is read as posted but never shown again: the scripts send a filled field as it is, so a page that
refuses a signature and showed its JWS again would send that same JWS on the next click, stale, or
as the decision of the page's other button. Shown empty, each try is signed afresh.
"""

from __future__ import annotations

from wtforms import HiddenField


class SignatureField(HiddenField):
    def _value(self) -> str:
        return ""
