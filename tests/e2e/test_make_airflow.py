"""``make airflow`` and ``make backfill`` as a user runs them, then Ctrl-C: nothing left.

The launcher starts on its own sample data. Unpausing the DAG makes the scheduler start the
current hour's run, which must succeed on the day file the sample feed keeps writing; an hour
of November 2018 triggered by hand must succeed too; both are checked against counts computed
from the data. ``make backfill``'s program follows a backfill until Ctrl-C, which must leave
the backfill running and say how to watch or cancel it. Then Ctrl-C reaches the launcher while
the backfill's runs are in flight. Every process the stack starts inherits its AIRFLOW_HOME, so
afterwards no process on the machine may still carry that (unique) AIRFLOW_HOME.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import PROJECT
from tests.e2e.conftest import DAG_ID, free_port
from tests.support.raw_counts import actual_warehouse, expected_warehouse
from tests.support.smtp_server import smtp_connection, smtp_server
from tests.support.warehouse_db import WarehouseDb
from tools.airflow_api import AirflowApi
from tools.local_warehouse import database_url, drop_database

pytestmark = (
    pytest.mark.slow
)  # the real Airflow components, and a deadline to wait out: not in make check

MANUAL_HOUR = dt.datetime(2018, 11, 27, 9, tzinfo=dt.UTC)  # triggered at 10:00


def processes_with_home(home: Path) -> list[int]:
    marker = f"AIRFLOW_HOME={home}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                pass  # gone already, or not ours to read
    return found


@pytest.fixture
def stack_databases(pg_admin_url):
    """Databases of the launcher's own, so no state from another run can reach this one."""
    names = {
        "SPARKIFY_WAREHOUSE_DATABASE": f"sparkify_launcher_{uuid.uuid4().hex[:8]}",
        "SPARKIFY_AIRFLOW_DATABASE": f"airflow_launcher_{uuid.uuid4().hex[:8]}",
    }
    yield names
    for name in names.values():
        drop_database(pg_admin_url, name)


