"""What a whole-table stage last loaded, so that an unchanged source is not loaded again.

The song catalogue is thousands of objects that rarely change, yet every hourly run used to
delete and reload all of them. A stage with ``skip_unchanged`` fingerprints its listing (each
object's key, size and version: the ETag on S3, the modification time on disk) together with
the COPY options and target columns, and records the fingerprint in ``staged_sources`` in the
same transaction as the load. The next run that lists the same fingerprint, and finds the table
still holding the rows that load recorded, skips the delete and the COPY: it costs one listing.

Anything else (a changed, added or removed object, other options, a table emptied by hand, an
object whose listing gives no version) restages the whole table as before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sparkify.identifiers import qualified_table
from sparkify.source import SourceObject

STAGED_SOURCES = "staged_sources"


def listing_fingerprint(objects: Sequence[SourceObject], load_settings: str) -> str | None:
    """A digest of the objects as listed and of how they are loaded; None if any has no version."""
    if any(o.version is None or o.size is None for o in objects):
        return None
    digest = hashlib.sha256(load_settings.encode())
    for source in sorted(objects, key=lambda o: o.key):
        digest.update(f"\n{source.key}\t{source.size}\t{source.version}".encode())
    return digest.hexdigest()


def unchanged_rows(
    cursor, schema: str | None, table: str, table_sql: str, source: str, fingerprint: str
) -> int | None:
    """The rows of the load recorded for ``fingerprint``, if the table still holds exactly
    that many; otherwise None (the source must be staged)."""
    cursor.execute(
        f"SELECT fingerprint, row_count FROM {qualified_table(STAGED_SOURCES, schema)} "
        "WHERE table_name = %s AND source = %s",
        (table, source),
    )
    recorded = cursor.fetchone()
    if recorded is None or recorded[0] != fingerprint:
        return None
    cursor.execute(f"SELECT COUNT(*) FROM {table_sql}")
    return recorded[1] if cursor.fetchone()[0] == recorded[1] else None


def record_load(
    cursor, schema: str | None, table: str, source: str, fingerprint: str | None, rows: int
) -> None:
    """Record what ``table`` now holds (no fingerprint: forget any earlier record)."""
    staged_sources = qualified_table(STAGED_SOURCES, schema)
    cursor.execute(
        f"DELETE FROM {staged_sources} WHERE table_name = %s AND source = %s", (table, source)
    )
    if fingerprint is not None:
        cursor.execute(
            f"INSERT INTO {staged_sources} (table_name, source, fingerprint, row_count) "
            "VALUES (%s, %s, %s, %s)",
            (table, source, fingerprint, rows),
        )
