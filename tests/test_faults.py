"""Faults in the middle of a load, with the real parts: Airflow retries, the warehouse ends exact.

Each test runs one hour through ``airflow dags test`` (the DAG's own retry policy: 3 retries;
the delay shortened through Airflow's configuration, AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY,
not by editing the DAG) on a fresh PostgreSQL warehouse, and terminates the warehouse session
of one task in the middle of its work (``pg_terminate_backend``, as a failover would). Then:

- the run succeeds, the faulted task on its second try;
- the warehouse equals what the raw JSON says the hour holds (``raw_counts``);
- a reader querying the warehouse throughout never saw a partial load: each table's count for
  the hour was only ever its count before the load or after it.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from tests.support.dags_test import dags_test, task_tries
from tests.support.faults import (
    HOUR_COUNTS,
    IntervalReader,
    SlowStatement,
    WhenRunning,
    terminate_backend,
)
from tests.support.raw_counts import actual_warehouse, expected_warehouse
from tests.support.shared_values import HOUR
from tools.airflow_env import airflow_environment, migrate_metadata_db
from tools.sample_data import write_sample_dataset
from tools.task_runner import run_task

pytestmark = pytest.mark.slow  # airflow dags test with faults, and retries: not in make check

DAY = dt.date(2018, 11, 15)
LOGICAL_DATE = "2018-11-15T14:00:00+00:00"  # by hand: the hour that ends here


@pytest.fixture(scope="module")
def large_day(tmp_path_factory) -> Path:
    """A generated day of about 140,000 events (65 MB): its COPY takes long enough to hit."""
    root = tmp_path_factory.mktemp("large-day")
    return write_sample_dataset(root, start=DAY, days=1, sessions_per_day=20000)


@pytest.fixture
def airflow_env(tmp_path, warehouse, large_day, dag):
    env = airflow_environment(tmp_path / "airflow", os.environ["AIRFLOW_CONN_REDSHIFT"],
                              large_day.as_uri())  # fmt: skip
    env["AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY"] = "1"
    migrate_metadata_db(env)
    run_task(dag, "create_tables", HOUR, large_day.as_uri())  # so the reader has tables
    return env


def run_with_fault(env, warehouse, statement_prefix: str) -> tuple[str | None, set[tuple]]:
    reader = IntervalReader(warehouse.url, HOUR_COUNTS)
    killer = WhenRunning(warehouse.url, statement_prefix, terminate_backend(warehouse.url))
    reader.start()
    killer.start()
    result = dags_test(env, LOGICAL_DATE, timeout=600)
    killer.join(timeout=5)
    seen = reader.stop()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return killer.statement, seen


def assert_exact_and_never_partial(warehouse, large_day, seen: set[tuple]) -> None:
    expected = expected_warehouse(large_day, [HOUR])
    assert actual_warehouse(warehouse) == expected
    final = warehouse.query(HOUR_COUNTS)[0]
    assert final[0] == expected.songplays and final[1] == expected.users
    for column in range(3):
        assert {answer[column] for answer in seen} <= {0, final[column]}, seen
    assert {answer[0] for answer in seen} == {0, final[0]}  # it watched the load happen


@pytest.mark.parametrize(
    "task_id, statement, slow_table",
    [
        ("stage_events", 'COPY "staging_events"', None),
        ("load_songplays_fact", 'INSERT INTO "songplays"', "songplays"),
        ("load_user_dim", 'INSERT INTO "users"', "users"),
    ],
    ids=["mid-COPY of the day file", "mid fact load", "mid dimension upsert"],
)
def test_a_session_terminated_mid_load_is_retried_and_the_warehouse_ends_exact(
    airflow_env, warehouse, large_day, task_id, statement, slow_table
):
    if slow_table:
        with SlowStatement(warehouse.url, slow_table, seconds=3):
            killed, seen = run_with_fault(airflow_env, warehouse, statement)
    else:
        killed, seen = run_with_fault(airflow_env, warehouse, statement)
    assert killed is not None and killed.startswith(statement)
    runs = task_tries(airflow_env)
    assert runs[task_id] == (2, "success"), runs
    assert all(state == "success" for _, state in runs.values()), runs
    assert_exact_and_never_partial(warehouse, large_day, seen)
