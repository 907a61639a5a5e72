"""The PostgreSQL backend's entry point: the selected objects through ``COPY FROM STDIN``."""

from __future__ import annotations

import orjson

from sparkify.errors import SourceDataError
from sparkify.staging.copy_options import CopyOptions
from sparkify.staging.copy_target import CopyTarget
from sparkify.staging.postgres_copy.client_copy import copy_json_objects
from sparkify.staging.postgres_copy.jsonpaths import parse_jsonpaths_file
from sparkify.staging.postgres_copy.row_mapping import RowMapper
from sparkify.staging.source import Selection


def copy_objects(cursor, target: CopyTarget, selection: Selection, options: CopyOptions) -> int:
    """Stream the selected objects into the target with COPY FROM STDIN; return the rows."""
    mapper = _row_mapper(target, selection, options)
    names = [c.name for c in target.columns]
    rows = copy_json_objects(
        cursor,
        target.table_sql,
        names,
        mapper,
        selection.objects,
        target.source_column,
        # Objects found under a prefix (a catalogue) are many and small: fetched in batches.
        batch_small_objects=selection.prefix,
    )
    # Fresh statistics before the loads read the table: planned from stale ones (an empty
    # table), the fact's catalogue join became a nested loop over every play, 30 s for an hour
    # of a 1M-event day instead of well under 1 s.
    cursor.execute(f"ANALYZE {target.table_sql}")
    return rows


def _row_mapper(target: CopyTarget, selection: Selection, options: CopyOptions) -> RowMapper:
    if options.jsonpaths_key is None:
        return RowMapper(target.columns, options)
    jsonpaths_file = selection.root.object(options.jsonpaths_key)
    try:
        document = orjson.loads(jsonpaths_file.path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise SourceDataError(f"{jsonpaths_file.url}: malformed JSON: {exc}") from None
    paths = parse_jsonpaths_file(document, jsonpaths_file.url)
    return RowMapper(target.columns, options, paths, jsonpaths_source=jsonpaths_file.url)
