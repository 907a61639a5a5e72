"""StageToRedshiftOperator: load JSON objects from S3 (or local files) into a staging table."""

from __future__ import annotations

from collections.abc import Sequence

import orjson
from airflow.sdk import BaseOperator, Context

from sparkify.copy_options import JSON_AUTO, CopyOptions
from sparkify.errors import PipelineConfigError, SourceDataError
from sparkify.identifiers import qualified_table, quote_identifier
from sparkify.jsonpaths import parse_jsonpaths_file
from sparkify.postgres_copy import copy_json_objects
from sparkify.redshift_copy import (
    copy_access,
    copy_statement,
    mask_credentials,
    run_copy,
)
from sparkify.row_mapping import RowMapper
from sparkify.source import SourceObject, SourceRoot
from sparkify.staged_sources import listing_fingerprint, record_load, unchanged_rows
from sparkify.table_columns import Column, read_table_columns
from sparkify.warehouse import (
    Dialect,
    WarehouseTemplatesMixin,
    lock_table_sql,
    transaction,
    warehouse_dialect,
    warehouse_hook,
)


class StageToRedshiftOperator(WarehouseTemplatesMixin, BaseOperator):
    """Load the JSON objects at ``s3_key`` under ``source_url`` into ``table``.

    The options mirror Redshift COPY (``json_format``: 'auto', 'auto ignorecase' or the key of a
    JSONPaths file; ``timeformat='epochmillisecs'``; BLANKSASNULL, EMPTYASNULL,
    TRUNCATECOLUMNS). On a Redshift connection the warehouse runs COPY from S3 itself; on a
    PostgreSQL connection the operator streams the objects and bulk-loads them with
    ``COPY FROM STDIN`` under the same semantics.

    What a load replaces, in one transaction with the table locked against other writers:

    - with ``source_column``, the rows previously loaded from the same objects (each row records
      its object's key there), so runs that stage different objects never disturb each other;
    - without it, the whole table. With ``skip_unchanged`` as well, nothing at all when the
      listing, options and columns are those of the load that filled the table (see
      ``staged_sources``): an unchanged catalogue costs one listing.

    :param s3_key: an exact key (the object must exist), or with ``prefix=True`` a key prefix
        (at least one object must match). Templated; may be a list of keys.
    :param source_url: the data root, ``s3://bucket[/path]`` or ``file:///abs/path``. Templated.
    :param columns: target columns, in JSONPaths order; default: every column of the table but
        ``source_column``.
    """

    template_fields: Sequence[str] = ("source_url", "s3_key", "json_format")
    ui_color = "#358140"

    def __init__(
        self,
        *,
        table: str,
        source_url: str,
        s3_key: str | Sequence[str],
        prefix: bool = False,
        json_format: str = JSON_AUTO,
        timeformat: str | None = None,
        blanks_as_null: bool = False,
        empty_as_null: bool = False,
        truncate_columns: bool = False,
        columns: Sequence[str] | None = None,
        source_column: str | None = None,
        skip_unchanged: bool = False,
        redshift_conn_id: str = "redshift",
        aws_conn_id: str | None = "aws_default",
        schema: str | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        quote_identifier(table)
        for name in [*(columns or []), *([source_column] if source_column else [])]:
            quote_identifier(name)
        self.table = table
        self.source_url = source_url
        self.s3_key = s3_key
        self.prefix = prefix
        self.json_format = json_format
        self.timeformat = timeformat
        self.blanks_as_null = blanks_as_null
        self.empty_as_null = empty_as_null
        self.truncate_columns = truncate_columns
        self.columns = list(columns) if columns else None
        if skip_unchanged and source_column:
            raise PipelineConfigError(
                "skip_unchanged applies to a stage that replaces its whole table; "
                "a stage with source_column replaces its own objects' rows already"
            )
        self.source_column = source_column
        self.skip_unchanged = skip_unchanged
        self.redshift_conn_id = redshift_conn_id
        self.aws_conn_id = aws_conn_id
        self.schema = schema

    def execute(self, context: Context) -> int:
        options = CopyOptions(
            json_format=self.json_format,
            timeformat=self.timeformat,
            blanks_as_null=self.blanks_as_null,
            empty_as_null=self.empty_as_null,
            truncate_columns=self.truncate_columns,
        )
        dialect = warehouse_dialect(self.redshift_conn_id)
        root = SourceRoot(self.source_url, self.aws_conn_id)
        objects = self._resolve_objects(root)
        self.log.info("Staging %d object(s) into %s: %s", len(objects), self.table, objects[0].url)
        table_sql = qualified_table(self.table, self.schema)
        source = ", ".join(f"{root.url}/{key}" for key in self._keys())

        with transaction(warehouse_hook(self.redshift_conn_id)) as cursor:
            columns = self._target_columns(read_table_columns(cursor, self.table, self.schema))
            cursor.execute(lock_table_sql(dialect, table_sql))
            fingerprint = self._fingerprint(objects, options, columns)
            if fingerprint is not None:
                kept = unchanged_rows(
                    cursor, self.schema, self.table, table_sql, source, fingerprint
                )
                if kept is not None:
                    self.log.info("Unchanged since staged, kept %d row(s): %s", kept, source)
                    return kept
            self._delete_replaced_rows(cursor, table_sql, objects)
            if dialect is Dialect.REDSHIFT:
                rows = self._copy_on_redshift(cursor, table_sql, columns, objects, root, options)
            else:
                mapper = self._row_mapper(columns, root, options)
                names = [c.name for c in columns]
                rows = copy_json_objects(
                    cursor, table_sql, names, mapper, objects, self.source_column
                )
                # Fresh statistics before the loads read the table: planned from stale ones
                # (an empty table), the fact's catalogue join became a nested loop over
                # every play, 30 s for an hour of a 1M-event day instead of well under 1 s.
                cursor.execute(f"ANALYZE {table_sql}")
            if self.skip_unchanged:
                record_load(cursor, self.schema, self.table, source, fingerprint, rows)
        self.log.info("Staged %d row(s) into %s", rows, self.table)
        return rows

    def _fingerprint(self, objects, options: CopyOptions, columns: list[Column]) -> str | None:
        """With skip_unchanged, what identifies this load (listing, options, columns)."""
        if not self.skip_unchanged:
            return None
        settings = repr((options, self.prefix, [c.name for c in columns]))
        return listing_fingerprint(objects, settings)

    def _resolve_objects(self, root: SourceRoot) -> list[SourceObject]:
        keys = self._keys()
        if not keys:
            raise PipelineConfigError("s3_key names no object")
        objects: list[SourceObject] = []
        for key in keys:
            objects.extend(root.objects_under(key) if self.prefix else [root.object(key)])
        return objects

    def _target_columns(self, table_columns: list[Column]) -> list[Column]:
        by_name = {c.name: c for c in table_columns}
        if self.source_column and self.source_column not in by_name:
            raise PipelineConfigError(f"{self.table} has no column {self.source_column!r}")
        if self.columns is None:
            return [c for c in table_columns if c.name != self.source_column]
        missing = [name for name in self.columns if name not in by_name]
        if missing:
            raise PipelineConfigError(f"{self.table} has no column(s) {missing}")
        return [by_name[name] for name in self.columns]

    def _delete_replaced_rows(self, cursor, table_sql: str, objects: list[SourceObject]) -> None:
        if self.source_column is None:
            cursor.execute(f"DELETE FROM {table_sql}")
            return
        placeholders = ", ".join(["%s"] * len(objects))
        cursor.execute(
            f"DELETE FROM {table_sql} WHERE {quote_identifier(self.source_column)} "
            f"IN ({placeholders})",
            [o.key for o in objects],
        )

    def _row_mapper(self, columns: list[Column], root: SourceRoot, options: CopyOptions):
        if options.jsonpaths_key is None:
            return RowMapper(columns, options)
        jsonpaths_file = root.object(options.jsonpaths_key)
        try:
            document = orjson.loads(jsonpaths_file.path.read_bytes())
        except orjson.JSONDecodeError as exc:
            raise SourceDataError(f"{jsonpaths_file.url}: malformed JSON: {exc}") from None
        paths = parse_jsonpaths_file(document, jsonpaths_file.url)
        return RowMapper(columns, options, paths, jsonpaths_source=jsonpaths_file.url)

    def _copy_on_redshift(self, cursor, table_sql, columns, objects, root, options) -> int:
        """One server-side COPY per exact object (or per prefix), tagging rows where asked.

        COPY reads every object whose key *starts with* its FROM, so an exact key is only used
        once the listing shows that no other object shares it as a prefix.
        """
        if not root.url.startswith("s3://"):
            raise PipelineConfigError("Redshift COPY reads from S3: source_url must be s3://")
        if self.prefix and self.source_column:
            raise PipelineConfigError(
                "on Redshift, source_column needs exact keys: COPY from a prefix cannot tell "
                "which object a row came from"
            )
        credentials, region = copy_access(self.aws_conn_id)
        jsonpaths_url = (
            root.object(options.jsonpaths_key).url if options.jsonpaths_key is not None else None
        )
        if self.prefix:
            loads = [(f"{root.url}/{key.lstrip('/')}", None) for key in self._keys()]
        else:
            for source in objects:
                self._check_key_is_exact(root, source)
            loads = [(o.url, o.key) for o in objects]
        names = [c.name for c in columns]
        rows = 0
        for from_url, key in loads:
            statement = copy_statement(
                table_sql, names, from_url, options, credentials, region, jsonpaths_url
            )
            self.log.info("Running %s", mask_credentials(statement))
            rows += run_copy(cursor, statement)
            if self.source_column:
                tag = quote_identifier(self.source_column)
                cursor.execute(f"UPDATE {table_sql} SET {tag} = %s WHERE {tag} IS NULL", [key])
        return rows

    @staticmethod
    def _check_key_is_exact(root: SourceRoot, source: SourceObject) -> None:
        others = [o.url for o in root.objects_under(source.key) if o.key != source.key]
        if others:
            raise SourceDataError(
                f"COPY FROM {source.url} would also load {len(others)} other object(s) whose "
                f"keys start with it, e.g. {others[0]}; move them away or rename the key"
            )

    def _keys(self) -> list[str]:
        return [self.s3_key] if isinstance(self.s3_key, str) else list(self.s3_key)
