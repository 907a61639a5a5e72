"""A Docker engine, the stand-in images, and compose projects that are always taken down.

The engine is the machine's (``.ci/run`` installs and starts Debian's ``docker.io`` where none
runs). Without one, the tests that need it skip locally, saying why, and fail under CI
(CI=true), so a green CI run always ran them.
"""

from __future__ import annotations

import os
import subprocess
import uuid

import pytest

from tests.compose import standins
from tests.compose.compose_project import ComposeProject
from tests.e2e.conftest import free_port

PROJECT_IMAGE = "sparkify/airflow:local"


@pytest.fixture(scope="session")
def docker_engine() -> None:
    try:
        answer = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=60)
        running, why = answer.returncode == 0, answer.stderr.strip()[-500:]
    except FileNotFoundError:
        running, why = False, "there is no docker client"
    if not running:
        reason = f"no Docker engine answers here: {why}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def standin_images(docker_engine):
    """The images the compose files pull, built here under their names (see standins.py)."""
    built = standins.build_all(log=lambda line: print(f"[stand-ins] {line}", flush=True))
    yield built
    standins.untag_official_names()
    subprocess.run(["docker", "rmi", PROJECT_IMAGE], capture_output=True)


@pytest.fixture
def compose_project(standin_images):
    """Make a ComposeProject for the given files; each is taken down with its volumes."""
    made: list[ComposeProject] = []

    def make(*files) -> ComposeProject:
        project = ComposeProject(
            f"sparkify-test-{uuid.uuid4().hex[:8]}",
            list(files),
            {
                "SPARKIFY_API_PORT": free_port(),
                "SPARKIFY_WAREHOUSE_PORT": free_port(),
                "SPARKIFY_S3_PORT": free_port(),
            },
        )
        made.append(project)
        return project

    yield make
    for project in made:
        project("down", "-v", "--remove-orphans", timeout=300, check=False)
