"""Stage the real Sparkify files and compare every staged row with the raw JSON."""

from __future__ import annotations

import datetime as dt
import json

from tests.support.raw_counts import read_events, read_songs
from tools.task_runner import run_task

EVENT_COLUMNS = {
    "artist": "artist",
    "auth": "auth",
    "first_name": "firstName",
    "gender": "gender",
    "item_in_session": "itemInSession",
    "last_name": "lastName",
    "length": "length",
    "level": "level",
    "location": "location",
    "method": "method",
    "page": "page",
    "registration": "registration",
    "session_id": "sessionId",
    "song": "song",
    "status": "status",
    "user_agent": "userAgent",
    "user_id": "userId",
}


def test_every_log_file_stages_exactly_with_jsonpaths(dag, warehouse, real_data):
    source = real_data.as_uri()
    day = dt.datetime(2018, 11, 1, tzinfo=dt.UTC)
    run_task(dag, "create_tables", day, source)
    for offset in range(30):
        run_task(dag, "stage_events", day + dt.timedelta(days=offset), source)

    columns = list(EVENT_COLUMNS)
    staged = warehouse.query(f"SELECT {', '.join(columns)}, ts FROM staging_events")
    expected = [
        tuple(event[EVENT_COLUMNS[c]] for c in columns)
        + (dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=event["ts"]),)
        for event in read_events(real_data)
    ]
    assert len(staged) == len(expected) == 8056
    assert sorted(staged, key=repr) == sorted(expected, key=repr)
    keys = warehouse.query("SELECT COUNT(DISTINCT source_key) FROM staging_events")[0][0]
    assert keys == 30


def test_song_catalogue_stages_exactly_with_auto(dag, warehouse, real_data):
    source = real_data.as_uri()
    hour = dt.datetime(2018, 11, 1, tzinfo=dt.UTC)
    run_task(dag, "create_tables", hour, source)
    assert run_task(dag, "stage_songs", hour, source) == 71
    columns = [c for c in json.loads(read_json_keys(real_data))]
    staged = warehouse.query(f"SELECT {', '.join(columns)} FROM staging_songs")

    def as_staged(song):  # the DAG stages songs with EMPTYASNULL and BLANKSASNULL
        return tuple(
            None if isinstance(v, str) and not v.strip() else v for v in (song[c] for c in columns)
        )

    assert sorted(staged, key=repr) == sorted(map(as_staged, read_songs(real_data)), key=repr)


def read_json_keys(root) -> str:
    first = next((root / "song_data").rglob("*.json"))
    return json.dumps(list(json.loads(first.read_text())))


def test_real_log_file_with_auto_and_auto_ignorecase(warehouse, real_data):
    """'auto' matches keys case-sensitively, so camelCase keys miss lowercase columns."""
    from sparkify.operators import StageToRedshiftOperator

    warehouse.execute(
        "CREATE TABLE raw_events (artist VARCHAR(512), firstname VARCHAR(64), "
        "iteminsession INTEGER, page VARCHAR(32), ts BIGINT, userid VARCHAR(16))"
    )
    key = "log_data/2018/11/2018-11-15-events.json"
    events = [json.loads(line) for line in (real_data / key).read_text().splitlines()]

    def stage(json_format):
        warehouse.execute("DELETE FROM raw_events")
        StageToRedshiftOperator(
            task_id="s",
            table="raw_events",
            source_url=real_data.as_uri(),
            s3_key=key,
            json_format=json_format,
        ).execute({})
        return warehouse.query("SELECT * FROM raw_events")

    ignoring_case = stage("auto ignorecase")
    assert sorted(ignoring_case, key=repr) == sorted(
        (
            (e["artist"], e["firstName"], e["itemInSession"], e["page"], e["ts"], e["userId"])
            for e in events
        ),
        key=repr,
    )
    exact_case = stage("auto")
    assert sorted(exact_case, key=repr) == sorted(
        ((e["artist"], None, None, e["page"], e["ts"], None) for e in events), key=repr
    )
