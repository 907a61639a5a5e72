"""Stage JSON objects into PostgreSQL client-side, as Redshift's server-side COPY would.

PostgreSQL cannot read S3, so the objects are streamed from the source, mapped row by row with
Redshift's semantics (see ``row_mapping``) and bulk-loaded with one ``COPY ... FROM STDIN``.
psycopg buffers what is written and flushes it in chunks, so memory holds a batch, not the
input. An error inside the COPY aborts it, and the caller's transaction rolls back.
"""

from __future__ import annotations

from collections.abc import Sequence

from sparkify.identifiers import quote_identifier
from sparkify.json_records import iter_json_values
from sparkify.row_mapping import RowMapper
from sparkify.source import SourceObject


def copy_json_objects(
    cursor,
    table_sql: str,
    columns: Sequence[str],
    mapper: RowMapper,
    objects: Sequence[SourceObject],
    source_column: str | None = None,
) -> int:
    """COPY every JSON object of ``objects`` into ``table_sql``; return the number of rows.

    With ``source_column``, each row also records the key of the object it came from.
    """
    target = list(columns) + ([source_column] if source_column else [])
    column_list = ", ".join(quote_identifier(name) for name in target)
    if not hasattr(cursor, "copy"):
        raise RuntimeError("client-side COPY needs a psycopg 3 connection (PostgresHook)")
    rows = 0
    with cursor.copy(f"COPY {table_sql} ({column_list}) FROM STDIN") as copy:
        for source in objects:
            tag = [source.key] if source_column else []
            with source.path.open("rb") as stream:
                for line, document in iter_json_values(stream, source.url):
                    copy.write_row(mapper.row(document, source.url, line) + tag)
                    rows += 1
    return rows
