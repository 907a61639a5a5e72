"""The warehouse's tables as Airflow Assets, one URI per table.

The URIs follow the providers' conventions (``redshift://<cluster>.<region>:<port>/<database>
/<schema>/<table>``, ``postgres://<host>:<port>/<database>/<schema>/<table>``), which is also
how OpenLineage names the same datasets. A URI must be known when a DAG file is parsed, before
any connection is read, so the warehouse's part comes from the environment variable
``SPARKIFY_WAREHOUSE_URI`` (for example ``redshift://sparkify-dwh.us-west-2:5439/dev``), and
is ``postgres://localhost:5432/sparkify`` without it. Assets are named ``sparkify.<table>``, so
a downstream DAG can refer to one by name wherever the warehouse lives.
"""

from __future__ import annotations

import os

from airflow.sdk import Asset

WAREHOUSE_URI_VARIABLE = "SPARKIFY_WAREHOUSE_URI"
DEFAULT_WAREHOUSE_URI = "postgres://localhost:5432/sparkify"
DEFAULT_SCHEMA = "public"


def warehouse_asset(table: str, schema: str | None = None) -> Asset:
    """The Asset of ``table`` in the warehouse this deployment loads."""
    warehouse = os.environ.get(WAREHOUSE_URI_VARIABLE) or DEFAULT_WAREHOUSE_URI
    return Asset(
        name=f"sparkify.{table}",
        uri=f"{warehouse.rstrip('/')}/{schema or DEFAULT_SCHEMA}/{table}",
        group="warehouse",
    )
