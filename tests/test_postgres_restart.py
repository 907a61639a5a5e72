"""PostgreSQL restarted while a run is in flight, with the real parts.

A private PostgreSQL server (the pgserver wheel's, so that restarting it disturbs nothing else)
holds the warehouse. In the middle of the hour's fact load, ``pg_ctl restart -m fast`` ends
every session and starts the server again, as a failover or an upgrade would. The fact load's
transaction dies with it; Airflow retries the task once the retry delay (shortened through
Airflow's configuration) has passed, and the run succeeds. The warehouse then equals the hour
computed from the raw JSON, and a reader that reconnected across the restart never saw a
partial load.
"""

from __future__ import annotations

import contextlib
import subprocess
import warnings

import psutil
import pytest

from tests.support.dags_test import dags_test, task_tries
from tests.support.faults import HOUR_COUNTS, IntervalReader, SlowStatement, WhenRunning
from tests.support.raw_counts import actual_warehouse, expected_warehouse
from tests.support.shared_values import HOUR
from tests.support.warehouse_db import WarehouseDb
from tools.airflow_env import airflow_environment, migrate_metadata_db
from tools.local_warehouse import airflow_connection, recreate_database
from tools.task_runner import run_task

pytestmark = pytest.mark.slow  # airflow dags test across a server restart: not in make check

LOGICAL_DATE = "2018-11-15T14:00:00+00:00"


@pytest.fixture
def private_server(tmp_path):
    """A pgserver cluster that is stopped afterwards whatever happened to it.

    pgserver's own cleanup stops the postmaster it started; after ``pg_ctl restart`` that one is
    gone and the new one would outlive the test (seen after a green CI run). So the data
    directory's server is stopped with ``pg_ctl stop``, and a postmaster that still runs on it
    is killed and fails the test.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")
        import pgserver

        server = pgserver.get_server(tmp_path / "pgdata", cleanup_mode="stop")
    try:
        yield server
    finally:
        stop_server(server)


def stop_server(server) -> None:
    from pgserver._commands import pg_ctl

    with contextlib.suppress(subprocess.CalledProcessError):  # not running: nothing to stop
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user,
               timeout=60)  # fmt: skip
    server.cleanup()
    left = [
        p
        for p in psutil.process_iter(["cmdline"])
        if str(server.pgdata) in (p.info["cmdline"] or [])
    ]
    for process in left:
        process.kill()
    assert not left, f"a PostgreSQL server on {server.pgdata} outlived pg_ctl stop: {left}"


def restart(server):
    """An act: restart the server, ending every session (``pg_ctl restart -m fast``)."""
    from pgserver._commands import pg_ctl

    def act(backend_pid: int, client_port: int) -> None:
        pg_ctl(["-w", "-m", "fast", "restart"], pgdata=server.pgdata, user=server.system_user,
               timeout=120)  # fmt: skip

    return act


def test_a_restart_mid_load_is_retried_and_the_warehouse_ends_exact(
    private_server, tmp_path, real_data, dag, monkeypatch
):
    url = recreate_database(private_server.get_uri(), "warehouse")
    connection = airflow_connection(url)
    env = airflow_environment(tmp_path / "airflow", connection, real_data.as_uri())
    env["AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY"] = "3"
    migrate_metadata_db(env)
    monkeypatch.setenv("AIRFLOW_CONN_REDSHIFT", connection)
    run_task(dag, "create_tables", HOUR, real_data.as_uri())  # the slow trigger needs its table

    reader = IntervalReader(url, HOUR_COUNTS, reconnect=True)
    restarter = WhenRunning(url, 'INSERT INTO "songplays"', restart(private_server))
    with SlowStatement(url, "songplays", seconds=4):
        reader.start()
        restarter.start()
        result = dags_test(env, LOGICAL_DATE, timeout=600)
        restarter.join(timeout=5)
        seen = reader.stop()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert restarter.done_at is not None and reader.interruptions >= 1
    assert task_tries(env)["load_songplays_fact"] == (2, "success")
    warehouse = WarehouseDb(url)
    expected = expected_warehouse(real_data, [HOUR])
    assert actual_warehouse(warehouse) == expected
    final = warehouse.query(HOUR_COUNTS)[0]
    for column in range(3):
        assert {answer[column] for answer in seen} <= {0, final[column]}, seen
