"""A recording stand-in for a Redshift connection: what a run would send, without a cluster.

``recording_redshift()`` makes every ``redshift`` connection's hook hand out a
RecordingConnection instead of a redshift_connector one. The connection keeps every statement
in order, with BEGIN/COMMIT/ROLLBACK where the transactions start and end, and answers the
few questions the operators ask the warehouse:

- the columns of a table (information_schema), from the project's Redshift DDL, parsed by
  sqlglot;
- the shape of a SELECT (``cursor.description``), from its SELECT list;
- counts and checks, with zeros: nothing is loaded, so there is nothing to count.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from unittest import mock

import sqlglot
from airflow.providers.amazon.aws.hooks.redshift_sql import RedshiftSQLHook
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

    def add(self, statement: str) -> None:
        self.statements.append((self.task_id, statement.strip()))


class RecordingCursor:
    def __init__(self, connection: RecordingConnection) -> None:
        self._connection = connection
        self.description = None
        self.rowcount = 0
        self._rows: list[tuple] = []

    def execute(self, statement: str, parameters=None) -> None:
        recording = self._connection.recording
        self._connection.begin_if_needed()
        text = _interpolate(statement, parameters)
        recording.add(text)
        if recording.fail_on and recording.fail_on in text:
            raise RuntimeError(f"error from the recording connection while running: {text}")
        self.description, self._rows = self._answer(text, parameters)

    def _answer(self, text: str, parameters) -> tuple[list | None, list[tuple]]:
        if "information_schema.columns" in text:
            table = parameters[1]
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
            return [(f"column_{n}",) for n in range(len(parsed.expressions))], [
                (0,) * len(parsed.expressions)
            ]
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

    def begin_if_needed(self) -> None:
        if not self.autocommit and not self.in_transaction:
            self.recording.add("BEGIN")
            self.in_transaction = True

    def cursor(self) -> RecordingCursor:
        return RecordingCursor(self)

    def commit(self) -> None:
        if self.in_transaction:
            self.recording.add("COMMIT")
            self.in_transaction = False

    def rollback(self) -> None:
        if self.in_transaction:
            self.recording.add("ROLLBACK")
            self.in_transaction = False

    def close(self) -> None:
        self.rollback()


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
