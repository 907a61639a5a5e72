"""A task process killed outright (SIGKILL) in the middle of a stage and of a load.

Under the real scheduler and LocalExecutor, each task runs in a process that its supervisor
forked; the supervisor sees the process die, reports the try as failed, and the scheduler runs
the next try after the retry delay (5 s here, through the stack's configuration). The killed
try's transaction dies with its connection, so nothing it wrote remains; the next try loads the
hour and the warehouse equals the raw JSON's count. The warehouse statement is held open by a
trigger that sleeps, so that the process can be found (by its connection) and killed mid-way.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.e2e.conftest import DAG_ID
from tests.support.faults import SlowStatement, WhenRunning, kill_client
from tests.support.raw_counts import actual_warehouse, expected_warehouse
from tools.local_warehouse import airflow_connection
from tools.task_runner import run_task

pytestmark = pytest.mark.slow  # the real Airflow components: not in make check


@pytest.mark.parametrize(
    "task_id, table, statement, hour",
    [
        ("stage_events", "staging_events", 'COPY "staging_events"', dt.datetime(2018, 11, 20, 10)),
        (
            "load_songplays_fact",
            "songplays",
            'INSERT INTO "songplays"',
            dt.datetime(2018, 11, 22, 10),  # 2018-11-21 is the daily report test's
        ),
    ],
    ids=["mid-stage", "mid fact load"],
)
def test_a_task_process_killed_mid_load_is_retried_and_loads_its_hour(
    stack, real_data, dag, monkeypatch, task_id, table, statement, hour
):
    api, warehouse = stack.api, stack.warehouse
    api.unpause(DAG_ID)
    hour = hour.replace(tzinfo=dt.UTC)
    monkeypatch.setenv("AIRFLOW_CONN_REDSHIFT", airflow_connection(warehouse.url))
    run_task(dag, "create_tables", hour, real_data.as_uri())  # the trigger needs its table
    logical_date = (hour + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    killer = WhenRunning(warehouse.url, statement, kill_client, timeout=300)
    with SlowStatement(warehouse.url, table, seconds=4):
        killer.start()
        run = api.trigger(DAG_ID, logical_date)
        states = api.wait_for_runs(DAG_ID, [run["dag_run_id"]], timeout=600)
        killer.join(timeout=5)
    assert killer.done_at is not None, "the statement was never seen running"
    assert states == {run["dag_run_id"]: "success"}
    path = f"/dags/{DAG_ID}/dagRuns/{run['dag_run_id']}/taskInstances/{task_id}/tries"
    tries = api.call("GET", path)["task_instances"]
    assert [t["try_number"] for t in tries] == [1, 2]
    assert tries[0]["state"] in ("failed", "up_for_retry") and tries[1]["state"] == "success"
    ended = dt.datetime.fromisoformat(tries[0]["end_date"].replace("Z", "+00:00")).timestamp()
    print(f"{task_id}: the killed try was reported ended {ended - killer.done_at:.1f} s later")
    stack.loaded_hours.add(hour)
    assert actual_warehouse(warehouse) == expected_warehouse(real_data, sorted(stack.loaded_hours))
