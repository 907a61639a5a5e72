"""WarehouseSqlOperator: run a SQL script against the warehouse, in its dialect."""

from __future__ import annotations

from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

from sparkify.warehouse import WarehouseTemplatesMixin


class WarehouseSqlOperator(WarehouseTemplatesMixin, SQLExecuteQueryOperator):
    """common.sql's SQLExecuteQueryOperator, with ``dialect`` and ``table()`` in its templates.

    The statements of a script run in one transaction (``autocommit=False``), so the DDL that
    creates the schema either all lands or none of it does.
    """

    warehouse_conn_id_attr = "conn_id"

    def __init__(self, *, schema: str | None = None, **kwargs) -> None:
        kwargs.setdefault("autocommit", False)
        kwargs.setdefault("split_statements", True)
        super().__init__(**kwargs)
        self.schema = schema
