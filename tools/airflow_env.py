"""The environment that runs this project's DAG with the real Airflow CLI, outside Docker.

Airflow reads its configuration, connections and variables from the environment; this module
builds that environment for a scratch AIRFLOW_HOME (SQLite metadata database) and prepares it.
"""

from __future__ import annotations

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
        }
    )
    if aws_conn is not None:
        env["AIRFLOW_CONN_AWS_DEFAULT"] = aws_conn
    return env


def migrate_metadata_db(env: dict[str, str]) -> None:
    """Create Airflow's metadata database in AIRFLOW_HOME (idempotent)."""
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    subprocess.run([AIRFLOW, "db", "migrate"], env=env, check=True, capture_output=True)
