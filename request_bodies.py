"""How every request body is read: JSON by the strict parser (whoever calls get_json), forms in NFC."""

from __future__ import annotations

from types import ModuleType
from typing import NoReturn

from flask import Request

from kernel import strict_json
from kernel.errors import DomainError


class LimitedRequest(Request):
    """Flask's request, with its body read under the limits of API.md.

    `request.get_json()` and `request.json` parse with strict_json, so no caller (a view, the rate
    limit's key, Flask-WTF) can read a body the API would refuse; a refusal is validation_error.
    """

    @property
    def json_module(self) -> ModuleType:
        """What werkzeug's get_json calls `loads` on: always the strict parser."""
        return strict_json

    @json_module.setter
    def json_module(self, _provider: object) -> None:
        # Flask's request context sets the app's JSON provider here on every request; the body is
        # still read by strict_json (the provider stays what writes responses).
        pass

    def on_json_loading_failed(self, e: ValueError | None) -> NoReturn:
        why = str(e) if e is not None else "a JSON body (Content-Type: application/json) is required"
        raise DomainError("validation_error", fields={"body": why})

    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__["form"]
        pairs = list(form.items(multi=True))
        if all(name.isascii() and value.isascii() for name, value in pairs):
            return
        self.__dict__["form"] = self.parameter_storage_class(
            (strict_json.nfc(name), strict_json.nfc(value)) for name, value in pairs
        )
