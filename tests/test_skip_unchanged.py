"""Stages keep what has not changed since they loaded it, and restage it on any change.

stage_songs keeps a catalogue whose listing has not changed; stage_events keeps a day file that
an earlier hour of its day staged, and restages it when it grows.

Whether a stage rewrote the table is read from PostgreSQL itself: a row's ``xmin`` is the
transaction that wrote it, so unchanged xmins mean no DELETE and no COPY happened.
"""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest
from sparkify.errors import PipelineConfigError, SourceDataError
from sparkify.operators import StageToRedshiftOperator

from tests.support.s3_server import aws_connection, empty_bucket, s3_client
from tests.support.shared_values import HOUR
from tools.task_runner import run_task

BUCKET = "sparkify-skip-test"


def song(song_id: str, title: str = "A Title") -> str:
    return json.dumps(
        {"num_songs": 1, "artist_id": "AR1", "artist_latitude": None, "artist_longitude": None,
         "artist_location": "", "artist_name": "Artist", "song_id": song_id, "title": title,
         "duration": 200.5, "year": 2001}
    )  # fmt: skip


def write_song(root, name: str, text: str) -> None:
    path = root / "song_data" / "A" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def catalogue(tmp_path, dag, warehouse):
    for n in range(3):
        write_song(tmp_path, f"TR{n}", song(f"SO{n}"))
    run_task(dag, "create_tables", HOUR, tmp_path.as_uri())
    return tmp_path


def stage_songs(dag, root) -> int:
    return run_task(dag, "stage_songs", HOUR, root if isinstance(root, str) else root.as_uri())


def written(warehouse) -> dict[str, tuple[str, str]]:
    """song_id -> (title, the transaction that wrote the row)."""
    rows = warehouse.query("SELECT song_id, title, xmin::text FROM staging_songs")
    return {song_id: (title, xmin) for song_id, title, xmin in rows}


def test_an_unchanged_catalogue_is_kept_as_it_is(dag, warehouse, catalogue):
    assert stage_songs(dag, catalogue) == 3
    first = written(warehouse)
    assert stage_songs(dag, catalogue) == 3
    assert written(warehouse) == first


def test_a_changed_added_or_removed_object_restages_the_catalogue(dag, warehouse, catalogue):
    stage_songs(dag, catalogue)
    first = written(warehouse)

    write_song(catalogue, "TR1", song("SO1", title="A New Title"))
    stage_songs(dag, catalogue)
    changed = written(warehouse)
    assert changed["SO1"][0] == "A New Title"
    assert changed["SO0"][1] != first["SO0"][1]  # the whole table was restaged

    write_song(catalogue, "TR9", song("SO9"))
    assert stage_songs(dag, catalogue) == 4
    (catalogue / "song_data" / "A" / "TR0.json").unlink()
    assert stage_songs(dag, catalogue) == 3
    assert sorted(written(warehouse)) == ["SO1", "SO2", "SO9"]


def test_a_rewritten_object_of_the_same_size_restages(dag, warehouse, catalogue):
    stage_songs(dag, catalogue)
    write_song(catalogue, "TR2", song("SO2", title="B Title"))  # same length as "A Title"
    path = catalogue / "song_data" / "A" / "TR2.json"
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    stage_songs(dag, catalogue)
    assert written(warehouse)["SO2"][0] == "B Title"


def test_a_table_emptied_by_hand_is_restaged(dag, warehouse, catalogue):
    stage_songs(dag, catalogue)
    warehouse.execute("DELETE FROM staging_songs WHERE song_id = 'SO0'")
    assert stage_songs(dag, catalogue) == 3
    assert sorted(written(warehouse)) == ["SO0", "SO1", "SO2"]


def test_other_copy_options_restage(dag, warehouse, catalogue):
    stage_songs(dag, catalogue)
    assert warehouse.query("SELECT artist_location FROM staging_songs") == [(None,)] * 3
    StageToRedshiftOperator(
        task_id="stage_songs_keeping_empty_strings",
        table="staging_songs",
        source_url=catalogue.as_uri(),
        s3_key="song_data/",
        prefix=True,
        skip_unchanged=True,
    ).execute({})
    assert warehouse.query("SELECT artist_location FROM staging_songs") == [("",)] * 3


