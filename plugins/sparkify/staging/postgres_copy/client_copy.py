"""Stage JSON objects into PostgreSQL client-side, as Redshift's server-side COPY would.

PostgreSQL cannot read S3, so the objects are streamed from the source, mapped with Redshift's
semantics and bulk-loaded with ``COPY ... FROM STDIN``. Two paths share one transaction:

- large objects go through ``columnar_copy`` first: blocks of lines parsed and checked
  column-wise and sent as CSV, as long as it can vouch for them;
- everything else (small objects, and whatever the fast path hands back, from the line it
  stopped at) is mapped row by row by ``row_mapping``, which names the file and line of any
  value Redshift would reject.

One COPY statement is open at a time; a run of rows from the same path shares it. psycopg
buffers what is written and flushes it in chunks, so memory holds a batch, not the input. An
error inside a COPY aborts it, and the caller's transaction rolls back.

A catalogue is thousands of tiny objects, where one request each, one after another, would
spend the time waiting on S3. Among the objects of a prefix, runs of those that the listing
shows to be small are fetched a batch at a time with the filesystem's own concurrent ``cat``
(s3fs sends the GETs at once on its event loop), then consumed in key order; large objects,
and objects named by their keys (the day files), are streamed as they are read. Memory holds
one batch at most.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterable, Iterator, Sequence

from sparkify.identifiers import quote_identifier
from sparkify.staging.postgres_copy.json_records import iter_json_values
from sparkify.staging.postgres_copy.row_mapping import RowMapper
from sparkify.staging.source import SourceObject


def copy_json_objects(
    cursor,
    table_sql: str,
    columns: Sequence[str],
    mapper: RowMapper,
    objects: Sequence[SourceObject],
    source_column: str | None = None,
    batch_small_objects: bool = True,
) -> int:
    """COPY every JSON object of ``objects`` into ``table_sql``; return the number of rows.

    With ``source_column``, each row also records the key of the object it came from. Without
    ``batch_small_objects`` (the objects were named one by one, like a day file), every object
    is streamed, and large enough to be worth the fast path.
    """
    if not hasattr(cursor, "copy"):
        raise RuntimeError("client-side COPY needs a psycopg 3 connection (PostgresHook)")
    target = list(columns) + ([source_column] if source_column else [])
    column_list = ", ".join(quote_identifier(name) for name in target)
    # Imported here: Arrow takes 0.1 s to import, and every task process of the DAG imports
    # this module, while only the stages use it.
    from sparkify.staging.postgres_copy.columnar import ColumnarLoader

    loader = ColumnarLoader.for_mapping(mapper.columns, mapper.options, mapper.jsonpaths)
    rows = 0
    with _CopyStatements(cursor, f"COPY {table_sql} ({column_list}) FROM STDIN") as copies:
        for source, stream in _opened_in_order(objects, batch_small_objects):
            tag = source.key if source_column else None
            with stream:
                lines: Iterable[bytes] = stream
                first_line = 1
                if loader is not None and not (batch_small_objects and _is_small(source)):
                    written, lines, first_line = loader.copy_blocks(copies.write_csv, stream, tag)
                    rows += written
                extra = [tag] if source_column else []
                for line, document in iter_json_values(lines, source.url, first_line):
                    copies.write_row(mapper.row(document, source.url, line) + extra)
                    rows += 1
    return rows


class _CopyStatements:
    """One COPY statement open at a time: rows in COPY's text format, or blocks of CSV."""

    def __init__(self, cursor, copy_sql: str) -> None:
        self._cursor = cursor
        self._copy_sql = copy_sql
        self._format: str | None = None
        self._copy = None
        self._open = contextlib.ExitStack()

    def write_row(self, row: list) -> None:
        self._in_format("text").write_row(row)

    def write_csv(self, data) -> None:
        self._in_format("csv").write(data)

    def _in_format(self, copy_format: str):
        if copy_format != self._format:
            self._open.close()
            options = " (FORMAT csv)" if copy_format == "csv" else ""
            self._copy = self._open.enter_context(self._cursor.copy(self._copy_sql + options))
            self._format = copy_format
        return self._copy

    def __enter__(self) -> _CopyStatements:
        return self

    def __exit__(self, *exc_info) -> bool | None:
        return self._open.__exit__(*exc_info)


PREFETCH_MAX_BYTES = 1 << 20  # objects up to this size are fetched whole, in batches
FETCH_BATCH = 256  # so a batch holds at most FETCH_BATCH * PREFETCH_MAX_BYTES


def _is_small(source: SourceObject) -> bool:
    return source.size is not None and source.size <= PREFETCH_MAX_BYTES


def _opened_in_order(
    objects: Iterable[SourceObject], batch_small_objects: bool
) -> Iterator[tuple[SourceObject, io.IOBase]]:
    """Each object with a binary stream of its bytes, in the given order."""
    batch: list[SourceObject] = []
    for source in objects:
        if batch_small_objects and _is_small(source):
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
    contents = batch[0].root.fs.cat([source.fs_path for source in batch])
    for source in batch:
        yield source, io.BytesIO(contents[source.fs_path])
