"""docker-compose.yaml, checked without a Docker engine: the compose-spec schema, and the project.

No engine runs here, so ``docker compose up`` itself is not exercised; what can be checked is
that the file is valid compose, lays Airflow out as the official file does, mounts this
project's folders where the DAG expects them, and presets the connections and the Variable
the DAG reads, pointing at the stack's own services.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import PROJECT

COMPOSE_FILE = PROJECT / "docker-compose.yaml"
AIRFLOW_SERVICES = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def test_valid_against_the_compose_spec_schema():
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(COMPOSE_FILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_airflow_services_as_the_official_file_lays_them_out(compose):
    services = compose["services"]
    for service, command in AIRFLOW_SERVICES.items():
        assert services[service]["command"] == command
        assert services[service]["depends_on"]["airflow-init"] == {
            "condition": "service_completed_successfully"
        }
    assert "db migrate" in " ".join(services["airflow-init"]["command"])
    assert services["airflow-apiserver"]["ports"] == ["8080:8080"]
    image = services["airflow-scheduler"]["image"]
    pinned = (PROJECT / "requirements.txt").read_text()
    assert (
        image.startswith("apache/airflow:")
        and f"apache-airflow=={image.split(':')[1].split('-')[0]}" in pinned
    )


def test_project_folders_are_mounted_where_the_dag_finds_them(compose):
    for service in [*AIRFLOW_SERVICES, "airflow-init"]:
        volumes = compose["services"][service]["volumes"]
        for folder in ("dags", "plugins", "include"):
            assert f"./{folder}:/opt/airflow/{folder}" in volumes
            assert (PROJECT / folder).is_dir()
    # The DAG reads include/ beside dags/: /opt/airflow/dags/.. is /opt/airflow.
    dag_source = (PROJECT / "dags" / "sparkify_etl.py").read_text()
    assert 'Path(__file__).resolve().parents[1] / "include"' in dag_source


def test_connections_and_variable_point_at_the_stacks_services(compose):
    environment = compose["x-airflow-common"]["environment"]
    services = compose["services"]
    warehouse = json.loads(environment["AIRFLOW_CONN_REDSHIFT"])
    assert warehouse["conn_type"] == "postgres" and warehouse["host"] in services
    db = services[warehouse["host"]]["environment"]
    assert (warehouse["login"], warehouse["password"], warehouse["schema"]) == (
        db["POSTGRES_USER"],
        db["POSTGRES_PASSWORD"],
        db["POSTGRES_DB"],
    )
    aws = json.loads(environment["AIRFLOW_CONN_AWS_DEFAULT"])
    store = services["minio"]["environment"]
    assert aws["conn_type"] == "aws"
    assert (aws["login"], aws["password"]) == (
        store["MINIO_ROOT_USER"],
        store["MINIO_ROOT_PASSWORD"],
    )
    assert aws["extra"]["endpoint_url"] == "http://minio:9000"
    bucket = environment["AIRFLOW_VAR_SPARKIFY_SOURCE_URL"].removeprefix("s3://")
    seed = " ".join(services["seed-data"]["command"])
    assert f"Bucket='{bucket}'" in seed and "tools/sample_data.py" in seed
    # The ids the DAG uses are the ones preset here.
    dag_source = (PROJECT / "dags" / "sparkify_etl.py").read_text()
    assert 'WAREHOUSE_CONN_ID = "redshift"' in dag_source
    assert 'AWS_CONN_ID = "aws_default"' in dag_source
    assert "var.value.sparkify_source_url" in dag_source
