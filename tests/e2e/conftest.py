"""One Airflow stack for every end-to-end test: the real components, the real data.

The stack's warehouse and metadata databases are created fresh, and the stack records which
hours its tests have loaded, so each test can compare the whole warehouse with counts computed
from the raw JSON for exactly those hours, whatever order the tests run in.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.smtp_server import Inbox, smtp_connection, smtp_server
from tests.support.warehouse_db import WarehouseDb
from tools.airflow_api import AirflowApi
from tools.airflow_env import airflow_environment
from tools.airflow_stack import sqlalchemy_url
from tools.local_airflow import LocalAirflow, local_airflow_environment
from tools.local_warehouse import airflow_connection, drop_database, recreate_database

DAG_ID = "sparkify_etl"


@dataclass
class Stack:
    airflow: LocalAirflow
    api: AirflowApi
    warehouse: WarehouseDb
    reports: Path  # where sparkify_daily_report writes (Variable sparkify_report_url)
    inbox: Inbox  # the alerts' SMTP server (SPARKIFY_ALERT_EMAIL, connection smtp_default)
    metadata: WarehouseDb  # Airflow's metadata database, to read what the UI cannot show
    lineage: Path  # the OpenLineage events the stack sent (file transport, one JSON a line)
    loaded_hours: set[dt.datetime] = field(default_factory=set)


CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def hours(*numbers: int) -> list[dt.datetime]:
    """Hours of 2018-11-15, UTC."""
    return [dt.datetime(2018, 11, 15, n, tzinfo=dt.UTC) for n in numbers]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="package")
def stack(pg_admin_url, real_data, tmp_path_factory):
    warehouse_url = recreate_database(pg_admin_url, "sparkify_e2e_warehouse")
    metadata_url = recreate_database(pg_admin_url, "sparkify_e2e_airflow")
    port = free_port()
    env = local_airflow_environment(
        airflow_environment(
            tmp_path_factory.mktemp("airflow-home"),
            airflow_connection(warehouse_url),
            real_data.as_uri(),
        ),
        sqlalchemy_url(metadata_url),
        port,
    )
    # A retried task waits 5 s, not Airflow's default 300 s (tests/e2e/test_task_killed.py).
    env["AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY"] = "5"
    reports = tmp_path_factory.mktemp("reports")
    env["AIRFLOW_VAR_SPARKIFY_REPORT_URL"] = reports.as_uri()
    lineage = tmp_path_factory.mktemp("lineage") / "events.jsonl"
    env["AIRFLOW__OPENLINEAGE__NAMESPACE"] = "sparkify-e2e"
    env["AIRFLOW__OPENLINEAGE__TRANSPORT"] = json.dumps(
        {"type": "file", "log_file_path": str(lineage), "append": True}
    )
    with smtp_server() as (inbox, smtp_port):
        env["AIRFLOW_CONN_SMTP_DEFAULT"] = smtp_connection(smtp_port)
        env["SPARKIFY_ALERT_EMAIL"] = "ops@example.com"
        # Every hour is late once its interval ends: test_alert_runs.py sees the alert fire.
        env["SPARKIFY_LOAD_DEADLINE_MINUTES"] = "0"
        airflow = LocalAirflow(env, port)
        with airflow:
            api = AirflowApi(airflow.url, "admin", airflow.admin_password())
            api.wait_for_dag(DAG_ID)
            yield Stack(
                airflow, api, WarehouseDb(warehouse_url), reports, inbox,
                WarehouseDb(metadata_url), lineage,
            )  # fmt: skip
        pids = [p.pid for p in airflow.processes.values()]
    for pid in pids:  # stopped, with every process group it started
        with pytest.raises(ProcessLookupError):
            os.killpg(pid, 0)
    drop_database(pg_admin_url, "sparkify_e2e_warehouse")
    drop_database(pg_admin_url, "sparkify_e2e_airflow")


@pytest.fixture
def browser(tmp_path):
    """Headless Chromium (Debian's chromium and chromium-driver) driven by Selenium."""
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        reason = (
            f"{CHROMIUM} and {CHROMEDRIVER} are needed (apt-get install chromium chromium-driver)"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--window-size=1400,900", f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):  # fmt: skip
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()
