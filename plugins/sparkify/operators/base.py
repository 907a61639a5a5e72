"""WarehouseOperator: what every operator that works in the warehouse has in common."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import Asset, BaseOperator

from sparkify import lineage
from sparkify.identifiers import qualified_table, quote_identifier
from sparkify.sql_templates import template_helpers
from sparkify.warehouse import WAREHOUSE_CONN_ID, Warehouse

if TYPE_CHECKING:
    from airflow.providers.openlineage.extractors import OperatorLineage


class WarehouseOperator(BaseOperator):
    """What every operator that works in the Sparkify warehouse (Redshift, or PostgreSQL) has.

    - the warehouse connection, ``redshift_conn_id`` (templated; default ``redshift``), is read
      once per task: ``warehouse`` holds its dialect and the provider's hook or the Data API;
    - ``schema`` places every table the operator names (default: the connection's schema);
    - templates render with the helpers of ``sql_templates`` (``table()``, ``in_interval()``,
      ``dialect``, ...);
    - ``locked_transaction(table)`` is the one transaction a load runs in, with the table locked
      against other writers, so a failed task leaves the warehouse as it was and parallel runs
      never interleave;
    - ``announce(context, ...)`` puts what a load did in the events of the Assets it declares
      as outlets (Airflow emits them when the task succeeds);
    - ``lineage(tables)`` says which tables and objects the task read and wrote, for the
      OpenLineage provider (``get_openlineage_facets_on_complete``). The tables a template
      names with ``table()`` are recorded as it renders (``tables_named``), so the SQL files
      are where lineage comes from.

    It is a BaseOperator, not common.sql's BaseSQLOperator: that base's ``conn_id``,
    ``database`` and ``hook_params`` would be a second name for the connection and two
    settings the Data API path cannot honour. The connection id has one name, the amazon
    provider's (``redshift_conn_id``, as in S3ToRedshiftOperator).
    """

    template_fields: Sequence[str] = ("redshift_conn_id",)

    def __init__(
        self, *, redshift_conn_id: str = WAREHOUSE_CONN_ID, schema: str | None = None, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        if schema is not None:
            quote_identifier(schema)
        self.redshift_conn_id = redshift_conn_id
        self.schema = schema
        self.tables_named: dict[str, None] = {}  # an ordered set, filled as templates render

    @cached_property
    def warehouse(self) -> Warehouse:
        return Warehouse.from_connection(self.redshift_conn_id)

    def table_sql(self, table: str) -> str:
        """``table``, quoted and placed in ``schema``."""
        return qualified_table(table, self.schema)

    def render_template_fields(self, context: Any, jinja_env=None) -> None:
        """Render the connection id first: the other templates' helpers need its dialect."""
        self.redshift_conn_id = self.render_template(self.redshift_conn_id, context, jinja_env)
        helpers = template_helpers(self.warehouse.dialect, self.schema, context)
        table_sql = helpers["table"]

        def table(name: str) -> str:
            self.tables_named[name] = None
            return table_sql(name)

        super().render_template_fields({**context, **helpers, "table": table}, jinja_env)

    def get_openlineage_facets_on_start(self) -> OperatorLineage:
        """What the task will read and write (common.sql's own parse of ``sql`` would miss the
        tables its CTEs read, and know nothing of a stage's objects)."""
        return self.get_openlineage_facets_on_complete(None)

    def get_openlineage_facets_on_complete(self, task_instance) -> OperatorLineage:
        """What the task read and wrote, with the tables' columns as they are now.

        The OpenLineage provider's listener calls it as the task starts, ends, and fails (its
        on_failure falls back to this). Only then is the warehouse read for lineage, in a
        session of its own: with OpenLineage configured, each task opens two more.
        """
        from airflow.providers.openlineage.extractors import OperatorLineage

        namespace = lineage.warehouse_namespace(self.warehouse)
        with self.warehouse.snapshot() as cursor:
            inputs, outputs, job_facets = self.lineage(
                lineage.WarehouseTables(cursor, namespace, self.schema)
            )
        return OperatorLineage(inputs=inputs, outputs=outputs, job_facets=job_facets)

    def lineage(self, tables: lineage.WarehouseTables) -> tuple[list, list, dict]:
        """(input datasets, output datasets, job facets) of what ``execute`` did."""
        raise NotImplementedError

    def query_lineage(
        self, tables: lineage.WarehouseTables, sql: str, target: str, rows: int | None,
        also_written: Sequence[str] = (),
    ) -> tuple[list, list, dict]:  # fmt: skip
        """A load of ``target`` (``rows`` written) from the query ``sql``: the tables the query
        names are read, ``target`` and ``also_written`` written, the query is the job's SQL."""
        from openlineage.client.facet_v2 import sql_job

        datasets = tables.datasets([*self.tables_named, target, *also_written])
        inputs = [datasets[table] for table in self.tables_named]
        outputs = [lineage.with_row_count(datasets[target], rows)]
        outputs += [lineage.with_row_count(datasets[table], None) for table in also_written]
        return inputs, outputs, {"sql": sql_job.SQLJobFacet(query=sql)}

    @contextlib.contextmanager
    def locked_transaction(self, table: str) -> Iterator[Any]:
        """A cursor in one transaction that has locked ``table`` against other writers."""
        with self.warehouse.transaction() as cursor:
            cursor.execute(self.warehouse.lock_statement(self.table_sql(table)))
            yield cursor

    def announce(
        self, context: Any, extra: dict[str, Any], partition_keys: Sequence[str] = ()
    ) -> None:
        """Give every Asset among the outlets this event ``extra`` and these partition keys."""
        outlet_events = context.get("outlet_events")
        if outlet_events is None:  # executed outside a task run (tools/task_runner.py)
            return
        for outlet in self.outlets:
            if isinstance(outlet, Asset):
                outlet_events[outlet].extra.update(extra)
                if partition_keys:
                    outlet_events[outlet].add_partitions(list(partition_keys))


def known_count(rowcount: int) -> int | None:
    """A cursor's row count, or None where the warehouse did not say (the Data API's -1)."""
    return rowcount if rowcount >= 0 else None
