"""Stage JSON objects into PostgreSQL client-side, as Redshift's server-side COPY would.

PostgreSQL cannot read S3, so the objects are streamed from the source, mapped row by row with
Redshift's semantics (see ``row_mapping``) and bulk-loaded with one ``COPY ... FROM STDIN``.
psycopg buffers what is written and flushes it in chunks, so memory holds a batch, not the
input. An error inside the COPY aborts it, and the caller's transaction rolls back.

A catalogue is thousands of tiny objects, where one request each, one after another, would
spend the time waiting on S3. Runs of objects that the listing shows to be small are fetched a
batch at a time with the filesystem's own concurrent ``cat`` (s3fs sends the GETs at once on
its event loop), then consumed in key order; large objects (the day files) are streamed as
they are read. Memory holds one batch at most.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence

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
        for source, stream in _opened_in_order(objects):
            tag = [source.key] if source_column else []
            with stream:
                for line, document in iter_json_values(stream, source.url):
                    copy.write_row(mapper.row(document, source.url, line) + tag)
                    rows += 1
    return rows


PREFETCH_MAX_BYTES = 1 << 20  # objects up to this size are fetched whole, in batches
FETCH_BATCH = 256  # so a batch holds at most FETCH_BATCH * PREFETCH_MAX_BYTES


def _is_small(source: SourceObject) -> bool:
    return source.size is not None and source.size <= PREFETCH_MAX_BYTES


def _opened_in_order(objects: Iterable[SourceObject]) -> Iterator[tuple[SourceObject, io.IOBase]]:
    """Each object with a binary stream of its bytes, in the given order."""
    batch: list[SourceObject] = []
    for source in objects:
        if _is_small(source):
            batch.append(source)
            if len(batch) == FETCH_BATCH:
                yield from _fetched(batch)
                batch = []
        else:
            yield from _fetched(batch)
            batch = []
            yield source, source.path.open("rb")
    yield from _fetched(batch)


def _fetched(batch: list[SourceObject]) -> Iterator[tuple[SourceObject, io.IOBase]]:
    if not batch:
        return
    contents = batch[0].path.fs.cat([source.path.path for source in batch])
    for source in batch:
        yield source, io.BytesIO(contents[source.path.path])
