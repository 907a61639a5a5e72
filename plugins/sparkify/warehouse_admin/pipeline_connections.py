"""The connections the pipeline needs for a warehouse the admin DAG made, as it prints them.

Two for the driver path: ``redshift`` (the endpoint; its password is that of connection
``redshift_admin``, which the user sets, or the admin DAG through the REST API) and
``aws_redshift_copy`` (the COPY role's ARN and the source bucket's region, nothing secret).
One more for the Data API path: ``redshift`` in its Data API form, which runs the statements
as the identity of connection ``aws_redshift_data``.
"""

from __future__ import annotations

import json

from airflow.sdk import BaseHook

from sparkify.aws_identities import COPY_ROLE, DATA_API
from sparkify.warehouse_admin.airflow_connections import put_connection, shadowed_by_environment
from sparkify.warehouse_admin.names import MASTER_USER_CONN_ID


def connection_settings(
    host: str, port: int, database: str, login: str, role_arn: str, region: str
) -> dict[str, str]:
    """The pipeline's connections, as environment variables, without the password.

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
    copy_role = {"conn_type": "aws", "extra": {"role_arn": role_arn, "region_name": region}}
    return {
        "AIRFLOW_CONN_REDSHIFT": json.dumps(warehouse),
        f"AIRFLOW_CONN_{COPY_ROLE.conn_id.upper()}": json.dumps(copy_role),
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

    No password and no route to port 5439: the identity of ``aws_redshift_data`` runs the
    statements, as database user ``login`` on a cluster (temporary credentials), as itself on
    Serverless.
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


def print_and_set(choice: str, settings: dict[str, str], data_api: str) -> None:
    """Print the connections to set; with ``choice`` ``driver`` or ``data_api``, also set
    ``redshift`` (in that form) and ``aws_redshift_copy`` through Airflow's REST API."""
    for name, value in settings.items():
        print(f"{name}='{value}'")
    print("# or, through the Redshift Data API (no password, no route to port 5439):")
    print(f"AIRFLOW_CONN_REDSHIFT='{data_api}'")
    print(
        f"# The Data API runs as connection {DATA_API.conn_id}: an AWS identity with "
        "include/iam/data-api-cluster-policy.json or data-api-serverless-policy.json"
    )
    if choice == "no":
        return
    if choice == "driver":
        fields = json.loads(settings["AIRFLOW_CONN_REDSHIFT"])
        fields["password"] = BaseHook.get_connection(MASTER_USER_CONN_ID).password
    else:
        fields = json.loads(data_api)
    copy_role = json.loads(settings[f"AIRFLOW_CONN_{COPY_ROLE.conn_id.upper()}"])
    for conn_id, value in (("redshift", fields), (COPY_ROLE.conn_id, copy_role)):
        outcome = put_connection(conn_id, value)
        print(f"Connection {conn_id} {outcome} through the REST API ({choice})")
        if shadowed_by_environment(conn_id):
            print(f"Warning: AIRFLOW_CONN_{conn_id.upper()} is set here and takes precedence")


def for_cluster(described: dict, role_arn: str, params) -> tuple[dict[str, str], str]:
    """The connections for a cluster, from its description: (driver ones, Data API one)."""
    endpoint, database, login = (
        described["Endpoint"],
        described["DBName"],
        described["MasterUsername"],
    )
    settings = connection_settings(
        endpoint["Address"], endpoint["Port"], database, login, role_arn, params["source_region"]
    )
    data_api = data_api_connection(
        database, params["region"], cluster_id=params["cluster_id"], login=login
    )
    return settings, data_api


def for_workgroup(group: dict, login: str, role_arn: str, params) -> tuple[dict[str, str], str]:
    """The connections for a Serverless workgroup (database ``dev``): (driver ones, Data API)."""
    endpoint = group["endpoint"]
    settings = connection_settings(
        endpoint["address"], endpoint["port"], "dev", login, role_arn, params["source_region"]
    )
    data_api = data_api_connection("dev", params["region"], workgroup=params["cluster_id"])
    return settings, data_api
