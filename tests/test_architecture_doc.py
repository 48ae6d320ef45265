"""docs/ARCHITECTURE.md stays true as code moves: every code reference in it resolves.

The syntax the document uses (and this test reads), paths always from the repository root:

- `` `petitions/rules.py:threshold` `` — a module-level function, class or assigned name of the file;
- `` `kernel/lifecycle.py:Lifecycle.move` `` — a method (or class attribute) of a class of the file,
  nested classes dotted the same way;
- `` `workers/outbox.py` ``, `` `static/js/eds.js` `` — a file that must exist;
  `` `templates/email/` `` — a folder (a trailing slash) that must exist;
- `DAUYS_PETITION_THRESHOLD_GOVERNMENT` — a setting: its name without `DAUYS_` must be a key of
  `config.DEFAULTS`. Every `DAUYS_…` word of the document is one, backticked or not.

Only inline code spans are references; fenced blocks are pictures, not checked. A span that looks
like a reference but is not written in this syntax (`petitions/rules.py:threshold()`, or a dotted
`petitions.rules.threshold`) is reported too, so a slip does not go unchecked. Paths starting with
`../` or `/` name files outside the repository and are not checked.

In a table row that names both a setting and definitions, the setting must be read (as a string
constant) by at least one of the row's definitions: when the code that reads a number moves, the
row saying where it lives fails.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import config

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "ARCHITECTURE.md"

FILE_EXTENSIONS = {"py", "md", "js", "css", "html", "txt", "toml", "cfg", "ini", "conf", "csv", "json", "yml", "yaml"}
_FENCE = re.compile(r"^\s*```")
_SPAN = re.compile(r"`([^`\n]+)`")
_REFERENCE = re.compile(
    r"(?P<path>(?:[\w.-]+/)*(?:[\w-][\w.-]*\.(?P<ext>\w+)|[\w.-]+/))"
    r"(?::(?P<name>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*))?"
)
# What a reference written slightly wrong looks like: a known file's path followed by ':', or a
# dotted name in one of our packages (`petitions.rules.threshold`), which this test cannot check.
_LOOKS_LIKE_REFERENCE = re.compile(r"[\w/.-]+\.(?:{}):".format("|".join(sorted(FILE_EXTENSIONS))))
PACKAGES = sorted(p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file())
_DOTTED_NAME = re.compile(r"(?:{})\.[A-Za-z_]".format("|".join(PACKAGES)))
_SETTING = re.compile(r"\bDAUYS_([A-Z][A-Z0-9_]*)\b")
# Settings DOMAIN.md's rules live in: each must be named in the document (a new number gets its row).
RULE_SETTING_PREFIXES = ("PETITION_", "BUDGET_", "EDS_", "MIN_AGE", "SIGNATURE_")


@dataclass(frozen=True)
class Reference:
    line: int
    text: str
    path: str
    name: str | None


def _prose_lines(text: str) -> Iterable[tuple[int, str]]:
    """(line number, line) of every line outside fenced code blocks."""
    fenced = False
    for number, line in enumerate(text.splitlines(), start=1):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield number, line


def references(text: str) -> tuple[list[Reference], list[str]]:
    """The code references of a document, and the spans that look like one but are malformed."""
    found: list[Reference] = []
    malformed: list[str] = []
    for number, line in _prose_lines(text):
        for span in _SPAN.findall(line):
            span = span.strip()
            if span.startswith(("../", "/")):
                continue  # outside the repository
            match = _REFERENCE.fullmatch(span)
            is_path = match is not None and (match["path"].endswith("/") or match["ext"] in FILE_EXTENSIONS)
            if is_path:
                found.append(Reference(number, span, match["path"], match["name"]))
            elif _LOOKS_LIKE_REFERENCE.search(span) or _DOTTED_NAME.match(span):
                malformed.append(f"line {number}: `{span}` is not `path:name` or `path:Class.name`")
    return found, malformed


def _names_in(body: list[ast.stmt], prefix: str, into: dict[str, ast.AST]) -> None:
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            into[prefix + node.name] = node
        elif isinstance(node, ast.ClassDef):
            into[prefix + node.name] = node
            _names_in(node.body, f"{prefix}{node.name}.", into)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for leaf in ast.walk(target):
                    if isinstance(leaf, ast.Name):
                        into[prefix + leaf.id] = node
        elif isinstance(node, ast.If | ast.Try | ast.With):
            # a definition made under a condition (TYPE_CHECKING, a fallback import) is still one
            for block in ("body", "orelse", "finalbody"):
                _names_in(getattr(node, block, []), prefix, into)
            for handler in getattr(node, "handlers", []):
                _names_in(handler.body, prefix, into)


@cache
def definitions(path: str) -> dict[str, ast.AST]:
    """Qualified name -> its node, for the module-level names of a file and the members of its classes."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"), filename=path)
    found: dict[str, ast.AST] = {}
    _names_in(tree.body, "", found)
    return found


def unresolved(refs: Iterable[Reference]) -> list[str]:
    """Why each reference that does not hold fails: a missing file or folder, or a name not defined."""
    problems = []
    for ref in refs:
        target = ROOT / ref.path
        where = f"line {ref.line}: `{ref.text}`"
        if ref.path.endswith("/"):
            if not target.is_dir():
                problems.append(f"{where}: no folder {ref.path}")
            elif ref.name:
                problems.append(f"{where}: a folder has no names; name a file")
            continue
        if not target.is_file():
            problems.append(f"{where}: no file {ref.path}")
        elif ref.name and not ref.path.endswith(".py"):
            problems.append(f"{where}: names are looked up in .py files only")
        elif ref.name and ref.name not in definitions(ref.path):
            problems.append(f"{where}: {ref.path} defines no {ref.name}")
    return problems


