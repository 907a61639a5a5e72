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
STL_LOAD_ERRORS, stamped with the session's process id, the COPY's start time and a query id;
a connection can drop in the middle of a COPY (``drop_connection_on``). The two views may also
hold the rows an earlier session with the same process id left (``earlier_rejections``), as
Redshift reuses process ids. A query of the views is evaluated, as sent, over those rows
(sqlglot's executor), so a lookup that does not tell one COPY from another is caught.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from unittest import mock

import sqlglot
from airflow.providers.amazon.aws.hooks.redshift_sql import RedshiftSQLHook
from redshift_connector.error import InterfaceError, ProgrammingError
from sqlglot import exp
from sqlglot.executor import execute as evaluate

SESSION_PID = 1073807432  # the recording's session, as pg_backend_pid() answers
# SYSDATE in the recording: the start of its transactions (a fixed time, so listings repeat;
# with microseconds, so that as text it compares as the views' start times do).
TRANSACTION_START = dt.datetime(2026, 12, 7, 12, 0, 0, 250000)

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
    # Rejected lines (as rejected_lines) an earlier session with this process id left a day ago.
    earlier_rejections: list[tuple] = field(default_factory=list)
    # The two views' rows, as Redshift would hold them: filled as COPYs fail.
    views: dict[str, list[dict]] = field(default_factory=dict)
    drop_connection_on: str | None = None  # the connection drops on a statement containing this
    # Over the Data API: each ExecuteStatement / BatchExecuteStatement (data_api_recording),
    # and the name of every operation called (the describes and results too).
    data_api_calls: list = field(default_factory=list)
    data_api_operations: set[str] = field(default_factory=set)

    def add(self, statement: str) -> None:
        self.statements.append((self.task_id, statement.strip()))

    def record_rejections(self, lines: list[tuple], raw_values: list[tuple] | None,
                          started: dt.datetime, query_id: int) -> None:  # fmt: skip
        """What a COPY that rejected ``lines`` leaves in the two views."""
        for file_name, line, column, column_type, code, message in lines:
            self.views.setdefault("sys_load_error_detail", []).append(
                {"session_id": SESSION_PID, "start_time": _timestamp(started),
                 "query_id": query_id, "file_name": file_name, "line_number": line,
                 "column_name": column, "column_type": column_type, "error_code": code,
                 "error_message": message}
            )  # fmt: skip
        for row in raw_values or []:
            file_name, line, column, column_type, code, message, raw = row
            self.views.setdefault("stl_load_errors", []).append(
                {"session": SESSION_PID, "starttime": _timestamp(started),
                 "query": query_id, "filename": file_name, "line_number": line,
                 "colname": column, "type": column_type, "err_code": code,
                 "err_reason": message, "raw_field_value": raw}
            )  # fmt: skip

    def __post_init__(self) -> None:
        if self.earlier_rejections:
            a_day_before = TRANSACTION_START - dt.timedelta(days=1)
            raw = [(*line, "a value of the earlier session") for line in self.earlier_rejections]
            self.record_rejections(self.earlier_rejections, raw, a_day_before, query_id=17)


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
            started = TRANSACTION_START + dt.timedelta(seconds=1)
            recording.record_rejections(
                recording.rejected_lines, recording.stl_load_errors, started, query_id=4711
            )
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
        for view in ("sys_load_error_detail", "stl_load_errors"):
            if f"FROM {view}" in text:
                if view == "stl_load_errors" and recording.stl_load_errors is None:
                    self._connection.aborted = True
                    raise ProgrammingError(
                        _server_error("42P01", 'relation "stl_load_errors" does not exist')
                    )
                return _evaluate(text, view, recording.views.get(view, []))
        if text == "SELECT SYSDATE":
            return [("sysdate",)], [(TRANSACTION_START,)]
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


def _timestamp(value: dt.datetime) -> str:
    return value.isoformat(sep=" ", timespec="microseconds")


def _evaluate(query: str, view: str, rows: list[dict]) -> tuple[list, list[tuple]]:
    """``query`` over the view's ``rows``, as sent but for the session's process id."""
    if not rows:  # the executor needs a row to know the view's columns; no row, no answer
        return [("column",)], []
    query = query.replace("pg_backend_pid()", str(SESSION_PID))
    table = evaluate(query, dialect="redshift", tables={view: rows})
    return [(name,) for name in table.columns], list(table.rows)


def _interpolate(statement: str, parameters) -> str:
    """The statement with its %s parameters written as SQL literals, for reading."""
    if not parameters:
        return statement
    texts = [("true" if p else "false") if isinstance(p, bool) else p for p in parameters]
    literals = ["NULL" if p is None else "'" + str(p).replace("'", "''") + "'" for p in texts]
    return statement % tuple(literals)


@contextlib.contextmanager
def recording_redshift(recording: Recording) -> Iterator[Recording]:
    """Within the block, every RedshiftSQLHook connects to ``recording`` instead of Redshift."""
    with mock.patch.object(
        RedshiftSQLHook, "get_conn", lambda hook: RecordingConnection(recording)
    ):
        yield recording
