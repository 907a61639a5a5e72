"""StageToRedshiftOperator: load JSON objects from S3 (or local files) into a staging table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from airflow.sdk import Context

from sparkify import clock, lineage
from sparkify.aws_identities import COPY_ROLE, WORKERS
from sparkify.errors import PipelineConfigError
from sparkify.identifiers import quote_identifier
from sparkify.operators.base import WarehouseOperator
from sparkify.staging.backends import copy_backend
from sparkify.staging.copy_options import JSON_AUTO, CopyOptions
from sparkify.staging.copy_target import CopyTarget
from sparkify.staging.retention import StagingRetention
from sparkify.staging.source import Selection, SourceRoot
from sparkify.staging.staged_sources import StagedSource, StagedSources, listing_fingerprint
from sparkify.staging.table_columns import Column, read_table_columns


class StageToRedshiftOperator(WarehouseOperator):
    """Load the JSON objects at ``s3_key`` under ``source_url`` into ``table``.

    The options mirror Redshift COPY (``json_format``: 'auto', 'auto ignorecase' or the key of a
    JSONPaths file; ``timeformat='epochmillisecs'``; BLANKSASNULL, EMPTYASNULL,
    TRUNCATECOLUMNS) and are checked when the operator is made, so a bad one fails the DAG's
    import. On a Redshift connection the warehouse runs COPY from S3 itself; on a PostgreSQL
    connection the operator streams the objects and bulk-loads them with ``COPY FROM STDIN``
    under the same semantics (the backends: ``sparkify.staging.backends``).

    What a load replaces, in one transaction with the table locked against other writers:

    - with ``source_column``, the rows previously loaded from the same objects (each row records
      its object's key there), so runs that stage different objects never disturb each other;
    - without it, the whole table.

    With ``skip_unchanged``, a source whose listing, options and columns are those of the load
    that the table still holds is kept as it is (see ``staged_sources``): per object with a
    source column (a day file staged by an earlier hour of its day), else for the whole table.

    :param s3_key: an exact key (the object must exist), or with ``prefix=True`` a key prefix
        (at least one object must match). Templated; may be a list of keys.
    :param source_url: the data root, ``s3://bucket[/path]`` or ``file:///abs/path``. Templated.
    :param columns: target columns, in JSONPaths order; default: every column of the table but
        ``source_column``.
    :param aws_conn_id: the workers' identity, which lists and reads the source (S3 roots).
    :param copy_role_conn_id: on Redshift, the connection naming the IAM role Redshift assumes
        for COPY (extra ``role_arn``) and the bucket's region (``region_name``).
    :param retention_days: with ``source_column`` and ``skip_unchanged``: delete the rows of
        objects no run has staged or kept for this many days (at least 1; see
        ``sparkify.staging.retention``). Templated, so a Variable can set it.
    """

    template_fields: Sequence[str] = (
        *WarehouseOperator.template_fields,
        "source_url", "s3_key", "json_format", "retention_days", "aws_conn_id",
        "copy_role_conn_id",
    )  # fmt: skip
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
        retention_days: int | str | None = None,
        aws_conn_id: str | None = WORKERS.conn_id,
        copy_role_conn_id: str = COPY_ROLE.conn_id,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        if retention_days is not None and not (source_column and skip_unchanged):
            raise PipelineConfigError("retention_days needs source_column and skip_unchanged")
        if isinstance(retention_days, int):
            _checked_days(retention_days)
        for name in [table, *(columns or []), *([source_column] if source_column else [])]:
            quote_identifier(name)
        self.copy_options = CopyOptions(
            json_format=json_format,
            timeformat=timeformat,
            blanks_as_null=blanks_as_null,
            empty_as_null=empty_as_null,
            truncate_columns=truncate_columns,
        )
        self.table = table
        self.source_url = source_url
        self.s3_key = s3_key
        self.prefix = prefix
        self.json_format = json_format  # templated; checked again once rendered
        self.columns = list(columns) if columns else None
        self.source_column = source_column
        self.skip_unchanged = skip_unchanged
        self.retention_days = retention_days
        self.aws_conn_id = aws_conn_id
        self.copy_role_conn_id = copy_role_conn_id
        self.rows_staged: int | None = None  # set by execute, for lineage

    def execute(self, context: Context) -> int:
        options = replace(self.copy_options, json_format=self.json_format)
        retention = None if self.retention_days is None else _checked_days(self.retention_days)
        selection = SourceRoot(self.source_url, self.aws_conn_id).select(self._keys(), self.prefix)
        self.log.info(
            "Staging %d object(s) into %s: %s",
            len(selection.objects),
            self.table,
            selection.objects[0].url,
        )
        with self.locked_transaction(self.table) as cursor:
            target = self._target(read_table_columns(cursor, self.table, self.schema))
            records = StagedSources(
                cursor, self.schema, self.table, target.table_sql, self.source_column
            )
            sources = self._sources(selection, options, target)
            held, changed = self._keep_unchanged(records, sources)
            rows = 0
            if changed:
                if self.source_column:
                    selection = selection.only([o for s in changed for o in s.objects])
                self._delete_replaced_rows(cursor, target, selection)
                copy_objects = copy_backend(self.warehouse.dialect, self.copy_role_conn_id)
                rows = copy_objects(cursor, target, selection, options)
                if self.skip_unchanged:
                    for source in changed:
                        loaded = rows if len(changed) == 1 else records.rows_from(source)
                        records.record(source, loaded)
                self.log.info("Staged %d row(s) into %s", rows, self.table)
            if retention is not None:
                self._prune(cursor, target, selection.root.url, sources, retention)
        self.rows_staged = rows
        self.announce(
            context,
            {"sources": [s.source for s in sources], "rows_staged": rows, "rows_kept": held},
        )
        return held + rows

    def lineage(self, tables):
        """The objects or prefixes asked for and the JSONPaths file in; the table out, with the
        rows this run staged (0 when everything was kept)."""
        keys = self._keys()
        jsonpaths = replace(self.copy_options, json_format=self.json_format).jsonpaths_key
        inputs = [lineage.object_dataset(self.source_url, key) for key in keys]
        if jsonpaths is not None:
            inputs.append(lineage.object_dataset(self.source_url, jsonpaths))
        output = tables.datasets([self.table])[self.table]
        return inputs, [lineage.with_row_count(output, self.rows_staged)], {}

    def _prune(
        self, cursor, target: CopyTarget, root_url: str, used: list[StagedSource], days: int
    ) -> None:
        """Note this run's sources as used; prune those unused for ``days``."""
        retention = StagingRetention(
            cursor, self.schema, self.table, target.table_sql, self.source_column, days,
            clock.now(),
        )  # fmt: skip
        retention.mark_used(source.source for source in used)
        rows, pruned = retention.prune(root_url)
        if pruned:
            self.log.info(
                "Pruned %d row(s) of %d source(s) unused for %d day(s): %s",
                rows, len(pruned), days, ", ".join(pruned),
            )  # fmt: skip

    def _keep_unchanged(
        self, records: StagedSources, sources: list[StagedSource]
    ) -> tuple[int, list[StagedSource]]:
        """The rows kept of the sources unchanged since staged (with skip_unchanged), and the
        sources that must be staged."""
        held, changed = 0, []
        for source in sources:
            kept = records.kept_rows(source) if self.skip_unchanged else None
            if kept is None:
                changed.append(source)
            else:
                self.log.info("Unchanged since staged, kept %d row(s): %s", kept, source.source)
                held += kept
        return held, changed

    def _target(self, table_columns: list[Column]) -> CopyTarget:
        by_name = {c.name: c for c in table_columns}
        if self.source_column and self.source_column not in by_name:
            raise PipelineConfigError(f"{self.table} has no column {self.source_column!r}")
        if self.columns is None:
            columns = [c for c in table_columns if c.name != self.source_column]
        else:
            missing = [name for name in self.columns if name not in by_name]
            if missing:
                raise PipelineConfigError(f"{self.table} has no column(s) {missing}")
            columns = [by_name[name] for name in self.columns]
        return CopyTarget(self.table_sql(self.table), columns, self.source_column)

    def _sources(
        self, selection: Selection, options: CopyOptions, target: CopyTarget
    ) -> list[StagedSource]:
        """What the load is recorded as: each object (source column), else the whole listing.

        The settings the fingerprints cover include the JSONPaths file as listed, since a new
        mapping changes every row.
        """
        mapping = None
        if options.jsonpaths_key is not None:
            jsonpaths = selection.root.object(options.jsonpaths_key)
            mapping = (jsonpaths.key, jsonpaths.size, jsonpaths.version)
        settings = repr((options, self.prefix, [c.name for c in target.columns], mapping))
        if self.source_column is None:
            objects = selection.objects
            fingerprint = listing_fingerprint(objects, settings)
            return [StagedSource(selection.requested, objects, fingerprint)]
        return [
            StagedSource(o.url, (o,), listing_fingerprint([o], settings), key=o.key)
            for o in selection.objects
        ]

    def _delete_replaced_rows(self, cursor, target: CopyTarget, selection: Selection) -> None:
        if target.source_column is None:
            cursor.execute(f"DELETE FROM {target.table_sql}")
            return
        placeholders = ", ".join(["%s"] * len(selection.objects))
        cursor.execute(
            f"DELETE FROM {target.table_sql} WHERE {quote_identifier(target.source_column)} "
            f"IN ({placeholders})",
            [o.key for o in selection.objects],
        )

    def _keys(self) -> list[str]:
        return [self.s3_key] if isinstance(self.s3_key, str) else list(self.s3_key)


def _checked_days(value) -> int:
    """``retention_days`` as a whole number of days, at least 1."""
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = 0
    if days < 1 or str(days) != str(value).strip():
        raise PipelineConfigError(f"retention_days must be a whole number of days >= 1: {value!r}")
    return days
