"""The warehouse behind the ``redshift`` connection: Amazon Redshift, or PostgreSQL for it.

- ``connection``: ``Warehouse`` (the dialect, how to reach it, transactions, table locks) and
  ``Dialect``;
- ``data_api``: the DB-API connection and cursor over the Redshift Data API.
"""

from sparkify.warehouse.connection import WAREHOUSE_CONN_ID, Dialect, Warehouse

__all__ = ["WAREHOUSE_CONN_ID", "Dialect", "Warehouse"]
