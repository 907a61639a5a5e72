"""What the warehouse says about a table's columns: names, types, widths, nullability.

The client-side COPY converts and checks each value against these, the way Redshift's COPY
does against the table, so a bad value is reported with its file and line rather than as a
COPY error about line N of a stream nobody can see.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from sparkify.errors import PipelineConfigError


class ColumnKind(Enum):
    TEXT = "text"
    INTEGER = "integer"
    FLOAT = "float"
    BOOLEAN = "boolean"
    TIMESTAMP = "timestamp"
    TIMESTAMPTZ = "timestamptz"
    DATE = "date"


_KIND_BY_DATA_TYPE = {
    "character varying": ColumnKind.TEXT,
    "character": ColumnKind.TEXT,
    "text": ColumnKind.TEXT,
    "smallint": ColumnKind.INTEGER,
    "integer": ColumnKind.INTEGER,
    "bigint": ColumnKind.INTEGER,
    "real": ColumnKind.FLOAT,
    "double precision": ColumnKind.FLOAT,
    "numeric": ColumnKind.FLOAT,
    "boolean": ColumnKind.BOOLEAN,
    "timestamp without time zone": ColumnKind.TIMESTAMP,
    "timestamp with time zone": ColumnKind.TIMESTAMPTZ,
    "date": ColumnKind.DATE,
}

INTEGER_BOUNDS = {
    "smallint": (-(2**15), 2**15 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
}


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str
    kind: ColumnKind
    max_length: int | None
    nullable: bool


def read_table_columns(cursor, table: str, schema: str | None) -> list[Column]:
    """The columns of ``table`` in table order (schema None: the connection's current schema)."""
    cursor.execute(
        """
        SELECT column_name, data_type, character_maximum_length, is_nullable
        FROM information_schema.columns
        WHERE table_schema = COALESCE(%s, current_schema()) AND table_name = %s
        ORDER BY ordinal_position
        """,
        (schema, table),
    )
    rows = cursor.fetchall()
    if not rows:
        raise PipelineConfigError(f"table {table!r} does not exist in the warehouse")
    columns = []
    for name, data_type, max_length, is_nullable in rows:
        if data_type not in _KIND_BY_DATA_TYPE:
            raise PipelineConfigError(
                f"column {table}.{name} has type {data_type!r}, which JSON staging does not load"
            )
        columns.append(
            Column(name, data_type, _KIND_BY_DATA_TYPE[data_type], max_length, is_nullable == "YES")
        )
    return columns
