"""The sample feed the local stacks read: November 2018, and today's file as the day goes.

Against a folder and against a real S3 API server (moto): the whole month is there, seeding
again writes nothing, a live day file only grows and holds every event up to the lead ahead
of the clock, and a store that lost its objects is whole again after one round.
"""

from __future__ import annotations

import datetime as dt
import json

import boto3
import pytest

from tools.sample_data import SampleApp
from tools.sample_feed import LEAD, BucketStore, FolderStore, SampleFeed, live_days

NOW = dt.datetime(2026, 11, 27, 14, 59, 10, tzinfo=dt.UTC)


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def day_events(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.decode().splitlines()]


@pytest.fixture
def folder_feed(tmp_path):
    clock = Clock(NOW)
    return SampleFeed(FolderStore(tmp_path), clock=clock, log=lambda _: None), clock, tmp_path


def test_the_folder_holds_all_of_november_2018_and_the_live_days(folder_feed):
    feed, _, root = folder_feed
    assert feed.step() > 0
    days = sorted(p.name for p in (root / "log_data/2018/11").iterdir())
    assert days == [f"2018-11-{d:02d}-events.json" for d in range(1, 31)]
    assert sorted(p.name for p in (root / "log_data/2026/11").iterdir()) == [
        "2026-11-26-events.json",
        "2026-11-27-events.json",
    ]
    assert len(list((root / "song_data").rglob("*.json"))) == 60
    assert (root / "log_json_path.json").is_file()


def test_a_second_round_at_the_same_time_writes_nothing(folder_feed):
    feed, _, root = folder_feed
    feed.step()
    mtimes = {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}
    assert feed.step() == 0
    assert {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()} == mtimes


def test_the_live_day_grows_and_holds_every_event_up_to_the_lead(folder_feed):
    feed, clock, root = folder_feed
    live = root / "log_data/2026/11/2026-11-27-events.json"
    feed.step()
    before = live.read_bytes()
    cutoff = int((NOW + LEAD).timestamp() * 1000)
    events = day_events(before)
    every = SampleApp.create().day_events(NOW.date())
    assert events == [e for e in every if e["ts"] < cutoff]
    assert events and max(e["ts"] for e in events) < cutoff

    clock.now = NOW + dt.timedelta(hours=2)
    assert feed.step() == 1  # only today's file changed
    after = live.read_bytes()
    assert after.startswith(before) and len(after) > len(before)
    # Yesterday's file is complete: every event of that day.
    yesterday = day_events((root / "log_data/2026/11/2026-11-26-events.json").read_bytes())
    assert yesterday == SampleApp.create().day_events(dt.date(2026, 11, 26))


def test_just_before_midnight_the_next_day_is_started_and_today_is_complete(folder_feed):
    feed, clock, root = folder_feed
    clock.now = dt.datetime(2026, 11, 27, 23, 59, 30, tzinfo=dt.UTC)
    assert live_days(clock.now)[-1] == dt.date(2026, 11, 28)
    feed.step()
    today = day_events((root / "log_data/2026/11/2026-11-27-events.json").read_bytes())
    assert today == SampleApp.create().day_events(dt.date(2026, 11, 27))
    assert (root / "log_data/2026/11/2026-11-28-events.json").exists()


def test_a_lost_file_is_written_again_and_a_reader_never_sees_a_partial_one(folder_feed):
    feed, _, root = folder_feed
    feed.step()
    lost = root / "log_data/2018/11/2018-11-15-events.json"
    original = lost.read_bytes()
    lost.unlink()
    (root / "log_json_path.json").unlink()
    assert feed.step() == 2
    assert lost.read_bytes() == original
    assert not list(root.rglob(".*.partial"))


@pytest.fixture
def bucket(s3_endpoint, monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_AWS_DEFAULT",
        json.dumps(
            {
                "conn_type": "aws",
                "login": "testing",
                "password": "testing",
                "extra": {"endpoint_url": s3_endpoint, "region_name": "us-east-1"},
            }
        ),
    )
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    name = "feed-test"
    yield name, client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=name, Key=item["Key"])
    client.delete_bucket(Bucket=name)


def listing(client, bucket: str) -> dict[str, tuple[int, str]]:
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            found[item["Key"]] = (item["Size"], item["ETag"])
    return found


def test_a_bucket_is_created_seeded_once_and_healed_after_the_server_lost_it(bucket, tmp_path):
    name, client = bucket
    feed = SampleFeed(BucketStore(name), clock=Clock(NOW), log=lambda _: None)
    assert feed.step() == 93  # 60 songs, 30 + 2 day files, the JSONPaths file
    first = listing(client, name)
    assert feed.step() == 0
    assert listing(client, name) == first

    # The same bytes as the folder feed writes.
    SampleFeed(FolderStore(tmp_path), clock=Clock(NOW), log=lambda _: None).step()
    key = "log_data/2018/11/2018-11-15-events.json"
    body = client.get_object(Bucket=name, Key=key)["Body"].read()
    assert body == (tmp_path / key).read_bytes()

    # An S3 server restarted empty (moto keeps nothing on disk): one round restores it all.
    for item in first:
        client.delete_object(Bucket=name, Key=item)
    client.delete_bucket(Bucket=name)
    assert feed.step() == 93
    assert listing(client, name) == first
