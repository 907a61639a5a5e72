"""The S3 source, through moto's S3 API server and the aws connection: same rows as from disk."""

from __future__ import annotations

import datetime as dt

import pytest
from sparkify.errors import SourceDataError

from tests.support.raw_counts import actual_warehouse, expected_warehouse
from tests.support.s3_server import aws_connection, empty_bucket, upload_to_bucket
from tools.task_runner import run_hour, run_task

BUCKET = "sparkify-test"
DAY_KEY = "log_data/2018/11/2018-11-15-events.json"


@pytest.fixture
def s3_source(s3_endpoint, real_data, monkeypatch):
    """The real sample's song catalogue and one day of logs in a bucket; aws_default set."""
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", aws_connection(s3_endpoint))
    keys = [DAY_KEY, "log_json_path.json"]
    keys += [str(p.relative_to(real_data)) for p in (real_data / "song_data").rglob("*.json")]
    s3 = upload_to_bucket(s3_endpoint, BUCKET, real_data, keys)
    yield f"s3://{BUCKET}"
    empty_bucket(s3, BUCKET)


def test_hours_staged_from_s3_match_the_raw_json(dag, warehouse, real_data, s3_source):
    hours = [dt.datetime(2018, 11, 15, h, tzinfo=dt.UTC) for h in (12, 13, 14)]
    for hour in hours:
        run_hour(dag, hour, s3_source)
    assert actual_warehouse(warehouse) == expected_warehouse(real_data, hours)
    from_s3 = warehouse.snapshot(["staging_events", "staging_songs"])

    # The same objects read from disk stage to exactly the same rows.
    run_task(dag, "stage_events", hours[0], real_data.as_uri())
    run_task(dag, "stage_songs", hours[0], real_data.as_uri())
    assert warehouse.snapshot(["staging_events", "staging_songs"]) == from_s3


def test_a_missing_day_object_on_s3_is_named(dag, warehouse, s3_source):
    run_task(dag, "create_tables", dt.datetime(2018, 11, 16, tzinfo=dt.UTC), s3_source)
    with pytest.raises(
        SourceDataError, match=r"s3://sparkify-test/log_data/2018/11/2018-11-16-events\.json"
    ):
        run_task(dag, "stage_events", dt.datetime(2018, 11, 16, 5, tzinfo=dt.UTC), s3_source)
