"""Shared fixtures: a real PostgreSQL warehouse per test, Airflow configured for this project.

The server is the one SPARKIFY_PG_URL names (CI points it at 127.0.0.1:5432), else a private
server started from the pgserver wheel. Each test that asks for ``warehouse`` gets a database
of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]

# Airflow reads these when first imported: set them before anything imports it.
os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="sparkify-test-airflow-")
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(PROJECT / "dags")
os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(PROJECT / "plugins")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"

import pytest  # noqa: E402

from tests.support.warehouse_db import WarehouseDb  # noqa: E402
from tools.local_warehouse import (  # noqa: E402
    airflow_connection,
    drop_database,
    postgres_server,
    recreate_database,
)

REAL_DATA = PROJECT.parent / "shared" / "data" / "sparkify"


@pytest.fixture(scope="session")
def real_data() -> Path:
    """The real Sparkify sample beside the clone.

    Tests that need it skip, saying why, where ../shared is absent; in CI (CI=true), where it
    is always laid beside the clone, its absence is a failure, so a green CI never hides them.
    """
    if not (REAL_DATA / "log_data").is_dir():
        reason = f"the real Sparkify sample is not at {REAL_DATA} (../shared is absent)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return REAL_DATA


@pytest.fixture(scope="session")
def pg_admin_url(tmp_path_factory) -> str:
    with postgres_server(tmp_path_factory.mktemp("pgdata")) as url:
        yield url


@pytest.fixture
def warehouse(pg_admin_url, monkeypatch) -> WarehouseDb:
    """A fresh database, set as Airflow connection ``redshift``."""
    name = f"sparkify_test_{uuid.uuid4().hex[:12]}"
    url = recreate_database(pg_admin_url, name)
    monkeypatch.setenv("AIRFLOW_CONN_REDSHIFT", airflow_connection(url))
    yield WarehouseDb(url)
    drop_database(pg_admin_url, name)


@pytest.fixture(scope="session")
def dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(PROJECT / "dags"))
    assert bag.import_errors == {}
    return bag.dags["sparkify_etl"]


@pytest.fixture(scope="session")
def s3_endpoint():
    """moto's S3 API server on a free loopback port, for the session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="session")
def report_dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(PROJECT / "dags"))
    assert bag.import_errors == {}
    return bag.dags["sparkify_daily_report"]


@pytest.fixture(autouse=True)
def fresh_object_stores():
    """Each test sees its own connections through ObjectStoragePath.

    Airflow keeps an ObjectStoragePath's filesystem per connection id for the life of the
    process. A task runs in a process of its own, so that never outlives a run; a test process
    runs many, with aws_default pointing at different servers (moto with IAM enforced, and
    without), so the stores are dropped after each test.
    """
    yield
    store = sys.modules.get("airflow.sdk.io.store")
    if store is not None:
        store._STORE_CACHE.clear()


@pytest.fixture(scope="session")
def aws():
    """An AWS account in moto with IAM enforced, and the project's identities in it, each with
    exactly its policy from include/iam/ (tests/support/aws_account.py)."""
    from tests.support.aws_account import make_identities
    from tests.support.enforced_moto import EnforcedMoto

    with EnforcedMoto() as moto:
        yield make_identities(moto)


def test_group(nodeid: str) -> str:
    """Which tests run on one xdist worker, one after another (``make test`` runs ``-n``).

    Each test file is one group, so its module fixtures are made once. The end-to-end tests
    that share the package's Airflow stack (tests/e2e, but ``make airflow``'s own) are one
    group, so the stack is started once. Groups run side by side, each on a worker of its own.
    """
    path = nodeid.split("::", 1)[0]
    if path.startswith("tests/e2e/") and not path.endswith("test_make_airflow.py"):
        return "tests/e2e"
    return path


# Groups that mostly sleep (the make airflow test waits at least five minutes for a load
# deadline to pass, more near the top of the hour): started first, their waiting overlaps the
# rest of the suite instead of ending it.
WAITING_GROUPS = ("tests/e2e/test_make_airflow.py",)


def pytest_xdist_make_scheduler(config, log):
    """xdist's scope scheduling, with ``test_group`` as the scope. (Its ``loadgroup`` mode does
    not work with pytest 9: it renames ``Node._nodeid``, which pytest 9 no longer reads.)

    Groups start in xdist's order, those of most tests first, except ``WAITING_GROUPS``, which
    start before all others. Starting the longest first (the e2e stack, the compose stacks, the
    admin DAG's runs) was tried: they then ran at once, the load reached 29 on two cores, and
    the suite took 27 minutes instead of 22. A group that sleeps costs no such load: left to
    xdist's order, the make airflow test started last and ended a fresh-clone run 9 minutes
    after everything else (31 minutes on 2026-12-07).
    """
    from xdist.scheduler import LoadScopeScheduling

    class TestGroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return test_group(nodeid)

        def _assign_work_unit(self, node) -> None:
            for group in WAITING_GROUPS:
                if group in self.workqueue:
                    self.workqueue.move_to_end(group, last=False)
            super()._assign_work_unit(node)

    return TestGroupScheduling(config, log)
