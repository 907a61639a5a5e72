"""Quality history: every check's result per interval, kept in the warehouse for charting.

Against the real PostgreSQL warehouse with the DAG's own tasks: one row per check and hour,
replaced (not added to) when the hour is re-run, and written when the checks fail too.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import yaml
from airflow.sdk.exceptions import AirflowFailException

from tests.conftest import PROJECT
from tests.support.raw_counts import expected_warehouse
from tools.task_runner import run_hour, run_task

HOURS = [dt.datetime(2018, 11, 15, h, tzinfo=dt.UTC) for h in (13, 14)]
CHECKS = [c["name"] for c in yaml.safe_load((PROJECT / "include/quality_checks.yml").read_text())]


def history(warehouse) -> list[tuple]:
    return warehouse.query(
        "SELECT interval_start, check_name, value, comparison, expected, passed, on_failure "
        "FROM quality_results ORDER BY interval_start, check_name"
    )


def test_each_hour_keeps_one_result_per_check_and_a_rerun_replaces_them(dag, warehouse, real_data):
    source = real_data.as_uri()
    for hour in HOURS:
        run_hour(dag, hour, source)
    first = history(warehouse)
    assert [(row[0], row[1]) for row in first] == [
        (hour.replace(tzinfo=None), name) for hour in HOURS for name in sorted(CHECKS)
    ]
    assert all(row[5] for row in first)  # passed
    catalogue = [row for row in first if row[1] == "catalogue_not_empty"]
    raw = expected_warehouse(real_data, HOURS)  # LEAST(songs, artists), from the raw JSON
    assert {row[2] for row in catalogue} == {float(min(raw.songs, raw.artists))}
    assert {(row[3], row[4]) for row in catalogue} == {("greater_than", 0.0)}

    run_task(dag, "run_quality_checks", HOURS[0], source)  # a re-run replaces its hour's rows
    assert [row[:7] for row in history(warehouse)] == [row[:7] for row in first]


def test_results_are_recorded_when_the_checks_fail(dag, warehouse, tmp_path, monkeypatch):
    from tools.sample_data import write_sample_dataset

    root = write_sample_dataset(tmp_path, start=dt.date(2018, 11, 15), days=1, sessions_per_day=30)
    day = root / "log_data/2018/11/2018-11-15-events.json"
    events = [json.loads(line) for line in day.read_text().splitlines()]
    misfiled = {**events[0], "ts": events[0]["ts"] - 2 * 86_400_000, "itemInSession": 999}
    day.write_text("\n".join(json.dumps(e) for e in [*events, misfiled]) + "\n")
    monkeypatch.setenv("AIRFLOW_VAR_SPARKIFY_MISFILED_EVENTS", "fail")
    with pytest.raises(AirflowFailException, match="events_in_their_day_file"):
        run_hour(dag, HOURS[0], root.as_uri())
    recorded = {row[1]: row for row in history(warehouse)}
    assert set(recorded) == set(CHECKS)
    assert recorded["events_in_their_day_file"][2:] == (1.0, "equal_to", 0.0, False, "fail")
    assert all(row[5] for name, row in recorded.items() if name != "events_in_their_day_file")
