"""The compose files, checked without an engine: schema, layout, the seven defects of issue 9,
and what issue 20 asked of a stack that is safe by default.

``docker compose config`` resolves them as the engine would (anchors, ``.env``, the Celery
override), so these checks see what each container really gets. The engine test
(test_compose_stack.py) then shows the same things working.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.compose.compose_project import CELERY_FILE, COMPOSE, LOCAL_FILE, PROJECT
from tests.compose.standins import OFFICIAL_IMAGES

AIRFLOW_COMMANDS = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
}
# Each Airflow component reads the stack's secrets from the volume airflow-secrets.
SHARED_SECRETS = {
    "AIRFLOW__API_AUTH__JWT_SECRET": "jwt_secret",
    "AIRFLOW__API__SECRET_KEY": "api_secret_key",
    "AIRFLOW__CORE__FERNET_KEY": "fernet_key",
}
SECRET_VARIABLES = ["AIRFLOW_JWT_SECRET", "AIRFLOW_API_SECRET_KEY", "AIRFLOW_FERNET_KEY"]
PROJECT_IMAGE = "sparkify/airflow:local"


def resolved(*files: Path) -> dict:
    command = [COMPOSE, "-p", "sparkify-config"]
    for path in files:
        command += ["-f", str(path)]
    shown = subprocess.run(
        [*command, "--profile", "tools", "--profile", "flower", "config", "--format", "json"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)["services"]


@pytest.fixture(scope="module", params=["local", "celery"])
def services(request) -> dict:
    files = [LOCAL_FILE] if request.param == "local" else [LOCAL_FILE, CELERY_FILE]
    return resolved(*files)


def airflow_components(services: dict) -> dict[str, dict]:
    """The services that run an Airflow component (init included), by name."""
    return {
        name: service
        for name, service in services.items()
        if (name.startswith("airflow-") and name != "airflow-secrets") or name == "flower"
    }


@pytest.mark.parametrize("path", [LOCAL_FILE, CELERY_FILE])
def test_valid_against_the_compose_spec_schema(path):
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_airflow_laid_out_as_the_official_file_does():
    services = resolved(LOCAL_FILE)
    for name, command in AIRFLOW_COMMANDS.items():
        assert services[name]["command"] == [command]
        assert services[name]["depends_on"]["airflow-init"]["condition"] == (
            "service_completed_successfully"
        )
    assert services["airflow-init"]["environment"]["_AIRFLOW_DB_MIGRATE"] == "true"
    assert services["airflow-apiserver"]["ports"][0]["target"] == 8080
    celery = resolved(LOCAL_FILE, CELERY_FILE)
    assert celery["airflow-worker"]["command"] == ["celery", "worker"]
    assert celery["airflow-worker"]["deploy"]["replicas"] >= 2
    assert celery["redis"]["image"] in OFFICIAL_IMAGES
    for name in AIRFLOW_COMMANDS:
        assert celery[name]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert services[name]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"


def test_every_airflow_container_shares_one_jwt_secret_api_key_and_fernet_key(services):
    """Defect 1: each container made its own, so the api-server rejected the tasks' tokens.
    Now each reads the one the stack made, from the volume mounted read-only."""
    components = airflow_components(services)
    for variable, name in SHARED_SECRETS.items():
        for service_name, service in components.items():
            environment = service["environment"]
            assert variable not in environment, service_name  # never the value itself
            assert environment[f"{variable}_CMD"] == f"cat /opt/airflow/secrets/{name}"
            mounts = {v["target"]: v for v in service["volumes"]}
            secrets = mounts["/opt/airflow/secrets"]
            assert (secrets["source"], secrets.get("read_only")) == ("airflow-secrets", True)


def test_no_secret_is_committed_and_each_stack_makes_its_own(services):
    """Issue 20: .env held a public JWT secret, so anyone who reached the port could sign an
    admin's token. Nothing secret is committed; the stack makes its own on the first up."""
    env_file = (PROJECT / ".env").read_text()
    for variable in SECRET_VARIABLES:
        assert not re.search(rf"^\s*{variable}\s*=", env_file, re.M), variable
        assert variable not in json.dumps(
            {k: v for k, v in services.items() if k != "airflow-secrets"}
        )
    for path in (LOCAL_FILE, CELERY_FILE):
        assert "change-me" not in path.read_text()
    maker = services["airflow-secrets"]
    assert maker["entrypoint"][:3] == ["python", "-m", "tools.compose_secrets"]
    assert {k: maker["environment"][k] for k in SECRET_VARIABLES} == dict.fromkeys(
        SECRET_VARIABLES, ""
    )  # given only if the user sets them
    for name, service in airflow_components(services).items():
        if name in ("airflow-init", "flower", "airflow-worker") or "depends_on" not in service:
            continue
        assert (
            "airflow-init" in service["depends_on"] or "airflow-secrets" in (service["depends_on"])
        ), name
    init = services["airflow-init"]["depends_on"]["airflow-secrets"]
    assert init["condition"] == "service_completed_successfully"


