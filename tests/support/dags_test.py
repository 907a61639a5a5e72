"""``airflow dags test`` as a subprocess, with a hard timeout: how tests run whole DAG runs."""

from __future__ import annotations

import subprocess

from tools.airflow_env import AIRFLOW


def dags_test(env: dict[str, str], logical_date: str, timeout: float = 300):
    """``airflow dags test sparkify_etl <logical_date>``; killed (SIGKILL) after ``timeout``.

    Returns the CompletedProcess; its returncode is 0 only if the run succeeded.
    """
    return subprocess.run(
        [AIRFLOW, "dags", "test", "sparkify_etl", logical_date],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
