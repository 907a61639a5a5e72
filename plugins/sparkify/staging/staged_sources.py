"""What a stage last loaded from each source, so that an unchanged source is not loaded again.

Every hourly run stages the day file of its hour and the song catalogue, yet both rarely change
between two runs: a day file is staged by the 24 runs of its day, the catalogue by every run. A
stage with ``skip_unchanged`` fingerprints what it is about to load (each object's key, size and
version, as listed: the ETag on S3, the modification time on disk; plus the COPY options and
target columns) and records the fingerprint and the row count in ``staged_sources``, in the same
transaction as the load. A later run with the same fingerprint that finds the table still
holding that many rows from the source keeps them: it costs a listing and a count.

What one record covers depends on how the stage replaces rows:

- a stage with a source column (each row records its object's key) keeps a record per object:
  an unchanged day file is kept, a grown one is restaged alone;
- a stage without one replaces its whole table, so one record covers the whole listing: any
  changed, added or removed object restages everything.

Anything else (other options, a table emptied or edited by hand, a listing without versions)
restages as before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sparkify.identifiers import qualified_table, quote_identifier
from sparkify.staging.source import SourceObject

STAGED_SOURCES = "staged_sources"


def listing_fingerprint(objects: Sequence[SourceObject], load_settings: str) -> str | None:
    """A digest of the objects as listed and of how they are loaded; None if any has no version."""
    if any(o.version is None or o.size is None for o in objects):
        return None
    digest = hashlib.sha256(load_settings.encode())
    for source in sorted(objects, key=lambda o: o.key):
        digest.update(f"\n{source.key}\t{source.size}\t{source.version}".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class StagedSource:
    """One source a stage loads: all its objects (whole table), or one object (``key``)."""

    source: str  # how the source is recorded: its URL, or the URLs asked for
    objects: tuple[SourceObject, ...]
    fingerprint: str | None
    key: str | None = None  # the object's key in the source column, for a per-object record


class StagedSources:
    """The records of one table, read and written inside the stage's transaction."""

    def __init__(
        self, cursor, schema: str | None, table: str, table_sql: str, source_column: str | None
    ) -> None:
        self.cursor = cursor
        self.table = table
        self.table_sql = table_sql
        self.source_column = source_column
        self.records_sql = qualified_table(STAGED_SOURCES, schema)

    def kept_rows(self, staged: StagedSource) -> int | None:
        """The rows of the load recorded for this fingerprint, if the table still holds exactly
        that many from the source; otherwise None (the source must be staged)."""
        if staged.fingerprint is None:
            return None
        self.cursor.execute(
            f"SELECT fingerprint, row_count FROM {self.records_sql} "
            "WHERE table_name = %s AND source = %s",
            (self.table, staged.source),
        )
        recorded = self.cursor.fetchone()
        if recorded is None or recorded[0] != staged.fingerprint:
            return None
        return recorded[1] if self.rows_from(staged) == recorded[1] else None

    def rows_from(self, staged: StagedSource) -> int:
        """The rows the table now holds from this source."""
        if staged.key is None:
            self.cursor.execute(f"SELECT COUNT(*) FROM {self.table_sql}")
        else:
            column = quote_identifier(self.source_column)
            self.cursor.execute(
                f"SELECT COUNT(*) FROM {self.table_sql} WHERE {column} = %s", (staged.key,)
            )
        return self.cursor.fetchone()[0]

    def record(self, staged: StagedSource, rows: int) -> None:
        """Record what the table now holds from this source (no fingerprint: forget it)."""
        self.cursor.execute(
            f"DELETE FROM {self.records_sql} WHERE table_name = %s AND source = %s",
            (self.table, staged.source),
        )
        if staged.fingerprint is not None:
            self.cursor.execute(
                f"INSERT INTO {self.records_sql} (table_name, source, fingerprint, row_count) "
                "VALUES (%s, %s, %s, %s)",
                (self.table, staged.source, staged.fingerprint, rows),
            )