def test_a_failed_restage_changes_nothing_and_the_next_run_retries(dag, warehouse, catalogue):
    stage_songs(dag, catalogue)
    before = warehouse.snapshot(["staging_songs", "staged_sources"])
    write_song(catalogue, "TR5", '{"song_id": "SO5", "title": ')
    with pytest.raises(SourceDataError, match=r"TR5\.json, line 1"):
        stage_songs(dag, catalogue)
    assert warehouse.snapshot(["staging_songs", "staged_sources"]) == before
    write_song(catalogue, "TR5", song("SO5"))
    assert stage_songs(dag, catalogue) == 4


def test_an_unchanged_bucket_is_kept_by_etag(dag, warehouse, s3_endpoint, monkeypatch, tmp_path):
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", aws_connection(s3_endpoint))
    s3 = s3_client(s3_endpoint)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    try:
        for n in range(3):
            s3.put_object(Bucket=BUCKET, Key=f"song_data/A/TR{n}.json", Body=song(f"SO{n}"))
        source = f"s3://{BUCKET}"
        run_task(dag, "create_tables", HOUR, source)
        stage_songs(dag, source)
        first = written(warehouse)
        stage_songs(dag, source)
        assert written(warehouse) == first
        s3.put_object(Bucket=BUCKET, Key="song_data/A/TR1.json", Body=song("SO1", "B Title"))
        stage_songs(dag, source)
        assert written(warehouse)["SO1"][0] == "B Title"
    finally:
        empty_bucket(s3, BUCKET)


def day_file(root, events: list[dict]) -> None:
    from tools.sample_data import JSONPATHS, JSONPATHS_KEY

    path = root / "log_data/2018/11/2018-11-15-events.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(json.dumps(e) for e in events), encoding="utf-8")
    (root / JSONPATHS_KEY).write_bytes(JSONPATHS)


def staged_events(warehouse) -> dict[tuple, str]:
    """(user, session, item) -> the transaction that wrote the row."""
    rows = warehouse.query(
        "SELECT user_id, session_id, item_in_session, xmin::text FROM staging_events"
    )
    return {tuple(row[:3]): row[3] for row in rows}


def test_a_day_file_is_staged_once_per_content(dag, warehouse, tmp_path):
    """The 24 hourly runs of a day stage its file once; a file that grows is restaged."""
    from tools.sample_data import SampleApp

    events = SampleApp.create().day_events(HOUR.date())
    day_file(tmp_path, events[:-5])
    run_task(dag, "create_tables", HOUR, tmp_path.as_uri())
    assert run_task(dag, "stage_events", HOUR, tmp_path.as_uri()) == len(events) - 5
    first = staged_events(warehouse)
    for later in (1, 5, 10):
        hour = HOUR + dt.timedelta(hours=later)
        assert run_task(dag, "stage_events", hour, tmp_path.as_uri()) == len(events) - 5
    assert staged_events(warehouse) == first

    day_file(tmp_path, events)  # the day's last five events arrive
    assert run_task(dag, "stage_events", HOUR, tmp_path.as_uri()) == len(events)
    grown = staged_events(warehouse)
    assert len(grown) == len(events) and set(grown.values()).isdisjoint(first.values())


def test_with_a_source_column_each_object_is_kept_or_restaged_alone(dag, warehouse, tmp_path):
    for name in ("a", "b"):
        write_song(tmp_path, name, song(f"SO_{name}"))
    run_task(dag, "create_tables", HOUR, tmp_path.as_uri())
    warehouse.execute("ALTER TABLE staging_songs ADD COLUMN source_key VARCHAR(512)")

    def stage() -> int:
        return StageToRedshiftOperator(
            task_id="stage_songs_by_object",
            table="staging_songs",
            source_url=tmp_path.as_uri(),
            s3_key=["song_data/A/a.json", "song_data/A/b.json"],
            source_column="source_key",
            skip_unchanged=True,
        ).execute({})

    assert stage() == 2
    first = dict(warehouse.query("SELECT song_id, xmin::text FROM staging_songs"))
    assert stage() == 2
    assert dict(warehouse.query("SELECT song_id, xmin::text FROM staging_songs")) == first
    write_song(tmp_path, "b", song("SO_b", title="B Title"))
    assert stage() == 2
    after = dict(warehouse.query("SELECT song_id, xmin::text FROM staging_songs"))
    assert after["SO_a"] == first["SO_a"] and after["SO_b"] != first["SO_b"]


def test_a_bad_copy_option_fails_when_the_operator_is_made():
    """So a DAG with one fails its import (the integrity test), not its first run."""
    with pytest.raises(PipelineConfigError, match="timeformat"):
        StageToRedshiftOperator(
            task_id="bad",
            table="staging_events",
            source_url="file:///x",
            s3_key="log_data/",
            timeformat="auto",
        )
