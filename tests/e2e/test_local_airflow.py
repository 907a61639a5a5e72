"""End to end through the real Airflow: api-server, scheduler, dag-processor, triggerer.

The stack runs on the real data; runs are triggered over the REST API, backfilled with
``airflow backfill create`` or with ``make backfill``'s program (which follows the backfill),
and the warehouse is checked against counts computed from the raw JSON. The stack is stopped
afterwards, and nothing it started may be left running.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time

import pytest

from tests.conftest import PROJECT
from tests.e2e.conftest import DAG_ID, hours
from tests.support.openlineage_schema import event_errors
from tests.support.raw_counts import actual_warehouse, expected_warehouse
from tests.support.smtp_server import html_text
from tests.support.warehouse_db import WAREHOUSE_TABLES
from tools.airflow_api import AirflowApi
from tools.airflow_env import AIRFLOW

pytestmark = pytest.mark.slow  # the real Airflow components: not in make check


def test_a_run_triggered_over_the_rest_api_loads_its_hour(stack, real_data, dag):
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
    songplays = expected_warehouse(real_data, hours(13)).songplays
    check_lineage(stack, run["dag_run_id"], dag, songplays)


def check_lineage(stack, run_id: str, dag, songplays: int) -> None:
    """The run's OpenLineage events, as one worker process per task sent them: each
    validates, each task that ran has its START and COMPLETE (the EmptyOperator markers never
    reach a worker: the scheduler marks them done), and the fact load wrote the hour's plays."""
    lines = stack.lineage.read_text().splitlines()
    events = [
        event for event in map(json.loads, lines)
        if event["run"]["facets"].get("airflow", {}).get("dagRun", {}).get("run_id") == run_id
    ]  # fmt: skip
    for event in events:
        assert event_errors(event) == [], event["job"]["name"]
    kinds = {}
    for event in events:
        kinds.setdefault(event["job"]["name"], []).append(event["eventType"])
    ran = [t.task_id for t in dag.tasks if type(t).__name__ != "EmptyOperator"]
    assert set(kinds) == {f"{DAG_ID}.{task}" for task in ran}
    assert all(sorted(found) == ["COMPLETE", "START"] for found in kinds.values()), kinds
    (fact,) = [
        e for e in events
        if e["job"]["name"] == f"{DAG_ID}.load_songplays_fact" and e["eventType"] == "COMPLETE"
    ]  # fmt: skip
    (songplays_out,) = [o for o in fact["outputs"] if o["name"].endswith(".songplays")]
    assert songplays_out["outputFacets"]["outputStatistics"]["rowCount"] == songplays


def backfill(env: dict[str, str], *extra: str) -> None:
    subprocess.run(
        [AIRFLOW, "backfill", "create", "--dag-id", DAG_ID,
         "--from-date", "2018-11-15T15:00:00+00:00", "--to-date", "2018-11-15T18:00:00+00:00",
         "--max-active-runs", "3", *extra],
        env=env, check=True, capture_output=True, timeout=120,
    )  # fmt: skip


def wait_for_backfills(api: AirflowApi, count: int, timeout: float = 600) -> list[dict]:
    """The backfills of this module's range (other tests of the stack make their own)."""
    deadline = time.monotonic() + timeout
    while True:
        found = [
            b
            for b in api.call("GET", f"/backfills?dag_id={DAG_ID}")["backfills"]
            if b["from_date"] == "2018-11-15T15:00:00Z"
        ]
        if len(found) == count and all(b["completed_at"] for b in found):
            return found
        assert time.monotonic() < deadline, f"backfills not complete: {found}"
        time.sleep(3)


def backfill_runs(api: AirflowApi, day: str = "") -> dict[str, dict]:
    """Backfill runs by logical date (of ``day``, ``YYYY-MM-DD``, if given)."""
    runs = [r for r in api.dag_runs(DAG_ID) if r["run_type"] == "backfill"]
    return {r["logical_date"]: r for r in runs if r["logical_date"].startswith(day)}


def test_backfill_backwards_in_parallel_then_reprocessed_changes_nothing(stack, real_data):
    airflow, api, warehouse = stack.airflow, stack.api, stack.warehouse
    api.unpause(DAG_ID)
    backfill(airflow.env, "--run-backwards")
    wait_for_backfills(api, 1)
    first = backfill_runs(api, "2018-11-15")
    assert sorted(first) == [f"2018-11-15T{h}:00:00Z" for h in (15, 16, 17, 18)]
    assert {r["state"] for r in first.values()} == {"success"}
    stack.loaded_hours.update(hours(15, 16, 17, 18))
    expected = expected_warehouse(real_data, sorted(stack.loaded_hours))
    assert actual_warehouse(warehouse) == expected
    before = warehouse.snapshot(WAREHOUSE_TABLES)

    backfill(airflow.env, "--reprocess-behavior", "completed")
    wait_for_backfills(api, 2)
    again = backfill_runs(api, "2018-11-15")
    assert {r["state"] for r in again.values()} == {"success"}
    assert all(again[d]["end_date"] > first[d]["end_date"] for d in first)  # they did re-run
    assert warehouse.snapshot(WAREHOUSE_TABLES) == before


def test_backfill_follower_exits_non_zero_naming_failed_runs(stack, real_data):
    """``make backfill``'s program on a backfill whose last hour has no day file (2018-12-01)."""
    api, warehouse = stack.api, stack.warehouse
    api.unpause(DAG_ID)
    env = {
        **os.environ,
        "SPARKIFY_AIRFLOW_API": stack.airflow.url,
        "SPARKIFY_AIRFLOW_PASSWORDS": str(
            stack.airflow.home / "simple_auth_manager_passwords.json.generated"
        ),
    }
    result = subprocess.run(
        [sys.executable, "-m", "tools.backfill", "2018-11-30T23:00", "2018-12-01T00:00"],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "succeeded 1 / failed 1 / running 0 / queued 0 of 2, elapsed " in out
    (failed,) = [r for r in backfill_runs(api).values() if r["state"] == "failed"]
    assert failed["logical_date"] == "2018-12-01T00:00:00Z"
    assert f"1 of 2 runs failed:\n  {failed['dag_run_id']} (2018-12-01T00:00:00Z): " in out
    assert out.rstrip().endswith("stage_events failed"), out
    # The alert: one message for the failed run, through the real worker's failure callback.
    subject = "[sparkify] sparkify_etl.stage_events failed: 2018-12-01T00:00Z"
    (message,) = [m for m in stack.inbox.wait_for(1) if m["Subject"] == subject]
    assert "log_data/2018/12/2018-12-01-events.json" in html_text(message)
    stack.loaded_hours.add(dt.datetime(2018, 11, 30, 23, tzinfo=dt.UTC))
    assert actual_warehouse(warehouse) == expected_warehouse(real_data, sorted(stack.loaded_hours))
