"""How the audit page words an entry in the reader's language: what was done, to which document or
person, and each recorded detail under a label, its value as a reader says it (names, money, dates),
never the codes the entry stores.

The features that record actions know their words: each registers them from its init_app with
`register` (the words of its actions and how to name the subjects it acts on), into the app that
shows the page. The audit log imports no feature.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from audit.models import AuditEntry


@dataclass(frozen=True)
class Detail:
    """One line of an entry's details: its label, and its value made from the values the entry recorded
    under `keys` (in order; a key not recorded is None). Nothing recorded under any of them, or a value
    of None, and the line is left out."""

    keys: tuple[str, ...]
    label: Any
    value: Callable[..., object] = str

    def line(self, details: Mapping[str, Any]) -> tuple[str, str] | None:
        values = [details.get(key) for key in self.keys]
        if all(value is None for value in values):
            return None
        text = self.value(*values)
        return None if text is None or text == "" else (str(self.label), str(text))


def detail(keys: str | tuple[str, ...], label: Any, value: Callable[..., object] = str) -> Detail:
    return Detail(keys if isinstance(keys, tuple) else (keys,), label, value)


@dataclass(frozen=True)
class Words:
    """An action's name and its details in the order the page lists them. `named` are the recorded
    keys the subject's name already says (a person's name), so the details leave them out."""

    label: Any
    details: tuple[Detail, ...] = ()
    named: tuple[str, ...] = ()

    @property
    def keys(self) -> frozenset[str]:
        """Every detail key this action's words cover: a use case records no other (tests/audit)."""
        return frozenset(key for d in self.details for key in d.keys) | frozenset(self.named)


@dataclass(frozen=True)
class Subject:
    """What an entry acted on: what it is ("Petition", "Paper ballot No. 74"), its title or name when it
    has one (text a person wrote: the page isolates it), and its page."""

    text: str
    title: str | None = None
    url: str | None = None


# The subjects of one type on a page, named at once: entries -> {entry id: Subject}.
Namer = Callable[[list[AuditEntry]], Mapping[int, Subject]]


@dataclass(frozen=True)
class Shown:
    entry: AuditEntry
    label: str
    subject: Subject | None
    details: list[tuple[str, str]]


def _registry(app: Flask) -> dict[str, dict]:
    return app.extensions.setdefault("dauys.audit_words", {"actions": {}, "subjects": {}})


def register(app: Flask, actions: Mapping[str, Words], subjects: Mapping[str, Namer] | None = None) -> None:
    """Let the audit page word these actions and name these subject types."""
    registry = _registry(app)
    registry["actions"].update(actions)
    registry["subjects"].update(subjects or {})


def words(app: Flask | None = None) -> Mapping[str, Words]:
    return _registry(app or current_app)["actions"]


def subject_types(app: Flask | None = None) -> Mapping[str, Namer]:
    return _registry(app or current_app)["subjects"]


def label_of(action: str) -> str:
    """The action's name on the page (an action no feature worded is named as such, never by its code)."""
    from flask_babel import gettext as _

    known = words().get(action)
    return str(known.label) if known else _("An action")


def shown(entries: Iterable[AuditEntry]) -> list[Shown]:
    """The page's rows: each entry's action, subject and details in the reader's words."""
    entries = list(entries)
    by_type: dict[str, list[AuditEntry]] = {}
    for entry in entries:
        by_type.setdefault(entry.subject_type, []).append(entry)
    namers = subject_types()
    subjects: dict[int, Subject] = {}
    for subject_type, of_type in by_type.items():
        if subject_type in namers:
            subjects.update(namers[subject_type](of_type))
    return [Shown(entry=e, label=label_of(e.action), subject=subjects.get(e.id), details=_details(e)) for e in entries]


def _details(entry: AuditEntry) -> list[tuple[str, str]]:
    known = words().get(entry.action)
    if known is None:
        return []
    details = entry.details or {}
    return [line for line in (d.line(details) for d in known.details) if line is not None]
