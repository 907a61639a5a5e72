"""Provisioning the Redshift warehouse from Airflow, as the original notebook did by hand.

What the admin DAG creates, it tags (``created-by: sparkify_warehouse_admin``), and it deletes
only what carries that tag: the IAM role Redshift assumes to read the source bucket, the
security group that opens port 5439 to one CIDR, and the cluster. Each step looks before it
acts, so creating twice and deleting what is already gone both succeed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

TAG_KEY = "created-by"
TAG_VALUE = "sparkify_warehouse_admin"
TAGS = [{"Key": TAG_KEY, "Value": TAG_VALUE}]


def is_ours(tags: list[dict] | None) -> bool:
    """Whether AWS tags (``[{"Key": ..., "Value": ...}]``) say the admin DAG made this."""
    return any(t.get("Key") == TAG_KEY and t.get("Value") == TAG_VALUE for t in tags or [])


@dataclass(frozen=True)
class WarehouseNames:
    """The names of everything one warehouse is made of, derived from its cluster id."""

    cluster_id: str

    @property
    def role_name(self) -> str:
        return f"{self.cluster_id}-s3-read"

    @property
    def security_group_name(self) -> str:
        return f"{self.cluster_id}-ingress"


def connection_settings(
    host: str, port: int, database: str, login: str, role_arn: str, region: str
) -> dict[str, str]:
    """The pipeline's two connections, as environment variables, without the password.

    The warehouse's password is that of connection ``redshift_admin``; set it in the
    ``redshift`` connection yourself (the UI's Admin > Connections), where it stays secret.
    """
    warehouse = {
        "conn_type": "redshift",
        "host": host,
        "port": port,
        "schema": database,
        "login": login,
        "password": "<the password of connection redshift_admin>",
    }
    source = {"conn_type": "aws", "extra": {"role_arn": role_arn, "region_name": region}}
    return {
        "AIRFLOW_CONN_REDSHIFT": json.dumps(warehouse),
        "AIRFLOW_CONN_AWS_DEFAULT": json.dumps(source),
    }


def data_api_connection(
    database: str,
    region: str,
    *,
    cluster_id: str | None = None,
    workgroup: str | None = None,
    login: str | None = None,
) -> str:
    """The ``redshift`` connection that reaches the same warehouse through the Data API.

    No password and no route to port 5439: the identity of ``aws_default`` runs the statements,
    as database user ``login`` on a cluster (temporary credentials), as itself on Serverless.
    """
    extra: dict = {"data_api": True, "region": region}
    if workgroup:
        extra |= {"is_serverless": True, "serverless_work_group": workgroup}
    else:
        extra["cluster_identifier"] = cluster_id
    connection = {"conn_type": "redshift", "schema": database, "extra": extra}
    if login and not workgroup:
        connection["login"] = login
    return json.dumps(connection)
