"""Bad input fails at once with the object and line named, and leaves the warehouse as it was."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import stat

import pytest
from airflow.sdk.exceptions import AirflowFailException
from sparkify.errors import SourceDataError

from tests.support.shared_values import HOUR
from tools.task_runner import run_hour, run_task

DAY_KEY = "log_data/2018/11/2018-11-15-events.json"
GOOD_HOUR = HOUR
NEXT_HOUR = GOOD_HOUR + dt.timedelta(hours=1)


@pytest.fixture
def source(tmp_path, real_data):
    """A writable copy of the real data, with one day of logs."""
    root = tmp_path / "source"
    shutil.copytree(real_data / "song_data", root / "song_data")
    shutil.copy(real_data / "log_json_path.json", root / "log_json_path.json")
    (root / DAY_KEY).parent.mkdir(parents=True)
    shutil.copy(real_data / DAY_KEY, root / DAY_KEY)
    for path in root.rglob("*"):
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    return root


@pytest.fixture
def loaded(dag, warehouse, source):
    """The warehouse after one good hour of that day: the state a failure must preserve."""
    run_hour(dag, GOOD_HOUR, source.as_uri())
    assert warehouse.count("songplays") > 0
    return warehouse.snapshot()


def rewrite_line(path, number, change):
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[number - 1] = change(lines[number - 1])
    path.write_text("\n".join(lines), encoding="utf-8")


def edit_event(number, edit):
    def change(line):
        event = json.loads(line)
        edit(event)
        return json.dumps(event)

    return lambda root: rewrite_line(root / DAY_KEY, number, change)


BAD_EVENTS = {
    "malformed JSON": (
        lambda root: rewrite_line(root / DAY_KEY, 5, lambda line: line[:40]),
        r"line 5: malformed JSON",
    ),
    "missing required field": (
        edit_event(7, lambda e: e.pop("ts")),
        r"line 7: missing required field \$\['ts'\] \(column ts is NOT NULL\)",
    ),
    "null required field": (
        edit_event(8, lambda e: e.update(sessionId=None)),
        r"line 8: missing required field \$\['sessionId'\]",
    ),
    "wrong type": (
        edit_event(9, lambda e: e.update(sessionId="abc")),
        r"line 9: field \$\['sessionId'\] \(column session_id\): expected an integer, got string",
    ),
    "timestamp as a string": (
        edit_event(10, lambda e: e.update(ts="2018-11-15")),
        r"line 10: field \$\['ts'\] \(column ts\): expected epoch milliseconds",
    ),
    "truncated file": (
        lambda root: (root / DAY_KEY).write_bytes((root / DAY_KEY).read_bytes()[:-30]),
        r"malformed JSON",
    ),
    "missing day file": (
        lambda root: (root / DAY_KEY).unlink(),
        r"source object file://.*2018-11-15-events\.json does not exist",
    ),
    "malformed JSONPaths file": (
        lambda root: (root / "log_json_path.json").write_text('{"jsonpaths": ['),
        r"log_json_path\.json: malformed JSON",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_EVENTS))
def test_bad_event_file_fails_naming_file_and_line(dag, warehouse, source, loaded, case):
    corrupt, message = BAD_EVENTS[case]
    corrupt(source)
    with pytest.raises(SourceDataError, match=message) as failure:
        run_task(dag, "stage_events", NEXT_HOUR, source.as_uri())
    assert isinstance(failure.value, AirflowFailException)  # no retries
    if "line" in message:
        assert str(source / DAY_KEY) in str(failure.value)
    assert warehouse.snapshot() == loaded


def test_missing_song_prefix_fails_and_changes_nothing(dag, warehouse, source, loaded):
    shutil.rmtree(source / "song_data")
    with pytest.raises(SourceDataError, match=r"no source objects under prefix .*song_data/"):
        run_task(dag, "stage_songs", NEXT_HOUR, source.as_uri())
    assert warehouse.snapshot() == loaded


def test_bad_song_object_names_its_file(dag, warehouse, source, loaded):
    song = sorted((source / "song_data").rglob("*.json"))[3]
    record = json.loads(song.read_text())
    record["duration"] = "long"
    song.write_text(json.dumps(record))
    with pytest.raises(SourceDataError, match=rf"{song.name}, line 1: field duration"):
        run_task(dag, "stage_songs", NEXT_HOUR, source.as_uri())
    assert warehouse.snapshot() == loaded


def test_source_root_that_is_not_a_url_is_refused(dag, warehouse, source, loaded):
    with pytest.raises(SourceDataError, match="is not a URL"):
        run_task(dag, "stage_events", NEXT_HOUR, str(source))
    assert warehouse.snapshot() == loaded


HOSTILE = [
    "O'Brien; DROP TABLE users; --",
    'quote " and backslash \\ and tab \t',
    "newline \n and carriage return \r",
    "{{ jinja }} {% raw %} %s %(name)s",
    "emoji 🎵 and RTL \u202e text",
    "\\N",
    "  padded  ",
]


def test_hostile_strings_load_verbatim(dag, warehouse, source):
    path = source / DAY_KEY
    events = [json.loads(line) for line in path.read_text().split("\n")]
    plays = [e for e in events if e["page"] == "NextSong" and e["ts"] >= 1542286800000][:7]
    for event, text in zip(plays, HOSTILE, strict=True):
        event.update(song=text, artist=text, location=text, firstName=text, userAgent=text)
    path.write_text("\n".join(json.dumps(e) for e in events))

    for hour in (GOOD_HOUR, NEXT_HOUR, NEXT_HOUR + dt.timedelta(hours=1)):
        run_hour(dag, hour, source.as_uri())
    stored = warehouse.query("SELECT song, artist, location, first_name FROM staging_events")
    for text in HOSTILE:
        assert (text, text, text, text) in stored
    locations = {row[0] for row in warehouse.query("SELECT location FROM songplays")}
    assert set(HOSTILE) <= locations
