"""Stage the real Sparkify files and compare every staged row with the raw JSON."""

from __future__ import annotations

import datetime as dt
import json

from tests.raw_counts import read_events, read_songs
from tests.task_runner import run_task

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
