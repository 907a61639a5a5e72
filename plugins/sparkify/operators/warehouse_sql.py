"""WarehouseSqlOperator: run a SQL script in the warehouse, all of it or none of it."""

from __future__ import annotations

from collections.abc import Sequence

from airflow.providers.common.sql.hooks.sql import DbApiHook
from airflow.sdk import Context

from sparkify.operators.base import WarehouseOperator


class WarehouseSqlOperator(WarehouseOperator):
    """Run the statements of ``sql`` (a script, or a ``.sql`` file) in one transaction.

    Over the Redshift Data API the script is one BatchExecuteStatement.

    The DDL that creates the schema either all lands or none of it does. The script is split
    with common.sql's splitter and run on the warehouse's own cursor, not through
    SQLExecuteQueryOperator: its hook reports the lineage of every statement, and the first
    report in a task process sets up every provider's asset factories, which took 0.9 s of each
    hourly run's create_tables, for DDL with no lineage worth reporting.

    :param sql: templated, with the helpers of ``sql_templates`` (``dialect``, ``table()``, ...).
    """

    template_fields: Sequence[str] = (*WarehouseOperator.template_fields, "sql")
    template_ext: Sequence[str] = (".sql",)
    template_fields_renderers = {"sql": "sql"}
    ui_color = "#CDE3F2"

    def __init__(self, *, sql: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sql = sql

    def execute(self, context: Context) -> int:
        statements = DbApiHook.split_sql_string(self.sql, strip_semicolon=True)
        self.warehouse.run_script(statements)
        self.log.info("Ran %d statement(s) in one transaction", len(statements))
        return len(statements)

    def lineage(self, tables):
        """Every table the script names, as written (it defines them), with its columns."""
        return [], list(tables.datasets(self.tables_named).values()), {}
