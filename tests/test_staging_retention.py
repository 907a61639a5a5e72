"""Staging retention: day files no run has used for the retention leave staging_events.

Against the real PostgreSQL warehouse, with the DAG's own tasks. A pruned day file is staged
again by the next run that needs it, and the warehouse is then equal, row for row, to what it
was. Age is made by moving a day file's last use back in time, as a day passing would.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sparkify.errors import PipelineConfigError
from sparkify.operators import StageToRedshiftOperator

from tests.support.warehouse_db import WAREHOUSE_TABLES
from tools.sample_data import write_sample_dataset
from tools.task_runner import run_hour, run_task

DAY_A, DAY_B = dt.date(2018, 11, 14), dt.date(2018, 11, 15)
HOUR_A = dt.datetime(2018, 11, 14, 13, tzinfo=dt.UTC)
HOUR_B = dt.datetime(2018, 11, 15, 13, tzinfo=dt.UTC)
KEY_A = "log_data/2018/11/2018-11-14-events.json"
KEY_B = "log_data/2018/11/2018-11-15-events.json"


@pytest.fixture
def source(tmp_path, dag, warehouse, monkeypatch) -> str:
    """Two days of sample data; retention 2 days; both days' 13:00 hour loaded."""
    monkeypatch.setenv("AIRFLOW_VAR_SPARKIFY_STAGING_RETENTION_DAYS", "2")
    root = write_sample_dataset(tmp_path, start=DAY_A, days=2, sessions_per_day=40).as_uri()
    run_hour(dag, HOUR_A, root)
    run_hour(dag, HOUR_B, root)
    return root


def staged_keys(warehouse) -> dict[str, int]:
    return dict(warehouse.query("SELECT source_key, COUNT(*) FROM staging_events GROUP BY 1"))


def writers(warehouse, key: str) -> set[str]:
    """The transactions that wrote the day file's rows: unchanged means untouched."""
    rows = warehouse.query("SELECT xmin::text FROM staging_events WHERE source_key = %s", [key])
    return {row[0] for row in rows}


def age(warehouse, key: str, days: float) -> None:
    warehouse.execute(
        f"UPDATE staged_source_uses SET last_used_at = last_used_at - interval '{days} days' "
        f"WHERE source LIKE '%{key}'"
    )


def test_a_day_file_unused_for_the_retention_is_pruned_and_staged_again_when_needed(
    dag, warehouse, source
):
    loaded = warehouse.snapshot(WAREHOUSE_TABLES)
    assert set(staged_keys(warehouse)) == {KEY_A, KEY_B}
    b_writers = writers(warehouse, KEY_B)

    age(warehouse, KEY_A, 3)
    run_task(dag, "stage_events", HOUR_B + dt.timedelta(hours=1), source)
    assert set(staged_keys(warehouse)) == {KEY_B}
    assert writers(warehouse, KEY_B) == b_writers  # the day in use was kept as it was
    bookkeeping = warehouse.query(
        "SELECT source FROM staged_sources UNION ALL SELECT source FROM staged_source_uses"
    )
    assert not [s for (s,) in bookkeeping if s.endswith(KEY_A)]
    assert warehouse.snapshot(WAREHOUSE_TABLES) == loaded  # pruning staging loses nothing

    run_hour(dag, HOUR_A, source)  # a re-run of the pruned day stages its file again
    assert set(staged_keys(warehouse)) == {KEY_A, KEY_B}
    assert warehouse.snapshot(WAREHOUSE_TABLES) == loaded


def test_a_day_file_used_within_the_retention_is_kept(dag, warehouse, source):
    a_writers = writers(warehouse, KEY_A)
    age(warehouse, KEY_A, 1.9)
    run_task(dag, "stage_events", HOUR_B + dt.timedelta(hours=1), source)
    assert writers(warehouse, KEY_A) == a_writers

    run_task(dag, "stage_events", HOUR_A + dt.timedelta(hours=1), source)  # A used again: kept
    age(warehouse, KEY_A, 1.9)
    run_task(dag, "stage_events", HOUR_B + dt.timedelta(hours=2), source)
    assert writers(warehouse, KEY_A) == a_writers


def test_a_day_file_staged_before_retention_starts_ageing_when_first_seen(
    dag, warehouse, tmp_path, monkeypatch
):
    monkeypatch.setenv("AIRFLOW_VAR_SPARKIFY_STAGING_RETENTION_DAYS", "1")
    root = write_sample_dataset(tmp_path, start=DAY_A, days=2, sessions_per_day=40).as_uri()
    run_task(dag, "create_tables", HOUR_A, root)
    without_retention = StageToRedshiftOperator(
        task_id="stage_events_without_retention",
        table="staging_events",
        source_url=root,
        s3_key=KEY_A,
        json_format="log_json_path.json",
        timeformat="epochmillisecs",
        source_column="source_key",
        skip_unchanged=True,
    )
    without_retention.execute({})
    assert warehouse.query("SELECT COUNT(*) FROM staged_source_uses") == [(0,)]

    run_task(dag, "stage_events", HOUR_B, root)  # sees A's record: A starts ageing now
    assert set(staged_keys(warehouse)) == {KEY_A, KEY_B}
    age(warehouse, KEY_A, 1.5)
    run_task(dag, "stage_events", HOUR_B, root)
    assert set(staged_keys(warehouse)) == {KEY_B}


@pytest.mark.parametrize("days", ["0", "-1", "1.5", "seven", ""])
def test_the_retention_is_a_whole_number_of_days_at_least_one(
    dag, warehouse, source, monkeypatch, days
):
    monkeypatch.setenv("AIRFLOW_VAR_SPARKIFY_STAGING_RETENTION_DAYS", days)
    before = warehouse.snapshot(["staging_events"])
    with pytest.raises(PipelineConfigError, match="retention_days must be a whole number"):
        run_task(dag, "stage_events", HOUR_B + dt.timedelta(hours=1), source)
    assert warehouse.snapshot(["staging_events"]) == before


def test_retention_needs_per_object_records():
    with pytest.raises(PipelineConfigError, match="needs source_column and skip_unchanged"):
        StageToRedshiftOperator(
            task_id="t", table="staging_songs", source_url="file:///x", s3_key="song_data/",
            prefix=True, skip_unchanged=True, retention_days=3,
        )  # fmt: skip
    with pytest.raises(PipelineConfigError, match="whole number"):
        StageToRedshiftOperator(
            task_id="t", table="staging_events", source_url="file:///x", s3_key="k",
            source_column="source_key", skip_unchanged=True, retention_days=0,
        )  # fmt: skip
