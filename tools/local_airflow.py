"""Airflow 3 for this project on one machine: api-server, scheduler, dag-processor, triggerer.

Each component runs in a session of its own, so a terminal's Ctrl-C reaches this launcher
only, and the launcher stops them in order: SIGTERM, a grace period, then SIGKILL for whatever
is left of each component's process group (its task workers included). Nothing is left
running. The metadata database is a PostgreSQL database (LocalExecutor runs tasks in parallel,
which SQLite serialises badly); the simple auth manager writes the admin password to
``$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from tools.airflow_env import AIRFLOW, migrate_metadata_db

COMPONENTS = ["api-server", "scheduler", "dag-processor", "triggerer"]
HEALTHY_COMPONENTS = ["metadatabase", "scheduler", "dag_processor", "triggerer"]


def local_airflow_environment(env: dict[str, str], metadata_url: str, port: int) -> dict[str, str]:
    """``env`` plus what the four components need to run together on this machine."""
    bin_dir = str(Path(AIRFLOW).parent)
    return {
        **env,
        "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__AUTH_MANAGER": (
            "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
        ),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
    }


class LocalAirflow:
    """The four Airflow components, started and stopped together (a context manager)."""

    def __init__(self, env: dict[str, str], port: int = 8080) -> None:
        self.env = env
        self.port = port
        self.home = Path(env["AIRFLOW_HOME"])
        self.processes: dict[str, subprocess.Popen] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        migrate_metadata_db(self.env)
        logs = self.home / "component-logs"
        logs.mkdir(parents=True, exist_ok=True)
        for name in COMPONENTS:
            with (logs / f"{name}.log").open("ab") as log:
                self.processes[name] = subprocess.Popen(
                    [AIRFLOW, name],
                    env=self.env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )

    def wait_until_healthy(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"airflow {name} exited with {process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/monitor/health", timeout=5) as r:
                    health = json.load(r)
                last = health
                if all(health.get(c, {}).get("status") == "healthy" for c in HEALTHY_COMPONENTS):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError) as exc:
                last = repr(exc)
            time.sleep(1)
        raise TimeoutError(f"Airflow was not healthy after {timeout:.0f} s: {last}")

    def admin_password(self) -> str:
        generated = self.home / "simple_auth_manager_passwords.json.generated"
        return json.loads(generated.read_text())["admin"]

    def stop(self, grace: float = 20) -> None:
        """Stop every component and everything it started; wait until all are gone."""
        for name in reversed(COMPONENTS):
            process = self.processes.get(name)
            if process is None or process.poll() is not None:
                continue
            _signal_group(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
        for process in self.processes.values():
            _signal_group(process.pid, signal.SIGKILL)  # task workers left behind, if any
            process.wait()
        self.processes.clear()

    def __enter__(self) -> LocalAirflow:
        self.start()
        try:
            self.wait_until_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)  # each component leads its own session and process group
