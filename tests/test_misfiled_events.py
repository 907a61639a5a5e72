"""Events filed in the wrong day's file: no run loads them, and the quality checks say so.

An hour's run reads its events from the file named for its day, so an event of another day in
that file is loaded by no run. The check ``events_in_their_day_file`` counts them (the count is
compared with one computed from the raw JSON) and logs the first few; it warns by default and
fails the run when Variable ``sparkify_misfiled_events`` says ``fail``.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from airflow.sdk.exceptions import AirflowFailException
from sparkify.errors import PipelineConfigError

from tests.support.shared_values import HOUR
from tools.sample_data import write_sample_dataset
from tools.task_runner import run_hour, run_task

DAY = dt.date(2018, 11, 15)
DAY_KEY = "log_data/2018/11/2018-11-15-events.json"
MIDNIGHT_MS = int(dt.datetime(2018, 11, 15, tzinfo=dt.UTC).timestamp() * 1000)
DAY_MS = 24 * 3600 * 1000


@pytest.fixture
def source(tmp_path) -> str:
    """A day file with two events of the day before and one of the day after appended."""
    write_sample_dataset(tmp_path, start=DAY, days=1, sessions_per_day=30)
    path = tmp_path / DAY_KEY
    events = [json.loads(line) for line in path.read_text().splitlines()]
    plays = [e for e in events if e["page"] == "NextSong"]
    misfiled = [
        {**plays[0], "ts": MIDNIGHT_MS - 1, "itemInSession": 901},  # 23:59:59.999 the day before
        {**plays[1], "ts": MIDNIGHT_MS - DAY_MS, "itemInSession": 902},
        {**plays[2], "ts": MIDNIGHT_MS + DAY_MS, "itemInSession": 903},  # next midnight: not ours
    ]
    path.write_text("\n".join(json.dumps(e) for e in events + misfiled) + "\n")
    return tmp_path.as_uri()


def outside_the_day(root_uri: str) -> list[dict]:
    """From the raw JSON: the file's events whose ts is not in its day."""
    path = root_uri.removeprefix("file://") + "/" + DAY_KEY
    with open(path) as lines:
        events = [json.loads(line) for line in lines if line.strip()]
    return [e for e in events if not MIDNIGHT_MS <= e["ts"] < MIDNIGHT_MS + DAY_MS]


def task_log(capfd) -> list[str]:
    """What the tasks logged (Airflow's task loggers write to the process's stdout)."""
    written = capfd.readouterr()
    return (written.out + written.err).splitlines()


def test_misfiled_events_warn_with_their_count_and_keys(dag, warehouse, source, capfd):
    expected = outside_the_day(source)
    assert len(expected) == 3
    run_hour(dag, HOUR, source)  # the checks pass: the misfiled events only warn
    (warning,) = [line for line in task_log(capfd) if "WARN events_in_their_day_file" in line]
    assert "[warning" in warning
    assert f"WARN events_in_their_day_file: got {len(expected)}, expected == 0" in warning
    for event in expected:
        assert f"'{event['userId']}', {event['sessionId']}, {event['itemInSession']}" in warning
    # Loaded by no run: not by this day's hours, whatever their number.
    for hour in (0, 23):
        run_hour(dag, HOUR.replace(hour=hour), source, stage_songs=False)
    loaded = warehouse.query(
        "SELECT COUNT(*) FROM songplays WHERE start_time < %s OR start_time >= %s",
        [dt.datetime(2018, 11, 15), dt.datetime(2018, 11, 16)],
    )
    assert loaded == [(0,)]


def test_misfiled_events_fail_the_run_when_the_variable_says_so(
    dag, warehouse, source, monkeypatch
):
    run_hour(dag, HOUR, source)
    monkeypatch.setenv("AIRFLOW_VAR_SPARKIFY_MISFILED_EVENTS", "fail")
    with pytest.raises(AirflowFailException, match=r"1 of \d+ quality check\(s\) failed:\n- "
                       r"events_in_their_day_file: got 3, expected == 0; for example"):  # fmt: skip
        run_task(dag, "run_quality_checks", HOUR, source)


def test_an_unknown_setting_fails_before_any_check_runs(dag, warehouse, source, monkeypatch):
    run_hour(dag, HOUR, source)
    monkeypatch.setenv("AIRFLOW_VAR_SPARKIFY_MISFILED_EVENTS", "maybe")
    with pytest.raises(PipelineConfigError, match="on_failure must be 'fail' or 'warn'"):
        run_task(dag, "run_quality_checks", HOUR, source)


def test_a_file_of_its_own_day_passes(dag, warehouse, tmp_path, capfd):
    source = write_sample_dataset(tmp_path, start=DAY, days=1, sessions_per_day=30).as_uri()
    assert outside_the_day(source) == []
    run_hour(dag, HOUR, source)
    assert any("PASS events_in_their_day_file: got 0" in line for line in task_log(capfd))
