"""What a stage asks of a COPY backend, and which backend a warehouse gets.

A backend is a package with one entry point,

    copy_objects(cursor, target: CopyTarget, selection: Selection, options: CopyOptions) -> int

that loads every object of ``selection`` into ``target`` inside the caller's transaction (the
stage's, with the table already locked and the replaced rows already deleted) and returns the
number of rows it loaded:

- ``sparkify.redshift_copy``: Redshift runs ``COPY ... FROM 's3://...'`` itself;
- ``sparkify.postgres_copy``: PostgreSQL, standing in for Redshift: the objects are streamed,
  mapped with COPY's rules and sent with ``COPY ... FROM STDIN``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType

from sparkify.table_columns import Column
from sparkify.warehouse import Dialect


@dataclass(frozen=True)
class CopyTarget:
    """The table a COPY fills, and its columns in load order (JSONPaths order)."""

    table_sql: str
    columns: Sequence[Column]
    # Where each row records the key of the object it came from, if anywhere.
    source_column: str | None = None


def copy_backend(dialect: Dialect) -> ModuleType:
    """The backend package for ``dialect``, imported only when a stage runs."""
    if dialect is Dialect.REDSHIFT:
        from sparkify import redshift_copy

        return redshift_copy
    from sparkify import postgres_copy

    return postgres_copy
