"""``airflow dags test`` as a subprocess, with a hard timeout: how tests run whole DAG runs."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

from tools.airflow_env import AIRFLOW


def dags_test(env: dict[str, str], logical_date: str, timeout: float = 300):
    """``airflow dags test sparkify_etl <logical_date>``; killed (SIGKILL) after ``timeout``.

    Returns the CompletedProcess; its returncode is 0 only if the run succeeded.
    """
    return dags_test_of(env, "sparkify_etl", logical_date, timeout=timeout)


def dags_test_of(
    env: dict[str, str],
    dag_id: str,
    logical_date: str | None = None,
    conf: dict | None = None,
    timeout: float = 300,
):
    """``airflow dags test <dag_id> [<logical_date>] [--conf <conf>]``, as ``dags_test``."""
    command = [AIRFLOW, "dags", "test", dag_id]
    command += [logical_date] if logical_date else []
    command += ["--conf", json.dumps(conf)] if conf is not None else []
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)


def task_tries(env: dict[str, str]) -> dict[str, tuple[int, str]]:
    """task_id -> (try number, state) of the run ``dags test`` made, from its metadata DB."""
    with sqlite3.connect(Path(env["AIRFLOW_HOME"]) / "airflow.db") as metadata:
        rows = metadata.execute("SELECT task_id, try_number, state FROM task_instance")
        return {task_id: (number, state) for task_id, number, state in rows}
