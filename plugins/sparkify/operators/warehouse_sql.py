"""WarehouseSqlOperator: run a SQL script against the warehouse, in its dialect."""

from __future__ import annotations

from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

from sparkify.operators.base import WarehouseOperator


class WarehouseSqlOperator(WarehouseOperator, SQLExecuteQueryOperator):
    """common.sql's SQLExecuteQueryOperator on the warehouse, with the SQL templates' helpers.

    The statements of a script run in one transaction (``autocommit=False``), so the DDL that
    creates the schema either all lands or none of it does.
    """

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("autocommit", False)
        kwargs.setdefault("split_statements", True)
        super().__init__(**kwargs)
