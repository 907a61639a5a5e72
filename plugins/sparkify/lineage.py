"""OpenLineage datasets for the warehouse's tables and the source's objects.

The operators report what they read and wrote through the OpenLineage provider (their
``get_openlineage_facets_on_complete``); this module names those datasets the way
OpenLineage's naming conventions and the providers do:

- a table: namespace ``postgres://<host>:<port>`` or ``redshift://<cluster>.<region>:<port>``
  (what the connection's hook says in ``get_openlineage_database_info``; over the Data API,
  what the amazon provider's Redshift operators say: ``<cluster or workgroup>.<region>:5439``),
  name ``<database>.<schema>.<table>``, with its columns as a schema facet;
- an S3 object or prefix: namespace ``s3://<bucket>``, name its key (a prefix without the
  trailing slash);
- a local file or folder: namespace ``file``, name its absolute path.

Imports of the OpenLineage client happen in the functions: they run only when OpenLineage is
configured, never when a DAG file is parsed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from openlineage.client.event_v2 import Dataset, OutputDataset

    from sparkify.warehouse import Warehouse

REDSHIFT_PORT = 5439


def warehouse_namespace(warehouse: Warehouse) -> str:
    """The OpenLineage namespace of the warehouse behind ``warehouse``."""
    if warehouse.data_api is not None:
        from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

        target = warehouse.data_api
        region = target.region_name or AwsBaseHook(aws_conn_id=target.aws_conn_id).region_name
        identifier = target.cluster_identifier or target.workgroup_name
        return f"redshift://{identifier}.{region}:{REDSHIFT_PORT}"
    hook = warehouse.hook
    info = hook.get_openlineage_database_info(hook.get_connection(hook.get_conn_id()))
    return f"{info.scheme}://{info.authority}"


def object_dataset(root_url: str, key: str) -> Dataset:
    """The object or prefix ``key`` under the source root ``root_url``."""
    from openlineage.client.event_v2 import Dataset

    root = urlsplit(root_url)
    path = "/".join(part.strip("/") for part in (root.path, key) if part.strip("/"))
    if root.scheme == "file":
        return Dataset(namespace="file", name=f"/{path}")
    return Dataset(namespace=f"{root.scheme}://{root.netloc}", name=path or "/")


class WarehouseTables:
    """Tables of one warehouse as OpenLineage datasets, read in one snapshot (``cursor``)."""

    def __init__(self, cursor, namespace: str, schema: str | None) -> None:
        self.cursor = cursor
        self.namespace = namespace
        cursor.execute("SELECT current_database(), current_schema()")
        self.database, current_schema = cursor.fetchone()
        self.schema = schema or current_schema

    def datasets(self, tables: Iterable[str]) -> dict[str, Dataset]:
        """``table`` -> its dataset, with a schema facet of the columns it has now."""
        from openlineage.client.event_v2 import Dataset
        from openlineage.client.facet_v2 import schema_dataset

        tables = list(dict.fromkeys(tables))
        columns: dict[str, list] = {table: [] for table in tables}
        if tables:
            self.cursor.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                f"WHERE table_schema = %s AND table_name IN ({', '.join(['%s'] * len(tables))}) "
                "ORDER BY table_name, ordinal_position",
                [self.schema, *tables],
            )
            for table, column, data_type in self.cursor.fetchall():
                columns[table].append(schema_dataset.SchemaDatasetFacetFields(column, data_type))
        return {
            table: Dataset(
                namespace=self.namespace,
                name=f"{self.database}.{self.schema}.{table}",
                facets={"schema": schema_dataset.SchemaDatasetFacet(fields)} if fields else {},
            )
            for table, fields in columns.items()
        }


def with_row_count(dataset: Dataset, rows: int | None) -> OutputDataset:
    """``dataset`` as an output that this many rows were written to (None: not known)."""
    from openlineage.client.event_v2 import OutputDataset
    from openlineage.client.facet_v2 import output_statistics_output_dataset as statistics

    facets = {}
    if rows is not None:
        facets["outputStatistics"] = statistics.OutputStatisticsOutputDatasetFacet(rowCount=rows)
    return OutputDataset(
        dataset.namespace, dataset.name, facets=dataset.facets, outputFacets=facets
    )