def test_every_port_is_published_on_loopback_only(services):
    """Issue 20: the api-server and Flower were published on every interface."""
    published = {
        name: service["ports"] for name, service in services.items() if service.get("ports")
    }
    assert {"airflow-apiserver", "warehouse", "s3"} <= set(published)
    for name, ports in published.items():
        for port in ports:
            assert port["host_ip"] == "127.0.0.1", (name, port)


def test_celery_parallelism_leaves_room_for_every_worker():
    """Issue 20: parallelism stayed at 4 under Celery, so a second worker added nothing."""
    celery = resolved(LOCAL_FILE, CELERY_FILE)
    environment = celery["airflow-scheduler"]["environment"]
    concurrency = int(environment["AIRFLOW__CELERY__WORKER_CONCURRENCY"])
    parallelism = int(environment["AIRFLOW__CORE__PARALLELISM"])
    assert parallelism >= 8 * concurrency  # room for 8 workers
    assert (
        int(resolved(LOCAL_FILE)["airflow-scheduler"]["environment"]["AIRFLOW__CORE__PARALLELISM"])
        == 4
    )  # one machine, LocalExecutor: as before


def test_init_checks_the_migrations_and_reports_outlive_down(services):
    init = services["airflow-init"]
    assert "airflow db check-migrations" in " ".join(init["command"])
    report_url = services["airflow-scheduler"]["environment"]["AIRFLOW_VAR_SPARKIFY_REPORT_URL"]
    folder = report_url.removeprefix("file://")
    for name in ("airflow-scheduler", "airflow-worker"):
        if name in services:
            mounts = {v["target"]: v for v in services[name]["volumes"]}
            assert (mounts[folder]["type"], mounts[folder]["source"]) == (
                "volume",
                "airflow-reports",
            ), name


def test_every_image_is_pinned_and_can_be_had(services):
    """Defect 2: minio/minio:latest could no longer be pulled. Every image is either built
    here or pinned to a version, and the test has a stand-in for each pulled one."""
    dockerfile = (PROJECT / "Dockerfile").read_text()
    (base,) = re.findall(r"^FROM\s+(\S+)", dockerfile, re.MULTILINE)
    pulled = {base}
    for name, service in services.items():
        image = service["image"]
        if image == PROJECT_IMAGE:
            continue
        pulled.add(image)
        assert ":" in image and not image.endswith(":latest"), (name, image)
    assert pulled <= set(OFFICIAL_IMAGES), pulled - set(OFFICIAL_IMAGES)
    assert not any("minio" in image for image in pulled)
    version = base.split(":")[1].split("-")[0]
    assert f"apache-airflow=={version}" in (PROJECT / "requirements.txt").read_text()


def test_task_logs_are_on_one_volume_every_airflow_container_mounts(services):
    """Defect 3: without it the api-server could not show a task's log."""
    for name, service in airflow_components(services).items():
        if name == "airflow-init":
            continue
        (logs,) = [v for v in service["volumes"] if v["target"] == "/opt/airflow/logs"]
        assert (logs["type"], logs["source"]) == ("volume", "airflow-logs"), name


def test_the_s3_data_is_seeded_by_an_idempotent_long_running_feed(services):
    """Defect 4: a one-shot create_bucket failed on the second up. The feed writes only what
    differs (tests/test_sample_feed.py shows it), keeps running, and reports its health."""
    feed = services["sample-data"]
    assert feed["command"][:3] == ["python", "-m", "tools.sample_feed"]
    bucket = feed["command"][3].removeprefix("s3://")
    source = services["airflow-scheduler"]["environment"]["AIRFLOW_VAR_SPARKIFY_SOURCE_URL"]
    assert source == f"s3://{bucket}"
    assert feed["restart"] == "always" and feed["healthcheck"]["test"]
    assert services["airflow-scheduler"]["depends_on"]["sample-data"]["condition"] == (
        "service_healthy"
    )


