"""auth.access.CONSOLE, the operator at the server's console, may do any official act: so only a command
line may pass it. No page, endpoint, job or service names it."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.test_import_graph import ROOT, module_files


def names_console(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(
        (isinstance(node, ast.Name) and node.id == "CONSOLE")
        or (isinstance(node, ast.Attribute) and node.attr == "CONSOLE")
        or (isinstance(node, ast.alias) and node.name == "CONSOLE")
        for node in ast.walk(tree)
    )


def test_only_command_lines_act_as_the_console():
    users = sorted(
        module for module, path in module_files(ROOT).items()
        if module.split(".")[0] != "tests" and names_console(path)
    )
    assert "budgeting.cli" in users  # the finder finds the one that does
    wrong = [module for module in users if module != "auth.access" and not module.endswith(".cli")]
    assert not wrong, f"only a command line may act as the console: {wrong}"
