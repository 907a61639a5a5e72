"""``make redshift-sql AT=2018-11-15T13:00``: the statements one hourly run sends to Redshift.

Prints, in order and without connecting to anything, every statement that the run loading the
hour [AT, AT + 1h) sends over the ``redshift`` connection, each task's transactions marked,
credentials masked, so the SQL can be reviewed before the DAG is pointed at a cluster. With
``--data-api``, the same run over the Redshift Data API: each call, its session, and the
statements and parameters it carries.

Connections come from the environment as usual. Where none is set, an example Redshift
connection (a driver one, or with ``--data-api`` one to a cluster through the Data API) and an
aws connection with an IAM role are used. The bucket is not listed (every object is assumed to
exist), and the driver and the Data API client are replaced by recording ones (see
``redshift_recording`` and ``redshift_data_recording``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
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
    "AIRFLOW_CONN_AWS_DEFAULT": {
        "conn_type": "aws",
        "extra": {
            "role_arn": "arn:aws:iam::123456789012:role/sparkify-redshift-copy",
            "region_name": "us-west-2",
        },
    },
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
    from airflow.dag_processing.dagbag import DagBag

    from tools.redshift_dry_run import (
        assume_objects_exist,
        format_data_api_calls,
        format_recording,
        record_hour,
    )

    dag = DagBag(dag_folder=str(PROJECT / "dags")).dags["sparkify_etl"]
    with assume_objects_exist():
        recording = record_hour(dag, start, args.source_url, copy_rows=0)  # nothing is read
    if args.data_api and not recording.data_api_calls:
        sys.exit("--data-api: connection 'redshift' does not say \"data_api\": true")
    if not args.data_api and recording.data_api_calls:
        sys.exit("connection 'redshift' uses the Data API: add --data-api")
    formatted = format_data_api_calls if args.data_api else format_recording
    sys.stdout.write(formatted(recording, start))


if __name__ == "__main__":
    main()