def settings(text: str) -> list[tuple[int, str]]:
    """(line number, key without DAUYS_) of every setting the document names."""
    return [(number, key) for number, line in enumerate(text.splitlines(), start=1) for key in _SETTING.findall(line)]


def unknown_settings(text: str) -> list[str]:
    return [f"line {number}: DAUYS_{key} is not a key of config.DEFAULTS" for number, key in settings(text) if key not in config.DEFAULTS]


def _string_constants(node: ast.AST) -> set[str]:
    return {leaf.value for leaf in ast.walk(node) if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str)}


def settings_not_read_where_said(text: str) -> list[str]:
    """In each table row naming settings and definitions: a setting none of the row's definitions reads."""
    problems = []
    for number, line in _prose_lines(text):
        if not line.lstrip().startswith("|"):
            continue
        keys = [key for key in _SETTING.findall(line) if key in config.DEFAULTS]
        refs, _ = references(line)
        named = [ref for ref in refs if ref.name and not unresolved([ref])]
        if not keys or not named:
            continue
        read = set().union(*(_string_constants(definitions(ref.path)[ref.name]) for ref in named))
        row = line.strip().strip("|").split("|")[0].strip()
        for key in keys:
            if key not in read:
                listed = ", ".join(f"`{ref.text}`" for ref in named)
                problems.append(f"line {number} ({row}): DAUYS_{key} is read by none of {listed}")
    return problems


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


# --- the document -------------------------------------------------------------------------------


def test_every_code_reference_in_the_architecture_doc_resolves():
    refs, malformed = references(_doc())
    problems = malformed + unresolved(refs)
    assert not problems, "docs/ARCHITECTURE.md names code that is not there:\n" + "\n".join(problems)


def test_every_setting_the_architecture_doc_names_is_a_config_default():
    problems = unknown_settings(_doc())
    assert not problems, "docs/ARCHITECTURE.md names settings config.py does not have:\n" + "\n".join(problems)


def test_each_rule_row_names_a_definition_that_reads_its_setting():
    problems = settings_not_read_where_said(_doc())
    assert not problems, "docs/ARCHITECTURE.md says a setting is read where it is not:\n" + "\n".join(problems)


def test_every_rule_setting_of_config_has_its_place_in_the_architecture_doc():
    named = {key for _, key in settings(_doc())}
    missing = sorted(key for key in config.DEFAULTS if key.startswith(RULE_SETTING_PREFIXES) and key not in named)
    assert not missing, "config.py rule settings docs/ARCHITECTURE.md does not place: " + ", ".join(
        f"DAUYS_{key}" for key in missing
    )


def test_the_architecture_doc_is_made_of_references():
    # A parser that silently found nothing would pass every test above.
    refs, _ = references(_doc())
    assert len(refs) >= 150
    assert sum(1 for ref in refs if ref.name and "." in ref.name) >= 10  # Class.method references too
    assert len({key for _, key in settings(_doc())}) >= 20


# --- the checker itself ---------------------------------------------------------------------------


SAMPLE = """
| rule | where |
|---|---|
| threshold | `petitions/rules.py:threshold`, DAUYS_PETITION_THRESHOLD_GOVERNMENT |
| moved | `petitions/rules.py:review_working_days`, DAUYS_PETITION_MODERATION_WORKING_DAYS |
| gone file | `petitions/nowhere.py:threshold` |
| gone name | `petitions/rules.py:no_such_rule` |
| gone method | `kernel/lifecycle.py:Lifecycle.no_such_move` |
| method | `kernel/lifecycle.py:Lifecycle.move`, attribute `budgeting/models.py:BudgetCycle.amount` |
| tuple | `kernel/instants.py:LAST_YEAR` |
| folder | `kernel/`, `no_such_folder/` |
| slip | `petitions/rules.py:threshold()` |
| outside | `../shared/DOMAIN.md`, not code: `petition.threshold_reached`, `fractions.Fraction`, `1/64` |
| dotted | `auth.eds.verify` |
| setting | DAUYS_NO_SUCH_SETTING |

```
`petitions/fenced.py:not_checked`
```
"""


def test_the_checker_finds_each_kind_of_broken_reference():
    refs, malformed = references(SAMPLE)
    assert [ref.text for ref in refs] == [
        "petitions/rules.py:threshold",
        "petitions/rules.py:review_working_days",
        "petitions/nowhere.py:threshold",
        "petitions/rules.py:no_such_rule",
        "kernel/lifecycle.py:Lifecycle.no_such_move",
        "kernel/lifecycle.py:Lifecycle.move",
        "budgeting/models.py:BudgetCycle.amount",
        "kernel/instants.py:LAST_YEAR",
        "kernel/",
        "no_such_folder/",
    ]
    assert malformed == [
        "line 12: `petitions/rules.py:threshold()` is not `path:name` or `path:Class.name`",
        "line 14: `auth.eds.verify` is not `path:name` or `path:Class.name`",
    ]
    problems = unresolved(refs)
    assert problems == [
        "line 6: `petitions/nowhere.py:threshold`: no file petitions/nowhere.py",
        "line 7: `petitions/rules.py:no_such_rule`: petitions/rules.py defines no no_such_rule",
        "line 8: `kernel/lifecycle.py:Lifecycle.no_such_move`: kernel/lifecycle.py defines no Lifecycle.no_such_move",
        "line 11: `no_such_folder/`: no folder no_such_folder/",
    ]
    assert unknown_settings(SAMPLE) == ["line 15: DAUYS_NO_SUCH_SETTING is not a key of config.DEFAULTS"]
    assert settings_not_read_where_said(SAMPLE) == [
        "line 5 (moved): DAUYS_PETITION_MODERATION_WORKING_DAYS is read by none of `petitions/rules.py:review_working_days`"
    ]
