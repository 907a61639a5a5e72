"""End to end through the real Airflow: api-server, scheduler, dag-processor, triggerer.

The stack runs on the real data; runs are triggered over the REST API and backfilled with
``airflow backfill create``, and the warehouse is checked against counts computed from the raw
JSON. The stack is stopped afterwards, and nothing it started may be left running.
"""

from __future__ import annotations

import subprocess
import time

from tests.e2e.conftest import DAG_ID, hours
from tests.raw_counts import actual_warehouse, expected_warehouse
from tests.warehouse_db import WAREHOUSE_TABLES
from tools.airflow_api import AirflowApi
from tools.airflow_env import AIRFLOW


def test_a_run_triggered_over_the_rest_api_loads_its_hour(stack, real_data):
    api, warehouse = stack.api, stack.warehouse
    api.unpause(DAG_ID)
    run = api.trigger(DAG_ID, "2018-11-15T14:00:00Z")
    assert (run["data_interval_start"], run["data_interval_end"]) == (
        "2018-11-15T13:00:00Z",
        "2018-11-15T14:00:00Z",
    )
    assert api.wait_for_runs(DAG_ID, [run["dag_run_id"]], timeout=300) == {
        run["dag_run_id"]: "success"
    }
    stack.loaded_hours.update(hours(13))
    assert actual_warehouse(warehouse) == expected_warehouse(real_data, sorted(stack.loaded_hours))


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
    airflow, api, warehouse = stack.airflow, stack.api, stack.warehouse
    api.unpause(DAG_ID)
    backfill(airflow.env, "--run-backwards")
    wait_for_backfills(api, 1)
    first = backfill_runs(api)
    assert sorted(first) == [f"2018-11-15T{h}:00:00Z" for h in (15, 16, 17, 18)]
    assert {r["state"] for r in first.values()} == {"success"}
    stack.loaded_hours.update(hours(15, 16, 17, 18))
    expected = expected_warehouse(real_data, sorted(stack.loaded_hours))
    assert actual_warehouse(warehouse) == expected
    before = warehouse.snapshot(WAREHOUSE_TABLES)

    backfill(airflow.env, "--reprocess-behavior", "completed")
    wait_for_backfills(api, 2)
    again = backfill_runs(api)
    assert {r["state"] for r in again.values()} == {"success"}
    assert all(again[d]["end_date"] > first[d]["end_date"] for d in first)  # they did re-run
    assert warehouse.snapshot(WAREHOUSE_TABLES) == before
