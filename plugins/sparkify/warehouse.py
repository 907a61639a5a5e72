"""The warehouse behind an Airflow connection: Amazon Redshift, or PostgreSQL standing in for it.

The connection type decides the dialect: ``redshift`` (the amazon provider's RedshiftSQLHook)
means Amazon Redshift, ``postgres`` means PostgreSQL. SQL templates see the dialect as
``dialect`` and switch the few clauses that differ (DISTKEY, SORTKEY, LOCK); everything else is
written once, in SQL that both accept.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from airflow.providers.common.sql.hooks.sql import DbApiHook
from airflow.sdk import BaseHook

from sparkify.errors import PipelineConfigError
from sparkify.identifiers import qualified_table


class Dialect(StrEnum):
    POSTGRES = "postgres"
    REDSHIFT = "redshift"


_DIALECT_BY_CONN_TYPE = {
    "redshift": Dialect.REDSHIFT,
    "postgres": Dialect.POSTGRES,
    "postgresql": Dialect.POSTGRES,
}


def warehouse_dialect(conn_id: str) -> Dialect:
    """Tell Redshift from PostgreSQL by the connection's type."""
    conn_type = BaseHook.get_connection(conn_id).conn_type
    try:
        return _DIALECT_BY_CONN_TYPE[conn_type]
    except KeyError:
        raise PipelineConfigError(
            f"connection {conn_id!r} has type {conn_type!r}; the warehouse must be a "
            "'redshift' or 'postgres' connection"
        ) from None


def warehouse_hook(conn_id: str) -> DbApiHook:
    """The provider's hook for the connection (RedshiftSQLHook or PostgresHook)."""
    return BaseHook.get_connection(conn_id).get_hook()


@contextlib.contextmanager
def transaction(hook: DbApiHook) -> Iterator[Any]:
    """Yield a cursor inside one transaction: commit if the block succeeds, else roll back.

    Every load runs in one of these, so a failed task leaves the warehouse as it was.
    """
    conn = hook.get_conn()
    try:
        conn.autocommit = False
        cursor = conn.cursor()
        try:
            yield cursor
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            cursor.close()
    finally:
        conn.close()


def lock_table_sql(dialect: Dialect, table: str) -> str:
    """A statement that serialises writers of ``table`` until the transaction ends.

    Parallel runs write the same tables; each load takes the lock first so that two runs never
    interleave a delete and an insert. On PostgreSQL, SHARE ROW EXCLUSIVE blocks other writers
    but not readers. Redshift has a single LOCK mode.
    """
    if dialect is Dialect.REDSHIFT:
        return f"LOCK {table}"
    return f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"


def sql_timestamp(value: dt.datetime) -> str:
    """A UTC ``TIMESTAMP '...'`` literal for a timezone-aware datetime."""
    if value.tzinfo is None:
        raise ValueError(f"expected a timezone-aware datetime, got {value!r}")
    utc = value.astimezone(dt.UTC)
    return f"TIMESTAMP '{utc.strftime('%Y-%m-%d %H:%M:%S.%f')}'"


def warehouse_template_context(conn_id: str, schema: str | None) -> dict[str, Any]:
    """What SQL templates see beside Airflow's context."""
    return {
        "dialect": warehouse_dialect(conn_id).value,
        "table": lambda name: qualified_table(name, schema),
        "sql_timestamp": sql_timestamp,
    }


class WarehouseTemplatesMixin:
    """Render an operator's templates with the warehouse's dialect and ``table()`` helper.

    The dialect is only known once the connection is read, so it joins the context at render
    time, and the rendered SQL shown in the UI is the SQL that was sent.
    """

    warehouse_conn_id_attr = "redshift_conn_id"
    schema: str | None = None

    def render_template_fields(self, context, jinja_env=None) -> None:
        conn_id = getattr(self, self.warehouse_conn_id_attr)
        context = {**context, **warehouse_template_context(conn_id, self.schema)}
        super().render_template_fields(context, jinja_env)
