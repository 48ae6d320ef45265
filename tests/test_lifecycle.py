"""Every move of a petition, a budget proposal or a budget cycle goes through its lifecycle table.

(a) No code outside kernel/lifecycle.py writes a lifecycle column: every non-test .py file of the
    repository is parsed (nothing is imported) and each write is reported as file:line.
(b) The proposal's and the cycle's tables, every (state, action) pair, against a copy written out
    by hand (the petition's is tests/petitions/test_transitions.py; the services and the tick on
    real rows are tests/budgeting/test_transitions.py).
(c) The ORM guard refuses an assignment the table does not make, for each kind; `Lifecycle.update`
    refuses an ambiguous action and a state in its values.
(d) Editing a table changes what the services and the jobs do: the table is the only source.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, update

from budgeting.lifecycle import CYCLE, PROPOSAL, reaching
from budgeting.models import BudgetCycle, Proposal
from kernel.errors import DomainError
from kernel.lifecycle import Lifecycle
from petitions.lifecycle import PETITION
from petitions.models import Petition

ROOT = Path(__file__).resolve().parents[1]
# bench/ fills its databases with history in SQL, as tests and migrations do: not the app moving a document
SKIPPED_FOLDERS = {".venv", "venv", "migrations", "tests", "bench", "build", "node_modules", "__pycache__"}
THE_KERNEL = "kernel/lifecycle.py"

# Each document kind: its model, its table. A new model with a state column joins this list or
# NOT_DOCUMENTS (test_every_state_column_is_a_lifecycle_or_named_as_none).
KINDS = ((Petition, PETITION), (Proposal, PROPOSAL), (BudgetCycle, CYCLE))
DOCUMENT_CLASSES = {model.__name__ for model, _ in KINDS}
DOCUMENT_TABLES = {model.__tablename__ for model, _ in KINDS}
COLUMNS = {name for _, lifecycle in KINDS for name in (lifecycle.column, lifecycle.db_column)}
STATES = {state for _, lifecycle in KINDS for state in lifecycle.states}

# A column named `state` that is no document's lifecycle: an e-mail's delivery attempts
# (notifications/models.py; pending -> sending -> sent or failed), which the mail job drives. Its
# writes are named one by one, so a `.state` written anywhere else still fails the scan.
NOT_DOCUMENTS = {"EmailDelivery"}
NOT_DOCUMENT_TARGETS = {("workers/jobs.py", "delivery.state")}


# --- (a) the scan -------------------------------------------------------------------------------

_WRITE_CALLS = {"values", "update", "insert"}
_SQL_UPDATE = re.compile(
    r"\bUPDATE\s+\"?(\w+)\"?\s+SET\s+((?:(?!\b(?:WHERE|FROM|RETURNING)\b)[^;])*)", re.IGNORECASE | re.DOTALL
)
_SQL_INSERT = re.compile(r"\bINSERT\s+INTO\s+\"?(\w+)\"?\s*\(([^)]*)\)", re.IGNORECASE)
_SQL_COLUMN = re.compile(r"\b\"?(state|phase)\"?\s*(=|,|$)", re.IGNORECASE)


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _model(node: ast.AST) -> str | None:
    """`X` of `X` or `X.__table__`."""
    if isinstance(node, ast.Attribute) and node.attr == "__table__":
        node = node.value
    return _name(node)


def _statement_model(node: ast.AST) -> str | None:
    """The model a write chain writes: update(X)…, insert(X)…, X.__table__.update()…; else None."""
    while True:
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in ("update", "insert") and node.args:
                return _model(node.args[0])
            if not isinstance(func, ast.Attribute):
                return None
            if func.attr in ("update", "insert") and isinstance(func.value, ast.Attribute) and func.value.attr == "__table__":
                return _model(func.value)
            node = func.value
        elif isinstance(node, ast.Attribute):
            node = node.value
        else:
            return None


def _dict_keys(node: ast.AST) -> list[str]:
    """The lifecycle columns a dict literal (or a list of them, or dict(...)) names as keys."""
    if isinstance(node, ast.Dict):
        return [k.value for k in node.keys if isinstance(k, ast.Constant) and k.value in COLUMNS]
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [key for element in node.elts for key in _dict_keys(element)]
    if isinstance(node, ast.Call) and _name(node.func) == "dict":
        return [k.arg for k in node.keywords if k.arg in COLUMNS]
    return []


def _written_keys(call: ast.Call, args: list[ast.AST]) -> list[str]:
    keys = [k.arg for k in call.keywords if k.arg in COLUMNS]
    keys += [key for k in call.keywords if k.arg is None for key in _dict_keys(k.value)]
    return keys + [key for arg in args for key in _dict_keys(arg)]


def _targets(node: ast.AST) -> Iterator[ast.AST]:
    if isinstance(node, ast.Tuple | ast.List):
        for element in node.elts:
            yield from _targets(element)
    elif isinstance(node, ast.Starred):
        yield from _targets(node.value)
    else:
        yield node


class _Writes(ast.NodeVisitor):
    def __init__(self, path: str, tree: ast.AST):
        self.path, self.found = path, []
        self.lifecycles: set[str] = set()  # names bound from a lifecycle module: PETITION, CYCLE …
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").rpartition(".")[2] == "lifecycle":
                self.lifecycles |= {alias.asname or alias.name for alias in node.names}
        self.visit(tree)

    def report(self, node: ast.AST, what: str) -> None:
        self.found.append(f"{self.path}:{node.lineno}: {what}")

    def target(self, node: ast.AST | None) -> None:
        for target in _targets(node) if node is not None else ():
            if isinstance(target, ast.Attribute) and target.attr in COLUMNS:
                if (self.path, ast.unparse(target)) not in NOT_DOCUMENT_TARGETS:
                    self.report(target, f"assigns {ast.unparse(target)}")

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self.target(target)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.target(node.target)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.target(node.target)
        self.generic_visit(node)

    def visit_For(self, node: ast.For) -> None:
        self.target(node.target)
        self.generic_visit(node)

    def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
        self.target(node.target)
        self.generic_visit(node)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        self.target(node.target)
        self.generic_visit(node)

    def visit_withitem(self, node: ast.withitem) -> None:
        self.target(node.optional_vars)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self.target(target)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = _name(node.func)
        if name in ("setattr", "__setattr__") and len(node.args) >= 2:
            column = node.args[1]
            if isinstance(column, ast.Constant) and column.value in COLUMNS:
                self.report(node, f"{name}(…, {column.value!r}, …)")
        if name in _WRITE_CALLS:
            keys = _written_keys(node, node.args)
            if keys and _statement_model(node) not in NOT_DOCUMENTS:
                self.report(node, f"writes {', '.join(sorted(set(keys)))} in {name}(…)")
        if name == "execute" and node.args and _name(node.args[0].func if isinstance(node.args[0], ast.Call) else node.args[0]) in _WRITE_CALLS:
            keys = _written_keys(node, node.args[1:])
            if keys and _statement_model(node.args[0]) not in NOT_DOCUMENTS:
                self.report(node, f"writes {', '.join(sorted(set(keys)))} in the rows of execute(…)")
        if name in DOCUMENT_CLASSES:
            for keyword in node.keywords:
                if keyword.arg in COLUMNS and not self.initial(keyword.value):
                    self.report(node, f"makes a {name} with {keyword.arg}= not a lifecycle's .initial")
        elif name not in _WRITE_CALLS | {"filter_by"} | NOT_DOCUMENTS:
            # a state written out by hand and handed on, e.g. to a helper that puts it in .values(**kw)
            for keyword in node.keywords:
                if keyword.arg in COLUMNS and isinstance(keyword.value, ast.Constant) and keyword.value.value in STATES:
                    self.report(node, f"hands {keyword.arg}={keyword.value.value!r} to {name}(…)")
        self.generic_visit(node)

    def initial(self, value: ast.AST) -> bool:
        """`PETITION.initial` and the like: the state the lifecycle module says a new row is made in."""
        return isinstance(value, ast.Attribute) and value.attr == "initial" and _name(value.value) in self.lifecycles

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            for table, assignments in _SQL_UPDATE.findall(node.value):
                if table.lower() in DOCUMENT_TABLES and _SQL_COLUMN.search(assignments):
                    self.report(node, f"SQL that sets the lifecycle column of {table}")
            for table, columns in _SQL_INSERT.findall(node.value):
                if table.lower() in DOCUMENT_TABLES and _SQL_COLUMN.search(columns):
                    self.report(node, f"SQL that inserts {table} with its lifecycle column")


def lifecycle_writes(source: str, path: str) -> list[str]:
    """Every write of a lifecycle column in `source`, as "path:line: what"."""
    return _Writes(path, ast.parse(source, filename=path)).found


def source_files() -> Iterator[tuple[str, Path]]:
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if any(part.startswith(".") or part in SKIPPED_FOLDERS for part in relative.parts[:-1]):
            continue
        yield relative.as_posix(), path


def repository_writes() -> dict[str, list[str]]:
    return {
        name: found
        for name, path in source_files()
        if name != THE_KERNEL and (found := lifecycle_writes(path.read_text(encoding="utf-8"), name))
    }


def test_no_code_outside_the_kernel_writes_a_lifecycle_column():
    files = [name for name, _ in source_files()]
    assert {"budgeting/services.py", "petitions/jobs.py", THE_KERNEL} <= set(files)  # the scan reads the code
    writes = [line for found in repository_writes().values() for line in found]
    assert writes == [], "move it through its lifecycle (kernel/lifecycle.py):\n" + "\n".join(writes)


SCANNED = '''\
from budgeting.lifecycle import PROPOSAL
from petitions.lifecycle import PETITION as P
petition.state = "open"
proposal.state, proposal.cost = "eligible", 1
cycle.announced_phase += "x"
first, *rest.phase = pair
setattr(cycle, "phase", "results")
db.session.execute(update(Petition).where(Petition.id == 1).values(state="closed"))
db.session.execute(update(Proposal).values({"state": "eligible"}))
Petition.__table__.update().values(**{"phase": "x"})
db.session.execute(insert(Proposal), [{"id": 1, "state": "eligible"}])
PETITION.update(Petition, "close", state="closed")
Petition(title="t", state="draft")
Proposal(state=PROPOSAL.states[2])
BudgetCycle(announced_phase=phase)
db.session.execute(text("UPDATE petition SET closed_at = now(), state = 'closed' WHERE id = 1"))
INSERT = "INSERT INTO budget_cycle (id, phase) VALUES (1, 'voting')"
for row.state in rows: pass
_conditional_moves(ids, "open", now, state="closed", closed_at=now)
# --- none of these writes a lifecycle column ---
if petition.state == "open" and cycle.phase_at(now) == "voting": pass
Petition(title="t", state=P.initial)
Proposal(state=PROPOSAL.initial)
db.session.execute(update(EmailDelivery).values(state="sending"))
db.session.execute(PETITION.update(Petition, "close", Petition.id == 1, closed_at=now))
select(Petition).where(Petition.state == "open").filter_by(state="open")
render_template("show.html", phase=cycle.phase_at(now), state=state)
EmailDelivery(state="pending")
SQL = "UPDATE petition_counter SET count = 0 WHERE petition.state = 'open'"
'''


def test_the_scan_reports_each_kind_of_write_by_file_and_line():
    found = lifecycle_writes(SCANNED, "example.py")
    lines = SCANNED.splitlines()
    assert [int(line.split(":")[1]) for line in found] == list(range(3, 20)), "\n".join(found)
    assert all(line.startswith("example.py:") for line in found)
    assert lines[19].startswith("# --- none")  # below it, nothing is reported
    # the e-mail's delivery state is allowed where it is written, not in any other file
    assert lifecycle_writes("delivery.state = 'sent'\n", "workers/jobs.py") == []
    assert lifecycle_writes("delivery.state = 'sent'\n", "budgeting/jobs.py") == ["budgeting/jobs.py:1: assigns delivery.state"]


def test_every_state_column_is_a_lifecycle_or_named_as_none():
    import importlib

    from extensions import db

    for name, _ in source_files():
        if name.endswith("models.py"):
            importlib.import_module(name.removesuffix(".py").replace("/", "."))
    for model, lifecycle in KINDS:
        assert model.__table__.c[lifecycle.db_column] is getattr(model, lifecycle.column).property.columns[0]
    columns_of = {
        mapper.class_.__name__: {column.name for column in mapper.columns} | set(mapper.attrs.keys())
        for mapper in db.Model.registry.mappers
    }
    with_state = {name for name, columns in columns_of.items() if columns & COLUMNS}
    assert with_state == DOCUMENT_CLASSES | NOT_DOCUMENTS


def test_the_checks_are_the_migrations_to_the_byte():
    """The model's CHECK comes from the table; the database's was written by the migration: equal."""
    migrations = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "migrations" / "versions").glob("*.py"))
    for model, lifecycle in KINDS:
        [check] = [c for c in model.__table__.constraints if c.name == f"ck_{model.__tablename__}_{lifecycle.db_column}"]
        assert f'sa.CheckConstraint("{check.sqltext}", name=op.f(\'{check.name}\'))' in migrations
        assert str(check.sqltext) == f"{lifecycle.db_column} IN (" + ",".join(f"'{s}'" for s in lifecycle.states) + ")"


# --- (b) the tables, written out by hand --------------------------------------------------------

PROPOSAL_STATES = ("draft", "submitted", "eligible", "ineligible")
PROPOSAL_ACTIONS = ("find_eligible", "find_ineligible", "submit")
PROPOSAL_EXPECTED = {
    ("draft", "submit"): "submitted",
    ("submitted", "find_eligible"): "eligible",
    ("submitted", "find_ineligible"): "ineligible",
    ("eligible", "find_eligible"): "eligible",
    ("eligible", "find_ineligible"): "ineligible",
    ("ineligible", "find_eligible"): "eligible",
    ("ineligible", "find_ineligible"): "ineligible",
}
PHASES = ("scheduled", "proposals", "screening", "voting", "counting", "results")
CYCLE_ACTIONS = ("close_proposals", "close_voting", "open_proposals", "open_voting", "publish")
# each action reaches one phase, from any phase before it (a missed tick jumps); never back
CYCLE_EXPECTED = {
    ("scheduled", "open_proposals"): "proposals",
    ("scheduled", "close_proposals"): "screening",
    ("proposals", "close_proposals"): "screening",
    ("scheduled", "open_voting"): "voting",
    ("proposals", "open_voting"): "voting",
    ("screening", "open_voting"): "voting",
    ("scheduled", "close_voting"): "counting",
    ("proposals", "close_voting"): "counting",
    ("screening", "close_voting"): "counting",
    ("voting", "close_voting"): "counting",
    ("scheduled", "publish"): "results",
    ("proposals", "publish"): "results",
    ("screening", "publish"): "results",
    ("voting", "publish"): "results",
    ("counting", "publish"): "results",
}
TABLES = (
    (PROPOSAL, PROPOSAL_STATES, PROPOSAL_ACTIONS, PROPOSAL_EXPECTED),
    (CYCLE, PHASES, CYCLE_ACTIONS, CYCLE_EXPECTED),
)


def test_states_and_actions_are_the_published_ones():
    assert (PROPOSAL.kind, PROPOSAL.column, PROPOSAL.db_column, PROPOSAL.initial) == ("proposal", "state", "state", "draft")
    assert (CYCLE.kind, CYCLE.column, CYCLE.db_column, CYCLE.initial) == ("cycle", "announced_phase", "phase", "scheduled")
    for lifecycle, states, actions, _ in TABLES:
        assert (lifecycle.states, lifecycle.actions) == (states, actions)
    assert [reaching(phase) for phase in PHASES] == [None, "open_proposals", "close_proposals", "open_voting", "close_voting", "publish"]


@pytest.mark.parametrize(
    ("lifecycle", "state", "action", "expected"),
    [
        pytest.param(lifecycle, state, action, expected.get((state, action)), id=f"{lifecycle.kind}-{state}-{action}")
        for lifecycle, states, actions, expected in TABLES
        for state in states
        for action in actions
    ],
)
def test_next_follows_the_table_and_refuses_everything_else(lifecycle, state, action, expected):
    assert lifecycle.allows(state, action) is (expected is not None)
    if expected is not None:
        assert lifecycle.next(state, action) == expected
    else:
        with pytest.raises(DomainError) as refused:
            lifecycle.next(state, action)
        assert (refused.value.code, refused.value.status) == ("wrong_state", 409)


def test_a_cycle_never_moves_back():
    for (phase, _action), new in CYCLE.moves.items():
        assert PHASES.index(new) > PHASES.index(phase)


# --- (c) the guard and the conditional UPDATE ---------------------------------------------------

DISTRICT, VILLAGE = "113243000", "113243100"


def _cycle(db, announced: str, at: datetime, year: int = 2030, opens: timedelta = timedelta(days=-1)) -> BudgetCycle:
    """A cycle made directly in `announced`, its proposals opened at `at + opens` (a test's setup)."""
    day = timedelta(days=1)
    cycle = BudgetCycle(
        kato=DISTRICT, year=year, amount=1_000_000, ballot="approval", rule="greedy", created_at=at - 10 * day,
        proposals_open=at + opens, proposals_close=at + opens + 2 * day, voting_open=at + opens + 3 * day,
        voting_close=at + opens + 4 * day, announced_phase=announced,
    )
    db.session.add(cycle)
    db.session.commit()
    return cycle


def _proposal(db, cycle: BudgetCycle, author_iin: str, state: str, at: datetime) -> Proposal:
    proposal = Proposal(
        cycle_id=cycle.id, author_iin=author_iin, title="Көше жарығы", description="Орталық көшеге шам орнату керек.",
        category="lighting", settlement=VILLAGE, cost=300_000, state=state, digest="sha256:" + "0" * 64,
        created_at=at, submitted_at=None if state == "draft" else at, screened_at=None,
        checked_cost=300_000 if state == "eligible" else None,
        ineligible_reason="Жер телімі жоқ" if state == "ineligible" else None,
    )
    db.session.add(proposal)
    db.session.commit()
    return proposal


def _stored(db, model, row_id: int, column: str) -> str:
    db.session.rollback()
    return db.session.execute(select(model.__table__.c[column]).where(model.__table__.c.id == row_id)).scalar_one()


def test_the_orm_guard_refuses_an_assignment_the_table_does_not_make(app, make_citizen):
    from extensions import db
    from tests.petitions.test_transitions import make_petition

    now = datetime.now(UTC)
    author = make_citizen(kato=VILLAGE)
    cycle = _cycle(db, "proposals", now, year=2040)
    years = iter(range(2041, 2050))
    rows = {  # how to make one, the state it is made in, an assignment the table lacks, one it has
        Petition: (lambda: make_petition("draft", author.iin, now), "draft", "open", "moderation"),
        Proposal: (lambda: _proposal(db, cycle, author.iin, "draft", now), "draft", "eligible", "submitted"),
        BudgetCycle: (lambda: _cycle(db, "voting", now, year=next(years)), "voting", "proposals", "counting"),
    }
    for model, lifecycle in KINDS:
        make, made_in, skipping, allowed = rows[model]
        for loaded in (False, True):  # the row as a commit leaves it (expired), or read since
            row = make()
            [row_id] = inspect(row).identity  # without loading the row
            if loaded:
                assert getattr(row, lifecycle.column) == made_in
            setattr(row, lifecycle.column, skipping)
            with pytest.raises(DomainError) as refused:
                db.session.flush()
            assert refused.value.code == "wrong_state", (model, loaded)
            assert _stored(db, model, row_id, lifecycle.db_column) == made_in, (model, loaded)
        setattr(row, lifecycle.column, allowed)  # a pair the table has: the guard lets it through
        db.session.commit()
        assert _stored(db, model, row_id, lifecycle.db_column) == allowed, model

    for model, lifecycle in KINDS:  # and a new row in a state the kind does not have
        db.session.add(model(**{lifecycle.column: "approved"}))
        with pytest.raises(DomainError) as refused:
            db.session.flush()
        assert refused.value.code == "wrong_state", model
        db.session.rollback()


def test_update_refuses_an_ambiguous_action_and_a_state_in_its_values():
    with pytest.raises(ValueError, match="name the state it starts from"):
        PETITION.update(Petition, "sign")  # restricted -> restricted, open -> open
    PETITION.update(Petition, "sign", from_state="open")
    with pytest.raises(DomainError):
        PROPOSAL.update(Proposal, "find_eligible", from_state="draft")
    for lifecycle, model, column in ((PETITION, Petition, "state"), (PROPOSAL, Proposal, "state"),
                                     (CYCLE, BudgetCycle, "announced_phase"), (CYCLE, BudgetCycle, "phase")):
        with pytest.raises(ValueError, match="the table's to set"):
            lifecycle.update(model, lifecycle.actions[0], from_state=lifecycle.sources(lifecycle.actions[0])[0], **{column: "x"})
    sql = str(CYCLE.update(BudgetCycle, "open_voting", BudgetCycle.id == 1).compile())
    assert "SET phase=" in sql and "budget_cycle.phase IN" in sql
    ambiguous = Lifecycle("toy", "state", ("a", "b", "c"), {("a", "go"): "b", ("b", "go"): "c"})
    with pytest.raises(ValueError):
        ambiguous.update(Petition, "go")


def test_a_new_row_starts_in_a_state_of_its_kind_and_only_once(app, territories):
    from extensions import db

    cycle = BudgetCycle()
    assert CYCLE.start(cycle) == "scheduled" and cycle.announced_phase == "scheduled"
    assert CYCLE.start(cycle, "voting") == "voting"
    with pytest.raises(ValueError):
        CYCLE.start(cycle, "tallying")
    written = _cycle(db, "proposals", datetime.now(UTC))
    with pytest.raises(ValueError, match="only by a move"):
        CYCLE.start(written, "scheduled")
    with pytest.raises(ValueError):
        Lifecycle("toy", "state", ("a",), {}, initial="z")


# --- (d) the table is the only source -----------------------------------------------------------


@pytest.fixture
def screening(app, make_citizen):
    """A cycle in its proposals phase, an officer of its rural district, a resident's proposal maker."""
    from auth.services import account_for, grant_role
    from extensions import db

    now = datetime.now(UTC)
    officer, author = make_citizen(kato=DISTRICT), make_citizen(kato=VILLAGE)
    grant_role(officer.iin, "budget_officer", DISTRICT, now)
    cycle = _cycle(db, "proposals", now)
    user = account_for(officer.iin, now)
    db.session.commit()
    officer.official("budget_officer")
    return (user, officer), lambda state: _proposal(db, cycle, author.iin, state, now)


def _screen(officer, proposal: Proposal, eligible: bool) -> None:
    """The officer's (account, keys) signed screening act: eligible, or not with a reason."""
    from budgeting import services
    from tests.budgeting.conftest import screen_jws

    user, keys = officer
    reason = {} if eligible else {"reason": "Жер телімі жоқ"}
    services.screen(proposal, user, screen_jws(keys, proposal.signed_doc(), eligible, **reason), datetime.now(UTC))


def test_a_move_taken_out_of_the_table_is_refused_by_the_service(screening, monkeypatch):
    from extensions import db

    officer, make = screening
    monkeypatch.delitem(PROPOSAL.moves, ("submitted", "find_eligible"))
    proposal = make("submitted")
    with pytest.raises(DomainError) as refused:
        _screen(officer, proposal, True)
    assert refused.value.code == "wrong_state"
    assert _stored(db, Proposal, proposal.id, "state") == "submitted"
    _screen(officer, proposal, False)  # the move left in the table still works
    db.session.commit()
    assert _stored(db, Proposal, proposal.id, "state") == "ineligible"

    monkeypatch.undo()
    proposal = make("submitted")
    _screen(officer, proposal, True)
    db.session.commit()
    assert _stored(db, Proposal, proposal.id, "state") == "eligible"


def test_a_move_put_into_the_table_is_made_by_the_service_and_let_through_by_the_guard(screening, monkeypatch):
    from extensions import db

    officer, make = screening
    draft = make("draft")
    with pytest.raises(DomainError):
        _screen(officer, draft, True)
    db.session.rollback()
    monkeypatch.setitem(PROPOSAL.moves, ("draft", "find_eligible"), "eligible")
    _screen(officer, draft, True)
    db.session.commit()
    assert _stored(db, Proposal, draft.id, "state") == "eligible"


def test_the_tick_and_the_lapse_job_follow_the_table(app, make_citizen, monkeypatch):
    from budgeting.jobs import tick
    from extensions import db
    from kernel.kazakhstan_time import local_date
    from petitions import jobs
    from tests.petitions.test_transitions import make_petition
    from workers.outbox import OutboxEvent

    now = datetime.now(UTC)
    cycle = _cycle(db, "scheduled", now)  # its proposals opened yesterday
    monkeypatch.delitem(CYCLE.moves, ("scheduled", "open_proposals"))
    assert tick(now.isoformat())["moved"] == 0
    assert _stored(db, BudgetCycle, cycle.id, "phase") == "scheduled"
    monkeypatch.undo()
    assert tick(now.isoformat())["moved"] == 1
    assert _stored(db, BudgetCycle, cycle.id, "phase") == "proposals"
    assert db.session.scalar(select(func.count(OutboxEvent.id)).where(OutboxEvent.event == "budget.phase_changed")) == 1

    app.config.update(PETITION_RESTRICTED_SUPPORTERS=2)
    petition = make_petition("restricted", make_citizen().iin, now, restricted_until=local_date(now) - timedelta(days=1))
    monkeypatch.delitem(PETITION.moves, ("restricted", "lapse"))
    assert jobs.lapse_restricted(now, local_date(now)) == 0
    assert _stored(db, Petition, petition.id, "state") == "restricted"
    monkeypatch.undo()
    assert jobs.lapse_restricted(now, local_date(now)) == 1
    assert _stored(db, Petition, petition.id, "state") == "lapsed"


def test_a_raw_update_of_the_column_is_not_guarded_so_the_scan_forbids_it(app, territories):
    """Why (a) exists: a Core UPDATE goes round the ORM guard; only the scan keeps it out of the code."""
    from extensions import db

    cycle = _cycle(db, "voting", datetime.now(UTC))
    db.session.execute(update(BudgetCycle.__table__).where(BudgetCycle.id == cycle.id).values(phase="scheduled"))
    db.session.commit()
    assert _stored(db, BudgetCycle, cycle.id, "phase") == "scheduled"
    assert lifecycle_writes('db.session.execute(update(BudgetCycle.__table__).values(phase="scheduled"))\n', "x.py")
