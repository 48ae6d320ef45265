"""A Core statement run on the DBAPI connection itself, for the one request whose SQLAlchemy layers
cost more than its statements: the lean signing path (petitions/lean_signing.py).

The statement is compiled once per dialect by SQLAlchemy and run with SQLAlchemy's own parameter
processing (`construct_params` and the types' bind processors), so the driver receives what
`Connection.execute` would send; what is skipped is the rest of that call (execution contexts,
events, the result object built from the cursor's description). Rows come back as the driver
returns them, through the columns' result processors where their types have one.
A driver error is raised as the SQLAlchemy error `Connection.execute` would raise (so the app's
handlers answer it alike: a database away is a 503), and a connection it finds dead is dropped.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Dialect, Engine


class RawStatement:
    """One statement compiled for one dialect; `first(connection, params)` runs it."""

    def __init__(self, statement, dialect: Dialect):
        compiled = statement.compile(dialect=dialect)
        if compiled.positional:
            raise ValueError(f"{dialect.name}: positional parameters are not supported here")
        self.compiled = compiled
        self.sql = compiled.string
        self.processors = dict(compiled._bind_processors)
        # a column's result processing (e.g. UtcDateTime's zone), None where the driver's value is it
        results = [column[3]._cached_result_processor(dialect, None)
                   for column in getattr(compiled, "_result_columns", ())]
        self.results = tuple(results) if any(results) else None

    def params(self, values: Mapping[str, Any]) -> dict[str, Any]:
        params = self.compiled.construct_params(dict(values))
        for name, process in self.processors.items():
            if name in params:
                params[name] = process(params[name])
        return params

    def first(self, connection, values: Mapping[str, Any]) -> tuple | None:
        """The statement's first row (a tuple), or None, on `connection` (a LeanConnection)."""
        row = connection.first(self.sql, self.params(values))
        if row is None or self.results is None:
            return row
        return tuple(value if process is None else process(value) for value, process in zip(row, self.results))


class LeanConnection:
    """A pooled DBAPI connection in autocommit: each statement is durable when it returns."""

    def __init__(self, engine: Engine, fairy):
        self.engine, self.fairy, self.dbapi = engine, fairy, fairy.dbapi_connection

    def first(self, sql: str, params: dict) -> tuple | None:
        try:
            return self.dbapi.execute(sql, params).fetchone()
        except self.engine.dialect.loaded_dbapi.Error as error:
            disconnect = self.engine.dialect.is_disconnect(error, self.dbapi, None)
            if disconnect:
                self.fairy.invalidate(error)
            raise exc.DBAPIError.instance(
                sql, params, error, self.engine.dialect.loaded_dbapi.Error, hide_parameters=True,  # an IIN
                connection_invalidated=disconnect, dialect=self.engine.dialect,
            ) from error


@contextmanager
def autocommit_connection(engine: Engine) -> Iterator[LeanConnection]:
    """A connection of the engine's pool in autocommit for the block, given back as it was taken."""
    fairy = engine.raw_connection()
    try:
        fairy.dbapi_connection.autocommit = True
        yield LeanConnection(engine, fairy)
    finally:
        try:
            if fairy.dbapi_connection is not None:
                fairy.dbapi_connection.autocommit = False
        except engine.dialect.loaded_dbapi.Error as error:
            fairy.invalidate(error)
        fairy.close()


_COMPILED: dict[tuple[str, int], tuple[object, RawStatement]] = {}


class Reader:
    """`reader(statement, params)`: the first row of a Core statement on one LeanConnection, each
    statement compiled once per process and dialect (the hot path's statements are module constants)."""

    def __init__(self, connection: LeanConnection):
        self.connection = connection
        self.dialect = connection.engine.dialect

    def __call__(self, statement, params: Mapping[str, Any]) -> tuple | None:
        key = (self.dialect.name, id(statement))
        kept = _COMPILED.get(key)
        if kept is None or kept[0] is not statement:
            kept = _COMPILED[key] = (statement, RawStatement(statement, self.dialect))
        return kept[1].first(self.connection, params)
