"""``make airflow`` and ``make backfill`` as a user runs them, then Ctrl-C: nothing left.

The launcher starts; ``make backfill``'s command creates a backfill on it; Ctrl-C comes while
the backfill's runs are in flight. Every process the stack starts inherits its AIRFLOW_HOME,
so afterwards no process on the machine may still carry that (unique) AIRFLOW_HOME.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import PROJECT
from tests.e2e.conftest import free_port
from tools.airflow_api import AirflowApi
from tools.local_warehouse import drop_database


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


def test_backfill_then_ctrl_c_stops_everything_it_started(tmp_path, pg_admin_url, stack_databases):
    stack_dir = tmp_path / "stack"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")},
        "SPARKIFY_AIRFLOW_DIR": str(stack_dir),
        "SPARKIFY_PG_URL": pg_admin_url,
        **stack_databases,
    }
    launcher = subprocess.Popen(
        [sys.executable, "-m", "tools.airflow_stack", "run", "--port", str(free_port())],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output = []
        deadline = time.monotonic() + 240
        while not any("Log in as admin / " in line for line in output):
            assert time.monotonic() < deadline, "".join(output)
            line = launcher.stdout.readline()
            assert line or launcher.poll() is None, "".join(output)
            output.append(line)
        home = stack_dir / "home"
        assert processes_with_home(home), "the components should be running now"
        url = next(line for line in output if "Airflow is ready: " in line).split(": ", 1)[1]
        password = output[-1].rsplit(" / ", 1)[1].strip()

        backfill = subprocess.run(
            [sys.executable, "-m", "tools.airflow_stack", "backfill",
             "--from-date", "2018-11-02T14:00:00+00:00", "--to-date", "2018-11-02T16:00:00+00:00"],
            cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert backfill.returncode == 0, backfill.stdout + backfill.stderr
        api = AirflowApi(url.strip(), "admin", password)
        (created,) = api.call("GET", "/backfills?dag_id=sparkify_etl")["backfills"]
        assert (created["from_date"], created["to_date"]) == (
            "2018-11-02T14:00:00Z",
            "2018-11-02T16:00:00Z",
        )

        launcher.send_signal(signal.SIGINT)  # what Ctrl-C sends
        rest, _ = launcher.communicate(timeout=90)
        assert launcher.returncode == 0, "".join(output) + rest
        assert "Stopped; nothing left running." in rest
        assert processes_with_home(home) == []
    finally:
        # Even when an assertion failed, stop the stack as a user would: a killed launcher
        # could not stop its components, which run in sessions of their own.
        if launcher.poll() is None:
            launcher.send_signal(signal.SIGINT)
            try:
                launcher.wait(timeout=90)
            except subprocess.TimeoutExpired:
                launcher.kill()
