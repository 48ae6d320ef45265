"""A document's lifecycle: one table of allowed moves, and the only ways to make one.

Each document kind (a petition, a budget proposal, a budget cycle) declares one `Lifecycle`: its
states and a table `(state, action) -> new state`. Everything else derives from that table:

- `start(obj, state=None)`, for a new row: its first state (`initial`, or one of `states` checked);
- `move(obj, action)`, for an object in hand: the guarded method its model's methods call;
- `update(model, action, ...)`, a conditional UPDATE for the hot path and the jobs: it changes
  only a row still in a state the action may leave, so of many concurrent callers exactly one
  moves it (`rowcount` says which);
- `sources(action)`, the states an action may start from (what a query or a page asks);
- `check_constraint()`, the column's CHECK, so the database knows the same list of states;
- `guard(model)`, an ORM hook refusing a flush that changes the column by any other path.

Editing the table is the only way to change what may happen: `tests/test_lifecycle.py` proves
that no code outside this module writes a lifecycle column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import CheckConstraint, event, inspect, update
from sqlalchemy.sql.dml import Update

from kernel.errors import DomainError


@dataclass(frozen=True)
class Lifecycle:
    """The states of one document kind, the moves between them, and the column that holds them.

    `column` is the model's attribute; `db_column` the column's name in the database when the
    attribute is named otherwise (a cycle's `announced_phase` is stored in `phase`). `initial` is
    the state a new row is made in (by default the first of `states`).
    """

    kind: str
    column: str
    states: tuple[str, ...]
    moves: Mapping[tuple[str, str], str]
    initial: str = ""
    db_column: str = ""
    actions: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        unknown = {s for s, _ in self.moves} | set(self.moves.values())
        unknown -= set(self.states)
        if unknown:
            raise ValueError(f"{self.kind}: moves name states it does not have: {sorted(unknown)}")
        object.__setattr__(self, "actions", tuple(sorted({action for _, action in self.moves})))
        object.__setattr__(self, "initial", self.initial or self.states[0])
        object.__setattr__(self, "db_column", self.db_column or self.column)
        if self.initial not in self.states:
            raise ValueError(f"{self.kind}: the initial state {self.initial!r} is not one of its states")

    def next(self, state: str, action: str) -> str:
        """The state `action` leads to from `state`, or DomainError("wrong_state")."""
        try:
            return self.moves[(state, action)]
        except KeyError:
            raise DomainError("wrong_state") from None

    def allows(self, state: str, action: str) -> bool:
        return (state, action) in self.moves

    def sources(self, action: str) -> tuple[str, ...]:
        """The states `action` may start from, in the order of `states`."""
        return tuple(s for s in self.states if (s, action) in self.moves)

    def start(self, obj: Any, state: str | None = None) -> str:
        """Give a new row, not yet written, its first state: `initial`, or `state`, one of `states`
        (a cycle starts in the phase its dates give). A written row changes state only by a move."""
        if not (inspect(obj).transient or inspect(obj).pending):
            raise ValueError(f"{self.kind}: a row already written changes its {self.column} only by a move")
        state = self.initial if state is None else state
        if state not in self.states:
            raise ValueError(f"{self.kind}: {state!r} is not one of its states")
        setattr(obj, self.column, state)
        return state

    def move(self, obj: Any, action: str) -> str:
        """Make the move on an object in hand (its column set; the caller flushes); returns the new state."""
        new = self.next(getattr(obj, self.column), action)
        setattr(obj, self.column, new)
        return new

    def update(self, model: type, action: str, *where: Any, from_state: str | None = None, **values: Any) -> Update:
        """`UPDATE model SET column = <new>, **values WHERE *where AND column IN <sources>`.

        `from_state` names the one source when the action starts from several states that lead to
        different ones (it must be one the table allows). Execute it and read `rowcount`: 0 means
        the row had moved on (or `where` did not hold), and nothing was written."""
        if from_state is not None:
            sources = (from_state,)
            targets = {self.next(from_state, action)}
        else:
            sources = self.sources(action)
            targets = {self.moves[(s, action)] for s in sources}
        if len(targets) != 1:
            raise ValueError(f"{self.kind}.{action}: name the state it starts from ({sorted(sources)})")
        if {self.column, self.db_column} & set(values):
            raise ValueError(f"{self.kind}: the {self.column} is the table's to set")
        column = getattr(model, self.column)
        condition = column == sources[0] if len(sources) == 1 else column.in_(sources)
        return (
            update(model)
            .where(*where, condition)
            .values({column: targets.pop(), **values})
            .execution_options(synchronize_session=False)
        )

    def check_constraint(self, name: str | None = None) -> CheckConstraint:
        listed = ",".join(f"'{s}'" for s in self.states)
        return CheckConstraint(f"{self.db_column} IN ({listed})", name=name or self.db_column)

    def guard(self, model: type) -> None:
        """Refuse a flush that changes `model`'s column in a way no move of the table makes (an
        assignment that did not go through `move`, or a state the table does not know). The table
        is read at each flush: what it says now is what the guard allows."""
        column = self.column

        # Load the state an assignment replaces even when the row was expired (as every row is after
        # a commit): without it the flush would see no old state, and let any assignment through.
        @event.listens_for(getattr(model, column), "set", active_history=True)
        def _load_the_state_replaced(_target, _value, _old, _initiator) -> None:
            pass

        @event.listens_for(model, "before_update")
        def _only_table_moves(_mapper, _connection, target) -> None:
            history = inspect(target).attrs[column].history
            if not history.has_changes() or not history.deleted:
                return
            old, new = history.deleted[0], history.added[0] if history.added else None
            if (old, new) not in {(source, to) for (source, _), to in self.moves.items()}:
                raise DomainError("wrong_state")

        @event.listens_for(model, "before_insert")
        def _known_state(_mapper, _connection, target) -> None:
            state = getattr(target, column)
            if state is not None and state not in self.states:  # None: the column's default
                raise DomainError("wrong_state")
