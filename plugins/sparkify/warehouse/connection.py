"""The warehouse behind an Airflow connection: Amazon Redshift, or PostgreSQL standing in for it.

The connection type decides the dialect: ``redshift`` (the amazon provider's RedshiftSQLHook)
means Amazon Redshift, ``postgres`` means PostgreSQL. The connection is read once, and gives
both the dialect and how to reach it: the provider's hook, or, for a ``redshift`` connection
whose extra says ``"data_api": true``, the Redshift Data API (``data_api``). SQL
templates see the dialect as ``dialect`` and switch the few clauses that differ (DISTKEY,
SORTKEY, LOCK); everything else is written once, in SQL that both accept.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from airflow.providers.common.sql.hooks.sql import DbApiHook
from airflow.sdk import BaseHook

from sparkify.errors import PipelineConfigError
from sparkify.warehouse.data_api import DataApiConnection, DataApiTarget

# The connection every warehouse operator uses unless told otherwise.
WAREHOUSE_CONN_ID = "redshift"


class Dialect(StrEnum):
    POSTGRES = "postgres"
    REDSHIFT = "redshift"


_DIALECT_BY_CONN_TYPE = {
    "redshift": Dialect.REDSHIFT,
    "postgres": Dialect.POSTGRES,
    "postgresql": Dialect.POSTGRES,
}


class Warehouse:
    """One warehouse connection: its dialect, how to reach it, transactions and table locks.

    ``hook`` is the provider's DB-API hook (a driver connection), ``data_api`` the Data API
    target instead; exactly one is set.
    """

    def __init__(
        self, hook: DbApiHook | None, dialect: Dialect, data_api: DataApiTarget | None = None
    ) -> None:
        self.hook = hook
        self.dialect = dialect
        self.data_api = data_api

    @classmethod
    def from_connection(cls, conn_id: str) -> Warehouse:
        """Read connection ``conn_id`` (once) and tell Redshift from PostgreSQL by its type."""
        connection = BaseHook.get_connection(conn_id)
        dialect = _DIALECT_BY_CONN_TYPE.get(connection.conn_type)
        if dialect is None:
            raise PipelineConfigError(
                f"connection {conn_id!r} has type {connection.conn_type!r}; the warehouse must "
                "be a 'redshift' or 'postgres' connection"
            )
        if dialect is Dialect.REDSHIFT and connection.extra_dejson.get("data_api"):
            return cls(None, dialect, DataApiTarget.from_connection(connection))
        return cls(connection.get_hook(), dialect)

    def connect(self):
        """A new DB-API connection: the driver's, or one Data API session."""
        if self.data_api is not None:
            return DataApiConnection(self.data_api)
        return self.hook.get_conn()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Any]:
        """Yield a cursor inside one transaction: commit if the block succeeds, else roll back.

        Every load runs in one of these, so a failed task leaves the warehouse as it was. If
        the connection is gone, the server has rolled back already: the block's own error is
        the one raised, not the failed rollback's.
        """
        conn = self.connect()
        try:
            conn.autocommit = False
            cursor = conn.cursor()
            try:
                yield cursor
                conn.commit()
            except BaseException:
                with contextlib.suppress(Exception):
                    conn.rollback()
                raise
            finally:
                with contextlib.suppress(Exception):
                    cursor.close()
        finally:
            with contextlib.suppress(Exception):
                conn.close()

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Any]:
        """A cursor whose every query sees the warehouse as of one moment, for reading.

        Redshift's transactions are serializable already; PostgreSQL's default, READ
        COMMITTED, takes a new snapshot for each statement, so a run loading meanwhile could
        show one check its rows and the next one not.
        """
        with self.transaction() as cursor:
            if self.dialect is Dialect.POSTGRES:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield cursor

    def run_script(self, statements: list[str]) -> None:
        """Run ``statements`` in one transaction: all of them land, or none does.

        Over the Data API, one BatchExecuteStatement, which is one transaction by definition.
        """
        if self.data_api is not None:
            DataApiConnection(self.data_api).execute_batch(statements)
            return
        with self.transaction() as cursor:
            for statement in statements:
                cursor.execute(statement)

    def lock_statement(self, table_sql: str) -> str:
        """A statement that serialises writers of ``table_sql`` until the transaction ends.

        Parallel runs write the same tables; each load takes the lock first so that two runs
        never interleave a delete and an insert. On PostgreSQL, SHARE ROW EXCLUSIVE blocks other
        writers but not readers. Redshift has a single LOCK mode.
        """
        if self.dialect is Dialect.REDSHIFT:
            return f"LOCK {table_sql}"
        return f"LOCK TABLE {table_sql} IN SHARE ROW EXCLUSIVE MODE"
