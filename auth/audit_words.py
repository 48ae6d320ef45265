"""How the audit page words the actions on people, roles and certificates (audit/wording.py): the
person by name (an entry knows them by a pseudonym, never the IIN), the role with the body it serves."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from audit.models import AuditEntry
from audit.wording import Subject, Words, detail
from auth.labels import body_code_label, grant_label
from i18n import format_number


def _locale() -> str:
    return str(get_locale() or "kk")


def _role(role: str, scope: str | None, body: str | None) -> str:
    return grant_label(role, scope, body, _locale())


def _official_role(role: str, body: str | None) -> str:
    return body_code_label(role, body or "", _locale())


def _serials(serials: object) -> str:
    return ", ".join(str(serial) for serial in serials) if isinstance(serials, list) else str(serials)


ROLE = detail(("role", "scope", "body"), _l("Role"), _role)
ACTIONS = {
    "role.grant": Words(_l("Role granted"), (ROLE,), named=("name",)),
    "role.withdraw": Words(
        _l("Role withdrawn"),
        (ROLE, detail("official_certificates_revoked", _l("Official certificates revoked"), format_number)),
        named=("name",),
    ),
    "certificate.revoke": Words(
        _l("Certificates revoked"),
        (
            detail("serials", _l("Certificate serial numbers"), _serials),
            detail("login_sessions_ended", _l("Sign-in sessions ended"), format_number),
        ),
        named=("name",),
    ),
    "certificate.issue_official": Words(
        _l("Official certificate issued"),
        (
            detail(("role", "body"), _l("Role"), _official_role),
            detail("staff_serial", _l("Staff serial number")),
        ),
        named=("name",),
    ),
}


def people_named(entries: list[AuditEntry]) -> dict[int, Subject]:
    """The person an entry is about, by the name it recorded."""
    unknown = _("someone no longer in the registry")
    return {entry.id: Subject(_("Person"), (entry.details or {}).get("name") or unknown) for entry in entries}


SUBJECTS = {"person": people_named}
