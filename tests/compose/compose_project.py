"""The project's compose files run as a user runs them, under a project name of the test's own.

Everything goes through the real ``docker compose`` (Compose v2, ``.venv/bin/docker-compose``)
and the files as they are in the repository; only the host ports are moved, through the
variables the compose file reads for that, so the test never collides with a stack a person
runs on the same machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
from pathlib import Path

import boto3

from tests.support.warehouse_db import WarehouseDb
from tools.airflow_api import AirflowApi

PROJECT = Path(__file__).resolve().parents[2]
COMPOSE = str(Path(sys.executable).with_name("docker-compose"))
LOCAL_FILE = PROJECT / "docker-compose.yaml"
CELERY_FILE = PROJECT / "docker-compose.celery.yaml"
PROJECT_LABEL = "com.docker.compose.project"


def host_addresses() -> list[str]:
    """This machine's IPv4 addresses other than loopback (its network, Docker's bridges)."""
    shown = subprocess.run(
        ["ip", "-4", "-o", "addr", "show", "scope", "global"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line.split()[3].split("/")[0] for line in shown.splitlines()]


class ComposeProject:
    def __init__(self, name: str, files: list[Path], ports: dict[str, int]) -> None:
        self.name = name
        self.files = files
        self.ports = ports  # SPARKIFY_API_PORT, SPARKIFY_WAREHOUSE_PORT, SPARKIFY_S3_PORT
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("COMPOSE_", "AIRFLOW"))},
            **{key: str(port) for key, port in ports.items()},
        }

    def __call__(self, *args: str, timeout: float = 600, check: bool = True):
        command = [COMPOSE, "-p", self.name]
        for path in self.files:
            command += ["-f", str(path)]
        result = subprocess.run(
            [*command, *args],
            cwd=PROJECT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"docker compose {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout[-5000:]}\n{result.stderr[-5000:]}"
            )
        return result

    def up(self) -> subprocess.CompletedProcess:
        """``docker compose up -d --build --wait``, as the README says."""
        return self("up", "-d", "--build", "--wait", timeout=1500)

    def config(self) -> dict:
        return json.loads(self("config", "--format", "json").stdout)

    def logs(self, *services: str) -> str:
        return self("logs", "--no-color", *services).stdout

    def password(self) -> str:
        shown = self("exec", "-T", "airflow-apiserver", "cat", "/opt/airflow/auth/passwords.json")
        return json.loads(shown.stdout)["admin"]

    def api(self) -> AirflowApi:
        url = f"http://127.0.0.1:{self.ports['SPARKIFY_API_PORT']}"
        try:
            return AirflowApi(url, "admin", self.password())
        except urllib.error.URLError as exc:
            raise AssertionError(f"the API at {url} did not answer: {exc}") from exc

    def warehouse(self) -> WarehouseDb:
        port = self.ports["SPARKIFY_WAREHOUSE_PORT"]
        return WarehouseDb(f"postgresql://sparkify:sparkify@127.0.0.1:{port}/sparkify")

    def s3_listing(self, bucket: str = "sparkify") -> dict[str, tuple[int, str]]:
        """Key -> (size, ETag) of every object in the stack's S3 server."""
        client = boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{self.ports['SPARKIFY_S3_PORT']}",
            aws_access_key_id="sparkify",
            aws_secret_access_key="sparkify-secret",
            region_name="us-east-1",
        )
        listed = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                listed[item["Key"]] = (item["Size"], item["ETag"].strip('"'))
        return listed

    def container_hostnames(self, service: str) -> set[str]:
        ids = self("ps", "-q", service).stdout.split()
        shown = subprocess.run(
            ["docker", "inspect", "--format", "{{.Config.Hostname}}", *ids],
            capture_output=True,
            text=True,
            check=True,
        )
        return set(shown.stdout.split())

    def report_page(self, day: str) -> str:
        """The daily report's page of ``day``, as the reports volume holds it."""
        page = f"/opt/airflow/reports/{day}/index.html"
        return self("exec", "-T", "airflow-scheduler", "cat", page).stdout

    def published_ports(self) -> dict[str, int]:
        """Service -> host port, for every port a running service publishes."""
        return {
            name: int(port["published"])
            for name, service in self.config()["services"].items()
            for port in service.get("ports", [])
        }

    def leftovers(self) -> dict[str, list[str]]:
        """Containers, networks and volumes of this project still on the engine."""
        label = f"label={PROJECT_LABEL}={self.name}"
        found = {}
        for kind, command in {
            "containers": ["docker", "ps", "-aq", "--filter", label],
            "networks": ["docker", "network", "ls", "-q", "--filter", label],
            "volumes": ["docker", "volume", "ls", "-q", "--filter", label],
        }.items():
            found[kind] = subprocess.run(
                command, capture_output=True, text=True, check=True
            ).stdout.split()
        return found
