"""LoadFactOperator: replace one data interval of a fact table with what a query returns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from airflow.sdk import Context

from sparkify import clock
from sparkify.errors import PipelineConfigError
from sparkify.identifiers import quote_identifier
from sparkify.operators.base import WarehouseOperator, known_count
from sparkify.operators.incoming_rows import INCOMING, create_incoming_rows, insert_incoming_rows
from sparkify.partitions import DAY, hourly_partition_keys, hours_in, run_interval
from sparkify.sql_templates import interval_filter, sql_timestamp


class LoadFactOperator(WarehouseOperator):
    """Run the fact query ``sql`` and make it the content of this run's interval of ``table``.

    In one transaction, with the table locked against other writers: the query's rows go to a
    temporary table; if any has an ``interval_column`` outside the run's interval
    (``partitions.run_interval``) the task fails (the query is wrong, and loading it would
    break the next run's replacement); the interval's old rows are deleted and the new ones
    inserted. Re-running an interval therefore replaces it, and runs for different intervals,
    in any order or at once, never touch each other's rows.

    With ``history_table``, the same transaction records the interval as loaded there (rows
    loaded, run, time), replacing an earlier record of it: the warehouse itself
    knows which hours it holds. With ``hourly_partitions`` too, the Asset events announce the
    hours loaded as partition keys, and all 24 hours of a day once the day is complete (see
    ``partitions.hourly_partition_keys``), so a daily consumer runs once a whole day is in.

    :param sql: a SELECT (or a ``.sql`` file holding one) whose column names are the fact
        table's; templated, with the helpers of ``sql_templates`` (``in_interval()``, ...).
    """

    template_fields: Sequence[str] = (*WarehouseOperator.template_fields, "sql")
    template_ext: Sequence[str] = (".sql",)
    template_fields_renderers = {"sql": "sql"}
    ui_color = "#F98866"

    def __init__(
        self,
        *,
        table: str,
        sql: str,
        interval_column: str,
        history_table: str | None = None,
        hourly_partitions: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        quote_identifier(table)
        quote_identifier(interval_column)
        if history_table is not None:
            quote_identifier(history_table)
        if hourly_partitions and history_table is None:
            raise PipelineConfigError("hourly_partitions needs the history_table of loaded hours")
        self.table = table
        self.sql = sql
        self.interval_column = interval_column
        self.history_table = history_table
        self.hourly_partitions = hourly_partitions
        self.rows_loaded: int | None = None  # set by execute, for lineage

    def execute(self, context: Context) -> int:
        interval_start, interval_end = run_interval(context)
        start, end = sql_timestamp(interval_start), sql_timestamp(interval_end)
        in_interval = interval_filter(self.interval_column, interval_start, interval_end)
        column = quote_identifier(self.interval_column)
        table_sql = self.table_sql(self.table)

        partition_keys: list[str] = []
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
            if self.history_table:
                interval = (interval_start, interval_end)
                self._record_load(cursor, interval, in_interval, context.get("run_id"))
                if self.hourly_partitions:
                    loaded = self._loaded_hours_around(cursor, interval)
                    partition_keys = hourly_partition_keys(interval_start, interval_end, loaded)
        self.rows_loaded = known_count(inserted)
        self.log.info(
            "%s [%s, %s): replaced %d row(s) with %d", self.table, start, end, deleted, inserted
        )
        self.announce(
            context,
            {
                "interval_start": interval_start.isoformat(),
                "interval_end": interval_end.isoformat(),
                "rows": known_count(inserted),
                "rows_replaced": known_count(deleted),
            },
            partition_keys,
        )
        return inserted

    def lineage(self, tables):
        """The tables the query names in; the fact table (and the history of loads) out."""
        history = [self.history_table] if self.history_table else []
        return self.query_lineage(tables, self.sql, self.table, self.rows_loaded, history)

    def _record_load(self, cursor, interval, in_interval: str, run_id) -> None:
        """Record the interval as loaded in ``history_table``, replacing an earlier record.

        The row count is counted in the same transaction, not taken from the cursor: the Data
        API does not always say how many rows a statement wrote."""
        start, end = (clock.naive_utc(moment) for moment in interval)
        history = self.table_sql(self.history_table)
        cursor.execute(
            f"DELETE FROM {history} WHERE table_name = %s AND interval_start = %s",
            [self.table, start],
        )
        cursor.execute(
            f"INSERT INTO {history} (table_name, interval_start, interval_end, rows_loaded, "
            f"run_id, loaded_at) SELECT %s, %s, %s, COUNT(*), %s, %s FROM "
            f"{self.table_sql(self.table)} WHERE {in_interval}",
            [self.table, start, end, run_id, clock.naive_utc(clock.now())],
        )

    def _loaded_hours_around(self, cursor, interval) -> list[dt.datetime]:
        """The hours recorded as loaded in the UTC days the interval touches."""
        first_day = interval[0].astimezone(dt.UTC).replace(hour=0, minute=0, second=0)
        after_last_day = interval[1].astimezone(dt.UTC).replace(hour=0, minute=0, second=0) + DAY
        cursor.execute(
            "SELECT EXTRACT(EPOCH FROM interval_start), EXTRACT(EPOCH FROM interval_end) "
            f"FROM {self.table_sql(self.history_table)} "
            "WHERE table_name = %s AND interval_start >= %s AND interval_start < %s",
            [self.table, clock.naive_utc(first_day), clock.naive_utc(after_last_day)],
        )  # epoch seconds: the Data API returns timestamps as text
        hours = []
        for start, end in cursor.fetchall():
            hours += hours_in(*(dt.datetime.fromtimestamp(float(s), dt.UTC) for s in (start, end)))
        return hours