def wait_for_line(process: subprocess.Popen, text: str, output: list[str], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while True:
        assert time.monotonic() < deadline, f"no {text!r} in:\n" + "".join(output)
        line = process.stdout.readline()
        assert line or process.poll() is None, "".join(output)
        output.append(line)
        if text in line:
            return line


def finished_runs(api: AirflowApi, run_ids, timeout: float = 300) -> dict[str, dict]:
    deadline = time.monotonic() + timeout
    while True:
        runs = {r["dag_run_id"]: r for r in api.dag_runs(DAG_ID) if r["dag_run_id"] in run_ids}
        if len(runs) == len(run_ids) and all(
            r["state"] in ("success", "failed") for r in runs.values()
        ):
            return runs
        assert time.monotonic() < deadline, f"runs not finished: {runs}"
        time.sleep(2)


def scheduled_runs(api: AirflowApi, timeout: float = 180) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        found = [r["dag_run_id"] for r in api.dag_runs(DAG_ID) if r["run_type"] == "scheduled"]
        if found:
            return found
        assert time.monotonic() < deadline, "unpausing started no scheduled run"
        time.sleep(2)


@pytest.fixture
def smtp():
    with smtp_server() as (inbox, port):
        yield inbox, port


def deadline_allowance_minutes() -> int:
    """An allowance that puts the current hour's deadline 5 minutes from now (the stack is up
    and the hour's run done well before that); near the top of the hour, once the next hour
    has begun, so that the run unpausing starts is still the hour this was computed for."""
    now = dt.datetime.now(dt.UTC)
    if now.minute >= 52:
        time.sleep((60 - now.minute) * 60 - now.second + 5)
        now = dt.datetime.now(dt.UTC)
    return now.minute + 5


def test_schedule_trigger_and_backfill_then_ctrl_c_stops_everything(
    tmp_path, pg_admin_url, stack_databases, smtp
):
    stack_dir = tmp_path / "stack"
    inbox, smtp_port = smtp
    allowance = deadline_allowance_minutes()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")},
        "SPARKIFY_AIRFLOW_DIR": str(stack_dir),
        "SPARKIFY_PG_URL": pg_admin_url,
        **stack_databases,
        # Alerts: the scheduled hour's deadline falls during the test; it must not fire.
        "AIRFLOW_CONN_SMTP_DEFAULT": smtp_connection(smtp_port),
        "SPARKIFY_ALERT_EMAIL": "ops@example.com",
        "SPARKIFY_LOAD_DEADLINE_MINUTES": str(allowance),
    }
    launcher = subprocess.Popen(
        [sys.executable, "-m", "tools.airflow_stack", "--port", str(free_port())],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    follower = None
    try:
        output: list[str] = []
        password = wait_for_line(launcher, "Log in as admin / ", output, 240)
        password = password.rsplit(" / ", 1)[1].strip()
        home = stack_dir / "home"
        assert processes_with_home(home), "the components should be running now"
        url = next(line for line in output if "Airflow is ready: " in line).split(": ", 1)[1]
        api = AirflowApi(url.strip(), "admin", password)
        api.wait_for_dag(DAG_ID)

        # Unpaused, the scheduler starts the current hour; triggered, any hour of November 2018.
        api.unpause(DAG_ID)
        manual = api.trigger(DAG_ID, (MANUAL_HOUR + dt.timedelta(hours=1)).isoformat())
        scheduled = scheduled_runs(api)
        runs = finished_runs(api, [manual["dag_run_id"], *scheduled])
        assert {r["state"] for r in runs.values()} == {"success"}, runs
        loaded = sorted(dt.datetime.fromisoformat(r["data_interval_start"]) for r in runs.values())
        assert MANUAL_HOUR in loaded and loaded[-1].date() >= dt.date.today() - dt.timedelta(1)
        warehouse = WarehouseDb(
            database_url(pg_admin_url, stack_databases["SPARKIFY_WAREHOUSE_DATABASE"])
        )
        expected = expected_warehouse(stack_dir / "data", loaded)
        assert actual_warehouse(warehouse) == expected
        assert expected.songplays > 0

        # The scheduled hour was loaded in time: once its deadline has passed, no late alert.
        metadata = WarehouseDb(
            database_url(pg_admin_url, stack_databases["SPARKIFY_AIRFLOW_DATABASE"])
        )
        alerts = metadata.query(
            "SELECT deadline_alert.interval::text FROM deadline_alert JOIN serialized_dag "
            "ON serialized_dag.id = deadline_alert.serialized_dag_id "
            "WHERE serialized_dag.dag_id = 'sparkify_etl'"
        )
        assert alerts and all(str((60 + allowance) * 60) in i for (i,) in alerts), alerts
        (hour,) = [runs[r]["data_interval_end"] for r in scheduled]
        deadline = dt.datetime.fromisoformat(hour.replace("Z", "+00:00")) + dt.timedelta(
            minutes=allowance
        )
        wait = (deadline - dt.datetime.now(dt.UTC)).total_seconds() + 30
        assert wait < 600, f"the deadline {deadline} is not near: {allowance} min after {hour}"
        time.sleep(max(0, wait))
        assert [m["Subject"] for m in inbox.messages] == []

        # make backfill's program follows the backfill; Ctrl-C stops following, not the backfill.
        follower = subprocess.Popen(
            [sys.executable, "-m", "tools.backfill", "2018-11-02T14:00", "2018-11-02T16:00"],
            cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        followed: list[str] = []
        wait_for_line(follower, " of 3, elapsed ", followed, 120)
        follower.send_signal(signal.SIGINT)
        rest, _ = follower.communicate(timeout=30)
        assert follower.returncode == 130, "".join(followed) + rest
        (created,) = api.call("GET", f"/backfills?dag_id={DAG_ID}")["backfills"]
        assert (created["from_date"], created["to_date"]) == (
            "2018-11-02T14:00:00Z",
            "2018-11-02T16:00:00Z",
        )
        assert f"Backfill {created['id']} keeps running in the stack." in rest
        assert f"--watch {created['id']}" in rest and f"--cancel {created['id']}" in rest
        assert created["completed_at"] is None and not created["is_paused"]

        launcher.send_signal(signal.SIGINT)  # what Ctrl-C sends
        rest, _ = launcher.communicate(timeout=90)
        assert launcher.returncode == 0, "".join(output) + rest
        assert "Stopped; nothing left running." in rest
        assert processes_with_home(home) == []
    finally:
        # Even when an assertion failed, stop the stack as a user would: a killed launcher
        # could not stop its components, which run in sessions of their own.
        if follower is not None and follower.poll() is None:
            follower.kill()
        if launcher.poll() is None:
            launcher.send_signal(signal.SIGINT)
            try:
                launcher.wait(timeout=90)
            except subprocess.TimeoutExpired:
                launcher.kill()
