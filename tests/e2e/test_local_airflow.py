"""End to end through the real Airflow: api-server, scheduler, dag-processor, triggerer.

The stack runs on the real data; runs are triggered over the REST API and backfilled with
``airflow backfill create``, and the warehouse is checked against counts computed from the raw
JSON. The stack is stopped afterwards, and nothing it started may be left running.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import time

import pytest

from tests.raw_counts import actual_warehouse, expected_warehouse
from tests.warehouse_db import WAREHOUSE_TABLES, WarehouseDb
from tools.airflow_api import AirflowApi
from tools.airflow_env import AIRFLOW, airflow_environment
from tools.airflow_stack import sqlalchemy_url
from tools.local_airflow import LocalAirflow, local_airflow_environment
from tools.local_warehouse import airflow_connection, drop_database, recreate_database

DAG_ID = "sparkify_etl"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
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
    airflow = LocalAirflow(env, port)
    with airflow:
        api = AirflowApi(airflow.url, "admin", airflow.admin_password())
        api.wait_for_dag(DAG_ID)
        api.unpause(DAG_ID)
        yield airflow, api, WarehouseDb(warehouse_url)
        pids = [p.pid for p in airflow.processes.values()]
    for pid in pids:  # stopped, with every process group it started
        with pytest.raises(ProcessLookupError):
            os.killpg(pid, 0)
    drop_database(pg_admin_url, "sparkify_e2e_warehouse")
    drop_database(pg_admin_url, "sparkify_e2e_airflow")


def hours(*numbers: int) -> list[dt.datetime]:
    return [dt.datetime(2018, 11, 15, n, tzinfo=dt.UTC) for n in numbers]


def test_a_run_triggered_over_the_rest_api_loads_its_hour(stack, real_data):
    _, api, warehouse = stack
    run = api.trigger(DAG_ID, "2018-11-15T14:00:00Z")
    assert (run["data_interval_start"], run["data_interval_end"]) == (
        "2018-11-15T13:00:00Z",
        "2018-11-15T14:00:00Z",
    )
    assert api.wait_for_runs(DAG_ID, [run["dag_run_id"]], timeout=300) == {
        run["dag_run_id"]: "success"
    }
    assert actual_warehouse(warehouse) == expected_warehouse(real_data, hours(13))


def backfill(env: dict[str, str], *extra: str) -> None:
    subprocess.run(
        [AIRFLOW, "backfill", "create", "--dag-id", DAG_ID,
         "--from-date", "2018-11-15T15:00:00+00:00", "--to-date", "2018-11-15T18:00:00+00:00",
         "--max-active-runs", "3", *extra],
        env=env, check=True, capture_output=True, timeout=120,
    )  # fmt: skip


def wait_for_backfills(api: AirflowApi, count: int, timeout: float = 600) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        found = api.call("GET", f"/backfills?dag_id={DAG_ID}")["backfills"]
        if len(found) == count and all(b["completed_at"] for b in found):
            return found
        assert time.monotonic() < deadline, f"backfills not complete: {found}"
        time.sleep(3)


def backfill_runs(api: AirflowApi) -> dict[str, dict]:
    runs = [r for r in api.dag_runs(DAG_ID) if r["run_type"] == "backfill"]
    return {r["logical_date"]: r for r in runs}


def test_backfill_backwards_in_parallel_then_reprocessed_changes_nothing(stack, real_data):
    airflow, api, warehouse = stack
    backfill(airflow.env, "--run-backwards")
    wait_for_backfills(api, 1)
    first = backfill_runs(api)
    assert sorted(first) == [f"2018-11-15T{h}:00:00Z" for h in (15, 16, 17, 18)]
    assert {r["state"] for r in first.values()} == {"success"}
    loaded = hours(13, 15, 16, 17, 18)
    assert actual_warehouse(warehouse) == expected_warehouse(real_data, loaded)
    before = warehouse.snapshot(WAREHOUSE_TABLES)

    backfill(airflow.env, "--reprocess-behavior", "completed")
    wait_for_backfills(api, 2)
    again = backfill_runs(api)
    assert {r["state"] for r in again.values()} == {"success"}
    assert all(again[d]["end_date"] > first[d]["end_date"] for d in first)  # they did re-run
    assert warehouse.snapshot(WAREHOUSE_TABLES) == before
