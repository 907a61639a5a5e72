"""A recording stand-in for a Redshift connection: what a run would send, without a cluster.

``recording_redshift()`` makes every ``redshift`` connection's hook hand out a
RecordingConnection instead of a redshift_connector one. The connection keeps every statement
in order, with BEGIN/COMMIT/ROLLBACK where the transactions start and end, and answers the
few questions the operators ask the warehouse:

- the columns of a table (information_schema), from the project's Redshift DDL, parsed by
  sqlglot;
- the shape of a SELECT (``cursor.description``), from its SELECT list;
- the rows a COPY loaded (``pg_last_copy_count()``), as ``copy_rows``;
- counts and checks, with zeros, and rows of a table with none: nothing is loaded.

It can also fail as Redshift does: a COPY that meets bad data (``rejected_lines``) aborts the
transaction and leaves its rows in SYS_LOAD_ERROR_DETAIL and, on a provisioned cluster,
STL_LOAD_ERRORS; a connection can drop in the middle of a COPY (``drop_connection_on``).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from unittest import mock

import sqlglot
from airflow.providers.amazon.aws.hooks.redshift_sql import RedshiftSQLHook
from redshift_connector.error import InterfaceError, ProgrammingError
from sqlglot import exp

_COLUMN_TYPES = [
    (re.compile(r"varchar\((\d+)\)"), "character varying"),
    (re.compile(r"int|integer"), "integer"),
    (re.compile(r"bigint"), "bigint"),
    (re.compile(r"smallint"), "smallint"),
    (re.compile(r"double precision|float"), "double precision"),
    (re.compile(r"timestamp"), "timestamp without time zone"),
    (re.compile(r"boolean"), "boolean"),
]


def columns_from_ddl(ddl: str) -> dict[str, list[tuple]]:
    """information_schema.columns rows (name, type, length, nullable) per table in ``ddl``."""
    tables: dict[str, list[tuple]] = {}
    for statement in sqlglot.parse(ddl, read="redshift"):
        if not isinstance(statement, exp.Create) or not isinstance(statement.this, exp.Schema):
            continue
        rows = []
        for column in statement.this.expressions:
            if not isinstance(column, exp.ColumnDef):
                continue  # a table constraint, such as a composite PRIMARY KEY
            kind = column.args["kind"].sql("postgres").lower()
            data_type, length = next(
                (name, int(m.group(1)) if m.groups() else None)
                for pattern, name in _COLUMN_TYPES
                if (m := pattern.fullmatch(kind))
            )
            not_null = any(
                isinstance(
                    c.args.get("kind"), exp.NotNullColumnConstraint | exp.PrimaryKeyColumnConstraint
                )
                for c in column.constraints
            )
            rows.append((column.name, data_type, length, "NO" if not_null else "YES"))
        tables[statement.this.this.name] = rows
    return tables


@dataclass
class Recording:
    """Everything sent, in order: ``(task_id, statement)``; statements include BEGIN/COMMIT."""

    tables: dict[str, list[tuple]]
    statements: list[tuple[str, str]] = field(default_factory=list)
    task_id: str = ""
    fail_on: str | None = None  # raise on a statement that contains this text
    copy_rows: int = 1  # what pg_last_copy_count() answers after a COPY
    # A COPY fails on bad data: these rows are what SYS_LOAD_ERROR_DETAIL holds of it (file,
    # line, column, type, code, message), these STL_LOAD_ERRORS (the same and the raw value;
    # None: the view does not exist, as on Serverless).
    rejected_lines: list[tuple] | None = None
    stl_load_errors: list[tuple] | None = None
    drop_connection_on: str | None = None  # the connection drops on a statement containing this
    # Over the Data API: each ExecuteStatement / BatchExecuteStatement (redshift_data_recording).
    data_api_calls: list = field(default_factory=list)

    def add(self, statement: str) -> None:
        self.statements.append((self.task_id, statement.strip()))


class RecordingCursor:
    def __init__(self, connection: RecordingConnection) -> None:
        self._connection = connection
        self.description = None
        self.rowcount = 0
        self._rows: list[tuple] = []

    @property
    def connection(self) -> RecordingConnection:
        return self._connection

    def execute(self, statement: str, parameters=None) -> None:
        recording = self._connection.recording
        self._connection.check_alive()
        self._connection.begin_if_needed()
        text = _interpolate(statement, parameters)
        recording.add(text)
        if self._connection.aborted:
            raise ProgrammingError(_server_error("25P02", "current transaction is aborted"))
        if recording.fail_on and recording.fail_on in text:
            raise RuntimeError(f"error from the recording connection while running: {text}")
        if recording.drop_connection_on and recording.drop_connection_on in text:
            self._connection.dropped = True
            raise InterfaceError("BrokenPipe: server socket closed")
        if text.startswith("COPY ") and recording.rejected_lines:
            self._connection.aborted = True
            table = text.split()[1].strip('"')
            raise ProgrammingError(
                _server_error(
                    "XX000",
                    f"Load into table '{table}' failed.  Check 'sys_load_error_detail' system "
                    "table for details.",
                )
            )
        self.description, self._rows = self._answer(text, parameters)

    def _answer(self, text: str, parameters) -> tuple[list | None, list[tuple]]:
        recording = self._connection.recording
        if "FROM sys_load_error_detail" in text:
            return [(f"column_{n}",) for n in range(6)], list(recording.rejected_lines or [])
        if "FROM stl_load_errors" in text:
            if recording.stl_load_errors is None:
                self._connection.aborted = True
                raise ProgrammingError(
                    _server_error("42P01", 'relation "stl_load_errors" does not exist')
                )
            return [(f"column_{n}",) for n in range(7)], list(recording.stl_load_errors)
        if text == "SELECT pg_last_copy_count()":
            return [("pg_last_copy_count",)], [(recording.copy_rows,)]
        if "information_schema.columns" in text:
            table = parameters[-1]  # (schema, table), or (table) with the schema NULL
            return [(n,) for n in ("column_name", "data_type", "length", "nullable")], list(
                self._connection.recording.tables.get(table, [])
            )
        parsed = sqlglot.parse_one(text, read="redshift")
        if isinstance(parsed, exp.Create) and isinstance(parsed.expression, exp.Query):
            self._connection.last_select = parsed.expression
            return None, []
        if isinstance(parsed, exp.Select):
            if "incoming_rows" in text and "LIMIT 0" in text:
                names = self._connection.last_select.named_selects
                return [(name,) for name in names], []
            names = [(f"column_{n}",) for n in range(len(parsed.expressions))]
            if all(isinstance(e, exp.Column) for e in parsed.expressions):
                return names, []  # rows of a table: the recording holds none
            return names, [(0,) * len(parsed.expressions)]  # counts and checks: zero
        return None, []

    def fetchone(self):
        return self._rows[0] if self._rows else None

    def fetchall(self):
        return list(self._rows)

    def close(self) -> None:
        pass


class RecordingConnection:
    def __init__(self, recording: Recording) -> None:
        self.recording = recording
        self.autocommit = False
        self.in_transaction = False
        self.last_select = None
        self.aborted = False  # a statement failed: only ROLLBACK is accepted
        self.dropped = False

    def check_alive(self) -> None:
        if self.dropped:
            raise InterfaceError("BrokenPipe: server socket closed")

    def begin_if_needed(self) -> None:
        if not self.autocommit and not self.in_transaction:
            self.recording.add("BEGIN")
            self.in_transaction = True

    def cursor(self) -> RecordingCursor:
        return RecordingCursor(self)

    def commit(self) -> None:
        self.check_alive()
        if self.in_transaction:
            self.recording.add("COMMIT")
            self.in_transaction = False

    def rollback(self) -> None:
        self.check_alive()
        self.aborted = False
        if self.in_transaction:
            self.recording.add("ROLLBACK")
            self.in_transaction = False

    def close(self) -> None:
        if not self.dropped:
            self.rollback()


def _server_error(code: str, message: str) -> dict:
    """An error as redshift_connector raises it: the server's fields, as a dict."""
    return {"S": "ERROR", "C": code, "M": message, "F": "recording", "L": "1", "R": "recording"}


def _interpolate(statement: str, parameters) -> str:
    """The statement with its %s parameters written as SQL literals, for reading."""
    if not parameters:
        return statement
    literals = ["NULL" if p is None else "'" + str(p).replace("'", "''") + "'" for p in parameters]
    return statement % tuple(literals)


@contextlib.contextmanager
def recording_redshift(recording: Recording) -> Iterator[Recording]:
    """Within the block, every RedshiftSQLHook connects to ``recording`` instead of Redshift."""
    with mock.patch.object(
        RedshiftSQLHook, "get_conn", lambda hook: RecordingConnection(recording)
    ):
        yield recording
