"""The environment that runs this project's DAG with the real Airflow CLI, outside Docker.

Airflow reads its configuration, connections and variables from the environment; this module
builds that environment for a scratch AIRFLOW_HOME (SQLite metadata database) and prepares it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
AIRFLOW = str(Path(sys.executable).with_name("airflow"))


def airflow_environment(
    home: Path, warehouse_conn: str, source_url: str, aws_conn: str | None = None
) -> dict[str, str]:
    """os.environ plus what Airflow needs to run sparkify_etl against the given warehouse."""
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW_CONN_REDSHIFT": warehouse_conn,
            "AIRFLOW_VAR_SPARKIFY_SOURCE_URL": source_url,
            "SPARKIFY_WAREHOUSE_URI": warehouse_asset_uri(warehouse_conn),
        }
    )
    if aws_conn is not None:
        env["AIRFLOW_CONN_AWS_DEFAULT"] = aws_conn
    return env


def warehouse_asset_uri(warehouse_conn: str) -> str:
    """The warehouse part of the tables' Asset URIs (``sparkify.assets``) for a connection
    given as JSON, as the providers write it: ``postgres://host:port/database``."""
    try:
        conn = json.loads(warehouse_conn)
    except ValueError:
        return ""  # not JSON (a test's placeholder): the assets' default applies
    scheme = "redshift" if conn.get("conn_type") == "redshift" else "postgres"
    port = conn.get("port") or (5439 if scheme == "redshift" else 5432)
    return f"{scheme}://{conn.get('host', 'localhost')}:{port}/{conn.get('schema', '')}"


def migrate_metadata_db(env: dict[str, str]) -> None:
    """Create Airflow's metadata database in AIRFLOW_HOME (idempotent)."""
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    subprocess.run([AIRFLOW, "db", "migrate"], env=env, check=True, capture_output=True)
