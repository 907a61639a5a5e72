"""``make redshift-sql AT=2018-11-15T13:00``: the statements one hourly run sends to Redshift.

Prints, in order and without connecting to anything, every statement that the run loading the
hour [AT, AT + 1h) sends over the ``redshift`` connection, each task's transactions marked,
credentials masked, so the SQL can be reviewed before the DAG is pointed at a cluster. With
``--data-api``, the same run over the Redshift Data API: each call, its session, and the
statements and parameters it carries.

Connections come from the environment as usual. Where none is set, an example Redshift
connection (a driver one, or with ``--data-api`` one to a cluster through the Data API) and a
COPY role connection are used. A ``redshift`` connection of the other kind is turned into the
kind asked for, reaching the same warehouse: a driver connection's host names its cluster (or
Serverless workgroup) and region, and a Data API connection names them in its extra; where
that cannot be told, the listing says it is skipped and why. The bucket is not listed (every
object is assumed to exist), and the driver and the Data API client are replaced by recording
ones (see ``recording`` and ``data_api_recording``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
import tempfile

from tools.airflow_env import PROJECT

EXAMPLE_CONNECTIONS = {
    "AIRFLOW_CONN_REDSHIFT": {
        "conn_type": "redshift",
        "host": "sparkify.abc123xyz.us-west-2.redshift.amazonaws.com",
        "port": 5439,
        "login": "sparkify",
        "password": "example-not-used",
        "schema": "dev",
    },
    "AIRFLOW_CONN_AWS_REDSHIFT_COPY": {
        "conn_type": "aws",
        "extra": {
            "role_arn": "arn:aws:iam::123456789012:role/sparkify-redshift-copy",
            "region_name": "us-west-2",
        },
    },
    # The Data API caller: nothing is called (the client is a recording one).
    "AIRFLOW_CONN_AWS_REDSHIFT_DATA": {"conn_type": "aws", "login": "AKIAEXAMPLE", "password": "-"},
}


EXAMPLE_DATA_API_CONNECTION = {
    "conn_type": "redshift",
    "login": "sparkify",
    "schema": "dev",
    "extra": {"data_api": True, "cluster_identifier": "sparkify", "region": "us-west-2"},
}


def configure_environment(data_api: bool = False) -> None:
    """A scratch AIRFLOW_HOME, this project's DAG, quiet logs, and example connections."""
    if data_api:
        os.environ.setdefault("AIRFLOW_CONN_REDSHIFT", json.dumps(EXAMPLE_DATA_API_CONNECTION))
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="sparkify-redshift-sql-"))
    os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(PROJECT / "dags"))
    os.environ.setdefault("AIRFLOW__CORE__PLUGINS_FOLDER", str(PROJECT / "plugins"))
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "ERROR")
    for variable, connection in EXAMPLE_CONNECTIONS.items():
        os.environ.setdefault(variable, json.dumps(connection))
    sys.path.insert(0, str(PROJECT / "plugins"))


# <cluster>.<id>.<region>.redshift.amazonaws.com, or for Serverless
# <workgroup>.<account>.<region>.redshift-serverless.amazonaws.com
_ENDPOINT = re.compile(
    r"(?P<name>[a-z0-9-]+)\.[a-z0-9]+\.(?P<region>[a-z0-9-]+)"
    r"\.(?P<kind>redshift|redshift-serverless)\.amazonaws\.com(\.cn)?"
)


def as_data_api(connection: dict) -> dict:
    """A driver connection's warehouse, reached through the Data API instead."""
    found = _ENDPOINT.fullmatch(connection.get("host") or "")
    if not found:
        raise LookupError(
            f"its host {connection.get('host')!r} is not a Redshift endpoint, so the cluster "
            "or workgroup it names cannot be told; set a Data API connection to list those calls"
        )
    extra = {"data_api": True, "region": found["region"]}
    converted = {"conn_type": "redshift", "schema": connection.get("schema") or "dev"}
    if found["kind"] == "redshift-serverless":
        extra |= {"is_serverless": True, "serverless_work_group": found["name"]}
    else:
        extra["cluster_identifier"] = found["name"]
        converted["login"] = connection.get("login")
    return {**converted, "extra": extra}


def as_driver(connection: dict) -> dict:
    """A Data API connection's warehouse, reached over the driver instead (nothing connects:
    the host is only written as the endpoint would be named)."""
    extra = connection.get("extra") or {}
    region = extra.get("region", "us-west-2")
    if extra.get("is_serverless"):
        host = (
            f"{extra['serverless_work_group']}.<account>.{region}.redshift-serverless.amazonaws.com"
        )
    else:
        host = f"{extra.get('cluster_identifier')}.<id>.{region}.redshift.amazonaws.com"
    return {
        "conn_type": "redshift",
        "host": host,
        "port": 5439,
        "schema": connection.get("schema") or "dev",
        "login": connection.get("login") or "<user>",
    }


def converted_connection(data_api: bool) -> str | None:
    """Set connection ``redshift`` to the kind asked for if the user's is the other kind; say so.

    Returns the note to print, or None when nothing was changed.
    """
    from airflow.models.connection import Connection

    text = os.environ.get("AIRFLOW_CONN_REDSHIFT")
    if not text:
        return None
    parsed = (
        Connection.from_json(text, conn_id="redshift")
        if text.lstrip().startswith("{")
        else Connection(conn_id="redshift", uri=text)
    )
    connection = {
        "conn_type": parsed.conn_type,
        "host": parsed.host,
        "schema": parsed.schema,
        "login": parsed.login,
        "extra": parsed.extra_dejson,
    }
    is_data_api = bool(connection["extra"].get("data_api"))
    if is_data_api == data_api:
        return None
    converted = as_data_api(connection) if data_api else as_driver(connection)
    os.environ["AIRFLOW_CONN_REDSHIFT"] = json.dumps(converted)
    kind = "a Data API" if is_data_api else "a driver"
    shown = {k: v for k, v in converted.items() if k != "password"}
    return f"-- connection redshift is {kind} connection; listed as the same warehouse: " + (
        json.dumps(shown)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--at", required=True, help="start of the hour, e.g. 2018-11-15T13:00")
    parser.add_argument("--source-url", default="s3://udacity-dend")
    parser.add_argument(
        "--data-api", action="store_true", help="the calls over the Redshift Data API"
    )
    args = parser.parse_args()
    start = dt.datetime.fromisoformat(args.at)
    start = start.replace(tzinfo=dt.UTC) if start.tzinfo is None else start.astimezone(dt.UTC)
    if start.minute or start.second or start.microsecond:
        parser.error("AT must be the start of an hour, e.g. 2018-11-15T13:00")

    configure_environment(args.data_api)
    try:
        note = converted_connection(args.data_api)
    except LookupError as why:
        half = "Data API calls" if args.data_api else "driver statements"
        print(f"-- skipped: the {half}, because connection redshift is not of that kind and {why}")
        return
    from airflow.dag_processing.dagbag import DagBag

    from tools.redshift_sql.dry_run import (
        assume_objects_exist,
        format_data_api_calls,
        format_recording,
        record_hour,
    )

    dag = DagBag(dag_folder=str(PROJECT / "dags")).dags["sparkify_etl"]
    with assume_objects_exist():
        recording = record_hour(dag, start, args.source_url, copy_rows=0)  # nothing is read
    formatted = format_data_api_calls if args.data_api else format_recording
    if note:
        print(note)
    sys.stdout.write(formatted(recording, start))


if __name__ == "__main__":
    main()
