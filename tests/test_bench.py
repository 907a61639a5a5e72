"""A smoke run of ``make bench``: small sizes, every measurement present and plausible."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import PROJECT
from tools.local_warehouse import drop_database

pytestmark = pytest.mark.slow  # the benchmark, Airflow stacks included: not in make check

REQUIRED_KEYS = {
    "events",
    "staging_events_rows_per_s",
    "raw_copy_rows_per_s",
    "insert_rows_rows_per_s",
    "staging_peak_rss_mb",
    "songs_objects",
    "songs_staging_s",
    "songs_serial_s",
    "sql_steps",
    "airflow",
    "machine",
}


def test_bench_runs_and_writes_its_results(tmp_path, pg_admin_url):
    out = tmp_path / "latest.json"
    result = subprocess.run(
        [sys.executable, "-m", "tools.bench", "--events", "5000", "--songs", "20",
         "--backfill-runs", "2", "--workdir", str(tmp_path / "work"), "--out", str(out)],
        cwd=PROJECT,
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", "SPARKIFY_PG_URL": pg_admin_url},
        capture_output=True,
        text=True,
        timeout=900,
    )  # fmt: skip
    drop_database(pg_admin_url, "sparkify_bench")
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads(out.read_text())
    assert set(results) >= REQUIRED_KEYS
    assert 4000 < results["events"] < 6000
    for key in ("staging_events_rows_per_s", "raw_copy_rows_per_s", "insert_rows_rows_per_s"):
        assert results[key] > 0, key
    assert 10 < results["staging_peak_rss_mb"] < 2000
    assert results["machine"]["cpus"] >= 1
    assert "raw COPY limit" in result.stdout
    steps = results["sql_steps"]
    assert list(steps) == [
        "load_songplays_fact", "load_user_dim", "load_song_dim", "load_artist_dim",
        "load_time_dim", "run_quality_checks",
    ]  # fmt: skip
    assert all(step["seconds"] > 0 for step in steps.values())
    assert any("staging_events" in line for line in steps["load_songplays_fact"]["plan"])
    airflow = results["airflow"]
    for dag in ("noop", "pipeline"):
        assert airflow[f"{dag}_backfill"]["runs"] == 2
        assert set(airflow[f"{dag}_dags_test"]["tasks"]) >= {"begin", "stage_events", "end"}
    assert airflow["dags_test_vs_floor"] > 0 and airflow["backfill_vs_floor"] > 0
    # The generated day's backfill stages its day file once; every other run keeps it.
    assert airflow["day_backfill"]["runs"] == 2
    assert airflow["day_backfill"]["stage_events"] == {"staged": 1, "kept": 1}
    assert airflow["day_backfill_vs_floor"] > 0
