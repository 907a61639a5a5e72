"""sparkify_daily_report through the real scheduler: a day of hourly runs starts exactly one
report run, for that day; reloading one hour starts exactly one more, whose report equals the
first. Days the stack's other tests load only in part start none."""

from __future__ import annotations

import datetime as dt
import subprocess
import time

import pytest

from tests.e2e.conftest import DAG_ID
from tests.support.raw_counts import expected_day
from tools.airflow_api import AirflowApi
from tools.airflow_env import AIRFLOW
from tools.task_runner import hours_of

pytestmark = pytest.mark.slow  # the real Airflow components: not in make check

REPORT_DAG_ID = "sparkify_daily_report"
DAY = "2018-11-21"
SETTLE_SECONDS = 20  # scheduler loops to wait for a run that should not come


def backfill_and_wait(stack, first_hour: str, last_hour: str, *extra: str) -> None:
    before = len(stack.api.call("GET", f"/backfills?dag_id={DAG_ID}")["backfills"])
    subprocess.run(
        [AIRFLOW, "backfill", "create", "--dag-id", DAG_ID,
         "--from-date", f"{DAY}T{first_hour}:00:00+00:00",
         "--to-date", f"{DAY}T{last_hour}:00:00+00:00", "--max-active-runs", "3", *extra],
        env=stack.airflow.env, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    deadline = time.monotonic() + 1500
    while True:
        found = stack.api.call("GET", f"/backfills?dag_id={DAG_ID}")["backfills"]
        if len(found) == before + 1 and all(b["completed_at"] for b in found):
            return
        assert time.monotonic() < deadline, f"backfill not complete: {found}"
        time.sleep(5)


def report_runs_when_settled(api: AirflowApi, count: int) -> list[dict]:
    """The report DAG's runs once ``count`` of them have finished and no other came since."""
    deadline = time.monotonic() + 600
    while True:
        runs = api.dag_runs(REPORT_DAG_ID)
        finished = [r for r in runs if r["state"] in ("success", "failed")]
        if len(finished) >= count and len(runs) == len(finished):
            time.sleep(SETTLE_SECONDS)
            settled = api.dag_runs(REPORT_DAG_ID)
            if len(settled) == len(runs):
                return sorted(settled, key=lambda r: r["run_after"])
        assert time.monotonic() < deadline, f"report runs: {runs}"
        time.sleep(3)


def test_a_loaded_day_starts_one_report_run_and_a_reloaded_hour_one_more(stack, real_data):
    api, warehouse = stack.api, stack.warehouse
    api.unpause(DAG_ID)
    api.unpause(REPORT_DAG_ID)
    backfill_and_wait(stack, "00", "23")
    stack.loaded_hours.update(hours_of(dt.date(2018, 11, 21)))
    (first,) = report_runs_when_settled(api, 1)
    assert (first["partition_key"], first["state"], first["run_type"]) == (
        DAY, "success", "asset_triggered"
    )  # fmt: skip
    expected = expected_day(real_data, dt.date(2018, 11, 21))
    assert warehouse.query("SELECT plays, listeners FROM daily_plays") == [
        (expected.plays, expected.listeners)
    ]
    page, chart = stack.reports / DAY / "index.html", stack.reports / DAY / "plays_by_hour.png"
    first_page, first_chart = page.read_bytes(), chart.read_bytes()
    assert f"<tr><td>Plays</td><td>{expected.plays:,}</td></tr>".encode() in first_page

    backfill_and_wait(stack, "05", "05", "--reprocess-behavior", "completed")
    runs = report_runs_when_settled(api, 2)
    assert [(r["partition_key"], r["state"]) for r in runs] == [(DAY, "success")] * 2
    assert runs[0]["dag_run_id"] == first["dag_run_id"]
    assert page.read_bytes() == first_page and chart.read_bytes() == first_chart
    # Each of the day's 24 backfill runs (the reprocessed hour re-ran its run) missed its
    # deadline (an hour of 2018, allowance 0): the triggerer ran the late-load callback for
    # each, and none sent a message.
    deadline = time.monotonic() + 180
    while (done := backfill_deadline_callbacks(stack)) < 24:
        assert time.monotonic() < deadline, f"{done} of 24 deadline callbacks succeeded"
        time.sleep(3)
    assert not [m for m in stack.inbox.messages if "late" in m["Subject"] and DAY in m["Subject"]]


def backfill_deadline_callbacks(stack) -> int:
    """How many missed deadlines of backfill runs had their callback run successfully."""
    ((count,),) = stack.metadata.query(
        "SELECT COUNT(*) FROM deadline "
        "JOIN dag_run ON dag_run.id = deadline.dagrun_id "
        "JOIN callback ON callback.id = deadline.callback_id "
        "WHERE deadline.missed AND dag_run.run_type = 'backfill' AND callback.state = 'success'"
    )
    return count
