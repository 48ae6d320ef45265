"""The import graph of the repository: no circles, and a kernel that imports no feature.

Every first-party .py file is parsed (nothing is imported), and every import in it is an edge,
at module level or inside a function alike: an import hidden in a function still ties the two
modules together, it only postpones the failure. `from x import y` is an edge to `x.y` when that is
a module of ours, else to `x`; `import x.y` is an edge to `x.y`. Names are read from the repository
root, as the app, the tests and the worker import them. An edge goes to the module named, not to the
packages above it: their `__init__.py` runs too, but holds no import that could close a circle here
(a function-level `init_app` import from a package is an edge of that package's module, and is
counted).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIPPED_FOLDERS = {".venv", "venv", "build", "instance", "node_modules", "__pycache__", "static", "templates", "translations"}

FEATURES = {"auth", "petitions", "budgeting", "audit", "notifications", "workers", "publiclog", "verification"}
# What the kernel may import of ours: itself, the unbound extension handles and the configuration.
KERNEL_MAY_IMPORT = {"kernel", "extensions", "config"}
# The app's plumbing at the top level, which features import: below the features, like the kernel.
PLATFORM_MODULES = (
    "config", "extensions", "i18n", "jsonapi", "request_bodies", "openapi", "home", "web", "web.clock", "web.forms",
    "web.formats", "web.headers",
)
# Kernel modules that stay pure: no database, no web framework, no clock (time is a parameter).
PURE_KERNEL_MODULES = (
    "kernel.charts",
    "kernel.digests",
    "kernel.disclosure",
    "kernel.errors",
    "kernel.kazakhstan_time",
    "kernel.local_formats",
    "kernel.strict_json",
    "kernel.text_checks",
    "kernel.visible_text",
    "kernel.working_days",
)
IMPURE_IMPORTS = {"extensions", "flask", "flask_sqlalchemy", "sqlalchemy", "psycopg", "redis", "rq"}
CLOCK_READS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
               ("time", "time"), ("time", "monotonic"), ("time", "perf_counter")}

Graph = Mapping[str, set[str]]


# --- reading the repository ---------------------------------------------------------------------


def module_files(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file under `root` outside hidden and generated folders."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if any(part.startswith(".") or part in SKIPPED_FOLDERS for part in parts[:-1]):
            continue
        names = list(path.relative_to(root).with_suffix("").parts)
        if names[-1] == "__init__":
            names.pop()
        if names:
            found[".".join(names)] = path
    return found


def _nearest_module(name: str, modules: Iterable[str]) -> str | None:
    """`name` if it is one of ours, else the longest package of ours it lies in, else None (not ours)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _imported_from(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module a `from … import` reads (relative imports resolved against `module`)."""
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports_of(module: str, path: Path, modules: Mapping[str, Path]) -> set[str]:
    """The modules of ours that `module` imports anywhere in its file."""
    edges: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [_nearest_module(alias.name, modules) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = _imported_from(node, module, path.name == "__init__.py")
            targets = [
                f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else _nearest_module(source, modules)
                for alias in node.names
            ]
        else:
            continue
        edges.update(target for target in targets if target is not None)
    edges.discard(module)
    return edges


def import_graph(root: Path) -> dict[str, set[str]]:
    modules = module_files(root)
    return {module: imports_of(module, path, modules) for module, path in modules.items()}


# --- circles ------------------------------------------------------------------------------------


def strongly_connected(graph: Graph) -> list[list[str]]:
    """Tarjan's strongly connected components of more than one module, each sorted, iteratively
    (a deep chain of imports must not hit Python's recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph.get(successor, ())))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return sorted(found)


def one_circle(graph: Graph, component: list[str]) -> list[str]:
    """A shortest circle through the first module of `component`, as a path that ends where it starts."""
    members = set(component)
    start = component[0]
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for successor in sorted(graph.get(node, ())):
                if successor == start:
                    path = [start]
                    while node != start:
                        path.append(node)
                        node = came_from[node]
                    return [start, *reversed(path[1:]), start]
                if successor in members and successor not in came_from:
                    came_from[successor] = node
                    following.append(successor)
        frontier = following
    raise AssertionError(f"{component} is not strongly connected")


def describe_circles(graph: Graph) -> list[str]:
    return [
        f"{len(component)} modules import one another ({', '.join(component)}), e.g. "
        + " -> ".join(one_circle(graph, component))
        for component in strongly_connected(graph)
    ]


# --- the repository's rules ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph(ROOT)


def test_no_module_imports_itself_round_a_circle(graph):
    circles = describe_circles(graph)
    assert not circles, "import circles (break them by moving code to where it belongs):\n" + "\n".join(circles)


def test_the_kernel_imports_no_feature(graph):
    assert "kernel" in graph, "the kernel package is missing"
    wrong = sorted(
        f"{module} imports {target}" + (" (a feature)" if target.split(".")[0] in FEATURES else "")
        for module, targets in graph.items()
        if module == "kernel" or module.startswith("kernel.")
        for target in targets
        if target.split(".")[0] not in KERNEL_MAY_IMPORT
    )
    assert not wrong, f"the kernel imports only {sorted(KERNEL_MAY_IMPORT)} of ours:\n" + "\n".join(wrong)


def test_the_platform_modules_import_no_feature(graph):
    wrong = sorted(
        f"{module} imports {target}"
        for module in PLATFORM_MODULES
        for target in graph[module]
        if target.split(".")[0] in FEATURES | {"factory", "openapi", "wsgi"}
    )
    assert not wrong, "\n".join(wrong)


def test_pure_kernel_modules_touch_neither_the_database_nor_the_clock():
    modules = module_files(ROOT)
    wrong = []
    for module in PURE_KERNEL_MODULES:
        tree = ast.parse(modules[module].read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                if (node.value.id, node.attr) in CLOCK_READS:
                    wrong.append(f"{module} reads the clock: {node.value.id}.{node.attr}")
                continue
            else:
                continue
            wrong += [f"{module} imports {name}" for name in names if name.split(".")[0] in IMPURE_IMPORTS]
    assert not wrong, "\n".join(wrong)


# --- the finder itself, on graphs whose answer is known ----------------------------------------


def test_the_cycle_finder_finds_every_circle_and_nothing_else():
    graph = {
        "a": {"b"}, "b": {"c"}, "c": {"a", "d"},  # a circle of three, with a way out to d
        "d": {"e"}, "e": set(),                     # a chain: no circle
        "f": {"g"}, "g": {"f"},                     # a circle of two
        "h": {"h"},                                 # a self-import is not a circle of modules
        "i": {"a"},                                 # leads into a circle without being in it
    }
    assert strongly_connected(graph) == [["a", "b", "c"], ["f", "g"]]
    assert one_circle(graph, ["a", "b", "c"]) == ["a", "b", "c", "a"]
    assert one_circle(graph, ["f", "g"]) == ["f", "g", "f"]
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_the_cycle_finder_reports_the_shortest_circle_of_a_tangle():
    graph = {"a": {"b", "x"}, "b": {"c"}, "c": {"d"}, "d": {"a"}, "x": {"a"}}
    assert strongly_connected(graph) == [["a", "b", "c", "d", "x"]]
    assert one_circle(graph, ["a", "b", "c", "d", "x"]) == ["a", "x", "a"]


def test_the_cycle_finder_survives_a_chain_deeper_than_the_recursion_limit():
    depth = 5000
    graph = {f"m{i}": {f"m{i + 1}"} for i in range(depth)} | {f"m{depth}": {"m0"}}
    assert len(strongly_connected(graph)[0]) == depth + 1


def test_the_graph_counts_function_level_imports_and_submodules(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text('"""A package."""\n')
    (tmp_path / "pkg" / "low.py").write_text("def late():\n    from pkg.high import thing\n    return thing\n")
    (tmp_path / "pkg" / "high.py").write_text("from pkg import low\n\nthing = 1\n")
    (tmp_path / "pkg" / "side.py").write_text("from . import low\nfrom .high import thing\nimport json\n")
    (tmp_path / "top.py").write_text("import pkg.side\nfrom pkg import nothing_here\n")
    graph = import_graph(tmp_path)
    assert graph == {
        "pkg": set(),
        "pkg.high": {"pkg.low"},          # `from pkg import low` names the submodule
        "pkg.low": {"pkg.high"},          # an import inside a function is an edge too
        "pkg.side": {"pkg.low", "pkg.high"},  # relative imports resolved; json is not ours
        "top": {"pkg.side", "pkg"},       # a name that is no submodule is an edge to the package
    }
    assert describe_circles(graph) == ["2 modules import one another (pkg.high, pkg.low), e.g. pkg.high -> pkg.low -> pkg.high"]
