"""LoadDimensionOperator: load a dimension table by truncate-insert or by upsert on its key."""

from __future__ import annotations

from collections.abc import Sequence

from airflow.sdk import Context

from sparkify.errors import PipelineConfigError
from sparkify.identifiers import quote_identifier
from sparkify.operators.base import WarehouseOperator, known_count
from sparkify.operators.incoming_rows import INCOMING, create_incoming_rows, insert_incoming_rows

TRUNCATE_INSERT = "truncate_insert"
UPSERT = "upsert"


class LoadDimensionOperator(WarehouseOperator):
    """Load the rows a query returns into a dimension table, in one transaction.

    - ``mode="truncate_insert"``: the table becomes exactly the query's rows. It empties the
      table with DELETE, not TRUNCATE: on Redshift TRUNCATE commits at once, and a failure after
      it would leave the dimension empty.
    - ``mode="upsert"``: rows whose ``key_columns`` match a query row are replaced, others are
      added (DELETE ... USING then INSERT; no ON CONFLICT, which Redshift lacks). The query
      decides what wins: the users query, for example, returns a user only when its event is
      newer than the stored one, so loading an older hour later changes nothing.

    Either way the table is locked against other writers first, and the query may return each
    key once at most, with no NULL key.
    """

    template_fields: Sequence[str] = (*WarehouseOperator.template_fields, "sql")
    template_ext: Sequence[str] = (".sql",)
    template_fields_renderers = {"sql": "sql"}
    ui_color = "#80BD9E"

    def __init__(
        self,
        *,
        table: str,
        sql: str,
        mode: str = UPSERT,
        key_columns: Sequence[str] = (),
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        if mode not in (TRUNCATE_INSERT, UPSERT):
            raise PipelineConfigError(f"mode must be {TRUNCATE_INSERT!r} or {UPSERT!r}")
        if mode == UPSERT and not key_columns:
            raise PipelineConfigError("an upsert needs key_columns")
        quote_identifier(table)
        for name in key_columns:
            quote_identifier(name)
        self.table = table
        self.sql = sql
        self.mode = mode
        self.key_columns = list(key_columns)
        self.rows_loaded: int | None = None  # set by execute, for lineage

    def execute(self, context: Context) -> int:
        table_sql = self.table_sql(self.table)
        with self.locked_transaction(self.table) as cursor:
            columns = create_incoming_rows(cursor, self.sql)
            if self.mode == UPSERT:
                self._check_keys(cursor, columns)
                matches = " AND ".join(
                    f"{table_sql}.{quote_identifier(k)} = {INCOMING}.{quote_identifier(k)}"
                    for k in self.key_columns
                )
                cursor.execute(f"DELETE FROM {table_sql} USING {INCOMING} WHERE {matches}")
            else:
                cursor.execute(f"DELETE FROM {table_sql}")
            replaced = cursor.rowcount
            inserted = insert_incoming_rows(cursor, table_sql, columns)
        self.log.info(
            "%s (%s): %d row(s) written, %d replaced", self.table, self.mode, inserted, replaced
        )
        self.rows_loaded = known_count(inserted)
        counts = {"rows": self.rows_loaded, "rows_replaced": known_count(replaced)}
        self.announce(context, {"mode": self.mode, **counts})
        return inserted

    def lineage(self, tables):
        """The tables the query names in (the dimension itself, for an upsert that compares
        with what is stored); the dimension out."""
        return self.query_lineage(tables, self.sql, self.table, self.rows_loaded)

    def _check_keys(self, cursor, columns: list[str]) -> None:
        missing = [k for k in self.key_columns if k not in columns]
        if missing:
            raise PipelineConfigError(f"the dimension query returns no key column(s) {missing}")
        keys = ", ".join(quote_identifier(k) for k in self.key_columns)
        null_key = " OR ".join(f"{quote_identifier(k)} IS NULL" for k in self.key_columns)
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM (SELECT {keys} FROM {INCOMING} GROUP BY {keys} "
            f"HAVING COUNT(*) > 1) AS repeated), "
            f"(SELECT COUNT(*) FROM {INCOMING} WHERE {null_key})"
        )
        duplicates, nulls = cursor.fetchone()
        if duplicates or nulls:
            raise PipelineConfigError(
                f"the {self.table} query returned {duplicates} repeated and {nulls} NULL "
                f"key(s) on {self.key_columns}; an upsert needs each key once"
            )
