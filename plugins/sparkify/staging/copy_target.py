"""What a stage asks of a COPY backend: the interface both backends implement.

A backend is a function

    copy_objects(cursor, target: CopyTarget, selection: Selection, options: CopyOptions) -> int

that loads every object of ``selection`` into ``target`` inside the caller's transaction (the
stage's, with the table already locked and the replaced rows already deleted) and returns the
number of rows it loaded. Both backends import this module; it imports neither
(``backends`` picks one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sparkify.staging.table_columns import Column


@dataclass(frozen=True)
class CopyTarget:
    """The table a COPY fills, and its columns in load order (JSONPaths order)."""

    table_sql: str
    columns: Sequence[Column]
    # Where each row records the key of the object it came from, if anywhere.
    source_column: str | None = None
