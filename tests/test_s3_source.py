"""The S3 source, through moto's S3 API server and the aws connection: same rows as from disk."""

from __future__ import annotations

import datetime as dt
import json

import boto3
import pytest
from moto.server import ThreadedMotoServer
from sparkify.errors import SourceDataError

from tests.raw_counts import actual_warehouse, expected_warehouse
from tests.task_runner import run_hour, run_task

BUCKET = "sparkify-test"
DAY_KEY = "log_data/2018/11/2018-11-15-events.json"


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_source(s3_endpoint, real_data, monkeypatch):
    """The real sample's song catalogue and one day of logs in a bucket; aws_default set."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_AWS_DEFAULT",
        json.dumps(
            {
                "conn_type": "aws",
                "login": "testing-key",
                "password": "testing-secret",
                "extra": {"endpoint_url": s3_endpoint, "region_name": "us-east-1"},
            }
        ),
    )
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="testing-key",
        aws_secret_access_key="testing-secret",
        region_name="us-east-1",
    )
    s3.create_bucket(Bucket=BUCKET)
    paths = [real_data / DAY_KEY, real_data / "log_json_path.json"]
    paths += sorted((real_data / "song_data").rglob("*.json"))
    for path in paths:
        s3.upload_file(str(path), BUCKET, str(path.relative_to(real_data)))
    yield f"s3://{BUCKET}"
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket=BUCKET, Key=item["Key"])
    s3.delete_bucket(Bucket=BUCKET)


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
