"""LoadFactOperator: replace one data interval of a fact table with what a query returns."""

from __future__ import annotations

from collections.abc import Sequence

from airflow.sdk import Context

from sparkify.errors import PipelineConfigError
from sparkify.identifiers import quote_identifier
from sparkify.operators.base import WarehouseOperator
from sparkify.operators.incoming_rows import INCOMING, create_incoming_rows, insert_incoming_rows
from sparkify.sql_templates import interval_filter, sql_timestamp


class LoadFactOperator(WarehouseOperator):
    """Run the fact query ``sql`` and make it the content of this run's interval of ``table``.

    In one transaction, with the table locked against other writers: the query's rows go to a
    temporary table; if any has an ``interval_column`` outside
    [data_interval_start, data_interval_end) the task fails (the query is wrong, and loading it
    would break the next run's replacement); the interval's old rows are deleted and the new
    ones inserted. Re-running an interval therefore replaces it, and runs for different
    intervals, in any order or at once, never touch each other's rows.

    :param sql: a SELECT (or a ``.sql`` file holding one) whose column names are the fact
        table's; templated, with the helpers of ``sql_templates`` (``in_interval()``, ...).
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
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        quote_identifier(table)
        quote_identifier(interval_column)
        self.table = table
        self.sql = sql
        self.interval_column = interval_column

    def execute(self, context: Context) -> int:
        interval_start, interval_end = context["data_interval_start"], context["data_interval_end"]
        start, end = sql_timestamp(interval_start), sql_timestamp(interval_end)
        in_interval = interval_filter(self.interval_column, interval_start, interval_end)
        column = quote_identifier(self.interval_column)
        table_sql = self.table_sql(self.table)

        with self.locked_transaction(self.table) as cursor:
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
