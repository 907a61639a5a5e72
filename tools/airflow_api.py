"""A small client for Airflow 3's REST API (``/api/v2``), as the web UI and users call it."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request


class AirflowApi:
    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.base_url = base_url.rstrip("/")
        token = self._request("POST", "/auth/token", {"username": username, "password": password})
        self._token = token["access_token"]

    def _request(self, method: str, path: str, body=None, token: str | None = None):
        request = urllib.request.Request(
            self.base_url + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def call(self, method: str, path: str, body=None):
        return self._request(method, "/api/v2" + path, body, self._token)

    def wait_for_dag(self, dag_id: str, timeout: float = 120) -> dict:
        """The DAG, once the dag-processor has parsed it."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.call("GET", f"/dags/{dag_id}")
            except urllib.error.HTTPError as exc:
                if exc.code != 404 or time.monotonic() > deadline:
                    raise
            time.sleep(2)

    def unpause(self, dag_id: str) -> None:
        self.call("PATCH", f"/dags/{dag_id}", {"is_paused": False})

    def trigger(self, dag_id: str, logical_date: str) -> dict:
        return self.call("POST", f"/dags/{dag_id}/dagRuns", {"logical_date": logical_date})

    def dag_runs(self, dag_id: str) -> list[dict]:
        return self.call("GET", f"/dags/{dag_id}/dagRuns?limit=100")["dag_runs"]

    def wait_for_runs(self, dag_id: str, run_ids, timeout: float = 600) -> dict[str, str]:
        """Wait until every run in ``run_ids`` has finished; return their states."""
        deadline = time.monotonic() + timeout
        wanted = set(run_ids)
        while True:
            states = {r["dag_run_id"]: r["state"] for r in self.dag_runs(dag_id)}
            finished = {i: states[i] for i in wanted if states.get(i) in ("success", "failed")}
            if len(finished) == len(wanted):
                return finished
            if time.monotonic() > deadline:
                raise TimeoutError(f"runs not finished after {timeout:.0f} s: {states}")
            time.sleep(2)
