"""What SQL templates see: the one place every helper of the SQL files and checks comes from.

Every templated SQL of the project (``include/sql/*.sql``, the quality checks, the stage's keys)
is rendered with Airflow's context plus these helpers:

- ``dialect``: ``'redshift'`` or ``'postgres'``, the warehouse's;
- ``table('songplays')``: the quoted table name, in the operator's schema if it has one;
- ``in_interval('start_time')``: the run's interval (``partitions.run_interval``) as a filter,
  ``"start_time" >= TIMESTAMP '<start>' AND "start_time" < TIMESTAMP '<end>'``; a column may
  carry its table's alias (``in_interval('plays.start_time')``);
- ``in_day('ts')``: the UTC day of the run's interval start as a filter, the day whose file
  ``log_key(data_interval_start)`` names;
- ``run_date()``: the UTC date the run's interval starts on, a ``DATE '...'`` literal;
- ``sql_timestamp(moment)``: a UTC ``TIMESTAMP '...'`` literal;
- ``log_key(moment)``: the key of the day file holding ``moment``'s events (see ``layout``).

The dialect is only known once the connection is read, so the helpers join the context at
render time (``WarehouseOperator.render_template_fields``), and the rendered SQL shown in the
UI is the SQL that was sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sparkify.identifiers import qualified_table, quote_identifier
from sparkify.partitions import run_interval
from sparkify.staging.layout import log_key
from sparkify.warehouse import Dialect


def sql_timestamp(value: dt.datetime) -> str:
    """A UTC ``TIMESTAMP '...'`` literal for a timezone-aware datetime."""
    if value.tzinfo is None:
        raise ValueError(f"expected a timezone-aware datetime, got {value!r}")
    utc = value.astimezone(dt.UTC)
    return f"TIMESTAMP '{utc.strftime('%Y-%m-%d %H:%M:%S.%f')}'"


def quote_column(column: str) -> str:
    """``"column"``, or ``"alias"."column"`` for ``alias.column``; each part checked."""
    return ".".join(quote_identifier(part) for part in column.split("."))


def interval_filter(column: str, start: dt.datetime, end: dt.datetime) -> str:
    """``column`` in [start, end): the one way the pipeline's SQL selects an interval."""
    quoted = quote_column(column)
    return f"{quoted} >= {sql_timestamp(start)} AND {quoted} < {sql_timestamp(end)}"


def template_helpers(
    dialect: Dialect, schema: str | None, context: Mapping[str, Any]
) -> dict[str, Any]:
    """The helpers above, for a run whose Airflow context is ``context``."""

    def in_interval(column: str) -> str:
        return interval_filter(column, *run_interval(context))

    def in_day(column: str) -> str:
        start = run_interval(context)[0].astimezone(dt.UTC)
        midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
        return interval_filter(column, midnight, midnight + dt.timedelta(days=1))

    def run_date() -> str:
        return f"DATE '{run_interval(context)[0].astimezone(dt.UTC):%Y-%m-%d}'"

    return {
        "dialect": dialect.value,
        "table": lambda name: qualified_table(name, schema),
        "in_interval": in_interval,
        "in_day": in_day,
        "run_date": run_date,
        "sql_timestamp": sql_timestamp,
        "log_key": log_key,
    }
