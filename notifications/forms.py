"""The form of notification settings: one choice of channel per group of events."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField

from notifications import settings

CHANNEL_NAMES = {
    "email": _l("By e-mail and in the inbox"),
    "inbox": _l("Only in the Dauys inbox"),
    "off": _l("Not at all"),
}
# What each group is, as the page says it (notifications/settings.py:CHOSEN).
GROUP_NAMES = {
    "own": _l("My own petitions and budget proposals"),
    "signed": _l("Petitions I signed"),
    "followed": _l("Petitions I follow"),
    "budget": _l("Village budgets I follow or voted in"),
    "official": _l("My official work"),
}
GROUP_HINTS = {
    "own": _l("Moderation, publication, the threshold, the answer and what follows it; screening and results of your proposals."),
    "signed": _l("The threshold, the public discussion, the answer, the report on measures: the answer always, the rest if you asked when signing."),
    "followed": _l("The same steps as its signers hear of, without signing."),
    "budget": _l("New phases of the budget and its results."),
    "official": _l("Review deadlines, reminders and escalations are obligatory: they always reach your inbox and cannot be switched off."),
}


def settings_form(groups: tuple[str, ...], chosen: dict[str, str]) -> FlaskForm:
    """A form with one radio group per group the person has; filled with their choices on GET."""

    class SettingsForm(FlaskForm):
        pass

    for name in groups:
        setattr(SettingsForm, name, RadioField(
            GROUP_NAMES[name], choices=[(c, CHANNEL_NAMES[c]) for c in settings.allowed(name)],
            default=chosen[name], validate_choice=True,
        ))
    return SettingsForm()
