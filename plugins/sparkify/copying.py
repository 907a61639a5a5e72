"""What a stage asks of a COPY backend, and which backend a warehouse gets.

``copy_backend`` gives a function

    copy_objects(cursor, target: CopyTarget, selection: Selection, options: CopyOptions) -> int

that loads every object of ``selection`` into ``target`` inside the caller's transaction (the
stage's, with the table already locked and the replaced rows already deleted) and returns the
number of rows it loaded:

- ``sparkify.redshift_copy``: Redshift runs ``COPY ... FROM 's3://...'`` itself;
- ``sparkify.postgres_copy``: PostgreSQL, standing in for Redshift: the objects are streamed,
  mapped with COPY's rules and sent with ``COPY ... FROM STDIN``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sparkify.table_columns import Column
from sparkify.warehouse import Dialect


@dataclass(frozen=True)
class CopyTarget:
    """The table a COPY fills, and its columns in load order (JSONPaths order)."""

    table_sql: str
    columns: Sequence[Column]
    # Where each row records the key of the object it came from, if anywhere.
    source_column: str | None = None


def copy_backend(dialect: Dialect, copy_role_conn_id: str) -> Callable[..., int]:
    """The backend's ``copy_objects`` for ``dialect``, imported only when a stage runs.

    Redshift's reads S3 as the COPY role of connection ``copy_role_conn_id``; PostgreSQL's
    reads the objects through the source root's own connection, and needs no role.
    """
    if dialect is Dialect.REDSHIFT:
        from sparkify import redshift_copy

        return functools.partial(redshift_copy.copy_objects, copy_role_conn_id=copy_role_conn_id)
    from sparkify import postgres_copy

    return postgres_copy.copy_objects
