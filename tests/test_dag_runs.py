"""Whole DAG runs through the real Airflow CLI (``airflow dags test``), on the real data."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
import time

import pytest

from tests.support.dags_test import dags_test
from tests.support.raw_counts import actual_warehouse, expected_warehouse
from tests.support.smtp_server import html_text, smtp_connection, smtp_server
from tools.airflow_env import airflow_environment, migrate_metadata_db

pytestmark = pytest.mark.slow  # airflow dags test of whole runs: not in make check


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("airflow-cli")
    migrate_metadata_db(airflow_environment(home, "{}", "file:///unused"))
    return home


def cli_env(airflow_home, source_url):
    return airflow_environment(airflow_home, os.environ["AIRFLOW_CONN_REDSHIFT"], source_url)


def test_hourly_runs_load_exactly_their_hours(airflow_home, warehouse, real_data):
    env = cli_env(airflow_home, real_data.as_uri())
    # A run triggered by hand at logical date X loads [X - 1h, X).
    logical_dates = ["2018-11-15T14:00:00+00:00", "2018-11-15T16:00:00+00:00"]
    for logical_date in logical_dates + logical_dates[:1]:
        result = dags_test(env, logical_date)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    hours = [dt.datetime(2018, 11, 15, h, tzinfo=dt.UTC) for h in (13, 15)]
    assert actual_warehouse(warehouse) == expected_warehouse(real_data, hours)
    assert (
        warehouse.query("SELECT MIN(start_time), MAX(start_time) FROM songplays")[0]
        == (
            warehouse.query(
                "SELECT MIN(ts), MAX(ts) FROM staging_events WHERE page = 'NextSong' AND "
                "(ts >= '2018-11-15 13:00' AND ts < '2018-11-15 14:00' OR "
                "ts >= '2018-11-15 15:00' AND ts < '2018-11-15 16:00')"
            )[0]
        )
    )


def test_a_bad_file_fails_the_run_at_once_and_changes_nothing(
    airflow_home, warehouse, real_data, tmp_path
):
    source = tmp_path / "source"
    shutil.copytree(real_data, source)
    for path in source.rglob("*"):
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    env = cli_env(airflow_home, source.as_uri())
    assert dags_test(env, "2018-11-15T14:00:00+00:00").returncode == 0
    before = warehouse.snapshot()

    day_file = source / "log_data/2018/11/2018-11-15-events.json"
    lines = day_file.read_text().split("\n")
    lines[2] = lines[2][:25]
    day_file.write_text("\n".join(lines))
    started = time.monotonic()
    with smtp_server() as (inbox, port):
        env["AIRFLOW_CONN_SMTP_DEFAULT"] = smtp_connection(port)
        env["SPARKIFY_ALERT_EMAIL"] = "ops@example.com"
        result = dags_test(env, "2018-11-15T15:00:00+00:00", timeout=240)
    took = time.monotonic() - started

    assert result.returncode != 0
    error = f"{day_file.as_uri()}, line 3: malformed JSON"
    assert error in result.stdout + result.stderr
    # retries=3 with a 5-minute delay would take 15 minutes: a bad file must not retry.
    assert took < 120
    assert warehouse.snapshot() == before
    # One message for the failed run: the task that failed (its downstream tasks never ran).
    (message,) = inbox.messages
    assert message["Subject"] == "[sparkify] sparkify_etl.stage_events failed: 2018-11-15T14:00Z"
    assert error in html_text(message)
