"""LoadFactOperator: replace one data interval of a fact table with what a query returns."""

from __future__ import annotations

from collections.abc import Sequence

from airflow.sdk import BaseOperator, Context

from sparkify.errors import PipelineConfigError
from sparkify.identifiers import qualified_table, quote_identifier
from sparkify.incoming_rows import INCOMING, create_incoming_rows, insert_incoming_rows
from sparkify.warehouse import (
    WarehouseTemplatesMixin,
    lock_table_sql,
    sql_timestamp,
    transaction,
    warehouse_dialect,
    warehouse_hook,
)


class LoadFactOperator(WarehouseTemplatesMixin, BaseOperator):
    """Run the fact query ``sql`` and make it the content of this run's interval of ``table``.

    In one transaction, with the table locked against other writers: the query's rows go to a
    temporary table; if any has an ``interval_column`` outside
    [data_interval_start, data_interval_end) the task fails (the query is wrong, and loading it
    would break the next run's replacement); the interval's old rows are deleted and the new
    ones inserted. Re-running an interval therefore replaces it, and runs for different
    intervals, in any order or at once, never touch each other's rows.

    :param sql: a SELECT (or a ``.sql`` file holding one) whose column names are the fact
        table's; templated, with ``table()``, ``dialect`` and ``sql_timestamp()`` available.
    """

    template_fields: Sequence[str] = ("sql",)
    template_ext: Sequence[str] = (".sql",)
    template_fields_renderers = {"sql": "sql"}
    ui_color = "#F98866"

    def __init__(
        self,
        *,
        table: str,
        sql: str,
        interval_column: str,
        redshift_conn_id: str = "redshift",
        schema: str | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        quote_identifier(table)
        quote_identifier(interval_column)
        self.table = table
        self.sql = sql
        self.interval_column = interval_column
        self.redshift_conn_id = redshift_conn_id
        self.schema = schema

    def execute(self, context: Context) -> int:
        start = sql_timestamp(context["data_interval_start"])
        end = sql_timestamp(context["data_interval_end"])
        table_sql = qualified_table(self.table, self.schema)
        column = quote_identifier(self.interval_column)
        in_interval = f"{column} >= {start} AND {column} < {end}"
        dialect = warehouse_dialect(self.redshift_conn_id)

        with transaction(warehouse_hook(self.redshift_conn_id)) as cursor:
            cursor.execute(lock_table_sql(dialect, table_sql))
            columns = create_incoming_rows(cursor, self.sql)
            if self.interval_column not in columns:
                raise PipelineConfigError(f"the fact query returns no {self.interval_column!r}")
            cursor.execute(
                f"SELECT COUNT(*) FROM {INCOMING} WHERE {column} IS NULL OR NOT ({in_interval})"
            )
            outside = cursor.fetchone()[0]
            if outside:
                raise PipelineConfigError(
                    f"the fact query returned {outside} row(s) outside the data interval "
                    f"[{start}, {end}); a fact load may only write its own interval"
                )
            cursor.execute(f"DELETE FROM {table_sql} WHERE {in_interval}")
            deleted = cursor.rowcount
            inserted = insert_incoming_rows(cursor, table_sql, columns)
        self.log.info(
            "%s [%s, %s): replaced %d row(s) with %d", self.table, start, end, deleted, inserted
        )
        return inserted