def test_nothing_is_pip_installed_at_start(services):
    """Defect 5: dependencies were installed at every start, unpinned and incomplete."""
    for name, service in airflow_components(services).items():
        assert not service["environment"].get("_PIP_ADDITIONAL_REQUIREMENTS"), name
        assert service["image"] == PROJECT_IMAGE, name
    assert services["airflow-secrets"]["build"]["context"] == str(PROJECT)
    dockerfile = (PROJECT / "Dockerfile").read_text()
    assert "-r /opt/sparkify/requirements.txt -c /opt/sparkify/requirements.lock" in dockerfile
    assert "requirements-dev" not in dockerfile
    runtime = (PROJECT / "requirements.txt").read_text()
    for needed in ("pyarrow==", "orjson==", "apache-airflow-providers-amazon", "celery"):
        assert needed in runtime
    for test_tool in ("pytest", "moto", "ruff", "selenium"):
        assert test_tool not in runtime


def test_services_restart_and_have_health_checks(services):
    """Defect 6: no restart policy and no health check on the Airflow services."""
    for name, service in airflow_components(services).items():
        if name == "airflow-init":
            continue
        assert service["restart"] == "always", name
        assert service["healthcheck"]["test"], name
    for name in ("metadata-db", "warehouse", "s3", "sample-data"):
        assert services[name]["restart"] == "always", name


def test_project_folders_are_mounted_where_the_dag_finds_them():
    services = resolved(LOCAL_FILE)
    for name in AIRFLOW_COMMANDS:
        mounts = {v["target"]: v["source"] for v in services[name]["volumes"]}
        for folder in ("dags", "plugins", "include"):
            assert mounts[f"/opt/airflow/{folder}"] == str(PROJECT / folder)
    # The DAG reads include/ beside dags/: /opt/airflow/dags/.. is /opt/airflow.
    dag_source = (PROJECT / "dags" / "sparkify_etl.py").read_text()
    assert 'Path(__file__).resolve().parents[1] / "include"' in dag_source


def test_connections_and_variable_point_at_the_stacks_services(dag, report_dag):
    services = resolved(LOCAL_FILE)
    environment = services["airflow-scheduler"]["environment"]
    warehouse = json.loads(environment["AIRFLOW_CONN_REDSHIFT"])
    assert warehouse["conn_type"] == "postgres" and warehouse["host"] in services
    db = services[warehouse["host"]]["environment"]
    assert (warehouse["login"], warehouse["password"], warehouse["schema"]) == (
        db["POSTGRES_USER"],
        db["POSTGRES_PASSWORD"],
        db["POSTGRES_DB"],
    )
    aws = json.loads(environment["AIRFLOW_CONN_AWS_DEFAULT"])
    endpoint = aws["extra"]["endpoint_url"]
    assert aws["conn_type"] == "aws" and endpoint == "http://s3:5000"
    assert services["s3"]["image"].startswith("motoserver/moto:")
    # The ids the DAG's tasks use are the ones preset here.
    tasks = dag.tasks + report_dag.tasks
    assert {t.redshift_conn_id for t in tasks if hasattr(t, "redshift_conn_id")} == {"redshift"}
    assert {t.aws_conn_id for t in tasks if hasattr(t, "aws_conn_id")} == {"aws_default"}
    dag_source = (PROJECT / "dags" / "sparkify_etl.py").read_text()
    assert "var.value.sparkify_source_url" in dag_source


def test_the_backfill_service_follows_a_backfill_on_the_running_stack():
    services = resolved(LOCAL_FILE)
    backfill = services["backfill"]
    assert backfill["profiles"] == ["tools"]
    assert backfill["entrypoint"] == ["python", "-m", "tools.backfill"]
    assert backfill["environment"]["SPARKIFY_AIRFLOW_API"] == "http://airflow-apiserver:8080"
    auth = {v["target"]: v for v in backfill["volumes"]}["/opt/airflow/auth"]
    api_mounts = {v["target"]: v for v in services["airflow-apiserver"]["volumes"]}
    assert auth["source"] == api_mounts["/opt/airflow/auth"]["source"]
    assert backfill["environment"]["SPARKIFY_AIRFLOW_PASSWORDS"].startswith("/opt/airflow/auth/")
    passwords = services["airflow-apiserver"]["environment"][
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"
    ]
    assert passwords == backfill["environment"]["SPARKIFY_AIRFLOW_PASSWORDS"]
    # Issue 20: it did not wait for the api-server it talks to.
    assert backfill["depends_on"]["airflow-apiserver"]["condition"] == "service_healthy"
