"""Staging retention: the day files no run has used for a while leave the staging table.

``staging_events`` keeps every day file it stages (a day file is staged once and kept by the
other hours of its day, see ``staged_sources``), so without pruning it grows by a day each day.
A stage with ``retention_days`` notes, in its own transaction, when it last used each source it
staged or kept (``staged_source_uses``), then deletes the rows and the record of every source of
its table unused for longer than the retention. A later run that needs a pruned day file (a
re-run, a backfill) finds no record and stages it again, so the warehouse stays exact.

Why by last use and not by the file's date: a run of an old day (a backfill) stages its day file
and loads its hours minutes later. Pruning by date could delete the file between the two, under
a run of today's hour; pruning by use cannot, since that run's stage used the file moments ago,
and stages take the same table lock, so pruning and using never interleave. Only a run stuck
between its stage and its loads for longer than the retention (at least one day) could lose it.

A source recorded before retention was switched on has no use yet: it starts ageing when a
stage with retention first sees it. The clock is the worker's, in UTC, passed to SQL as a parameter
(Redshift's CURRENT_TIMESTAMP is leader-node only, unusable with user tables).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sparkify import clock
from sparkify.identifiers import qualified_table, quote_identifier
from sparkify.staging.staged_sources import STAGED_SOURCES

STAGED_SOURCE_USES = "staged_source_uses"


class StagingRetention:
    """The uses and the pruning of one staging table's sources, inside its stage's transaction."""

    def __init__(
        self, cursor, schema: str | None, table: str, table_sql: str, source_column: str,
        days: int, now: dt.datetime,
    ) -> None:  # fmt: skip
        self.cursor = cursor
        self.table = table
        self.table_sql = table_sql
        self.source_column = quote_identifier(source_column)
        self.records_sql = qualified_table(STAGED_SOURCES, schema)
        self.uses_sql = qualified_table(STAGED_SOURCE_USES, schema)
        self.now = clock.naive_utc(now)
        self.cutoff = clock.naive_utc(now - dt.timedelta(days=days))

    def mark_used(self, sources: Iterable[str]) -> None:
        """These sources were used now (staged or kept)."""
        for source in sources:
            self.cursor.execute(
                f"DELETE FROM {self.uses_sql} WHERE table_name = %s AND source = %s",
                (self.table, source),
            )
            self.cursor.execute(
                f"INSERT INTO {self.uses_sql} (table_name, source, last_used_at) "
                "VALUES (%s, %s, %s)",
                (self.table, source, self.now),
            )

    def prune(self, root_url: str) -> tuple[int, list[str]]:
        """Delete what the table holds of sources under ``root_url`` unused for longer than the
        retention; return the rows deleted and the sources."""
        self.cursor.execute(
            f"INSERT INTO {self.uses_sql} (table_name, source, last_used_at) "
            f"SELECT table_name, source, %s FROM {self.records_sql} AS records "
            f"WHERE table_name = %s AND NOT EXISTS (SELECT 1 FROM {self.uses_sql} AS uses "
            "WHERE uses.table_name = records.table_name AND uses.source = records.source)",
            (self.now, self.table),
        )
        self.cursor.execute(
            f"SELECT source FROM {self.uses_sql} WHERE table_name = %s AND last_used_at < %s "
            "ORDER BY source",
            (self.table, self.cutoff),
        )
        prefix = root_url.rstrip("/") + "/"
        stale = [row[0] for row in self.cursor.fetchall() if row[0].startswith(prefix)]
        rows = 0
        for source in stale:
            self.cursor.execute(
                f"DELETE FROM {self.table_sql} WHERE {self.source_column} = %s",
                (source[len(prefix) :],),
            )
            rows += max(self.cursor.rowcount, 0)
            for bookkeeping in (self.records_sql, self.uses_sql):
                self.cursor.execute(
                    f"DELETE FROM {bookkeeping} WHERE table_name = %s AND source = %s",
                    (self.table, source),
                )
        return rows, stale
