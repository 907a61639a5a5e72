"""``make demo``'s program, as a fresh laptop runs it: embedded PostgreSQL, generated data."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest

from tests.conftest import PROJECT
from tests.support.raw_counts import expected_warehouse
from tools.sample_data import write_sample_dataset

pytestmark = pytest.mark.slow  # the demo end to end: not in make check


def test_sample_data_is_deterministic(tmp_path):
    first = write_sample_dataset(tmp_path / "a")
    second = write_sample_dataset(tmp_path / "b")
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert all((first / f).read_bytes() == (second / f).read_bytes() for f in files)
    assert any(f.parts[0] == "song_data" for f in files)
    assert (first / "log_data/2018/11/2018-11-02-events.json").is_file()


def test_demo_runs_end_to_end_on_an_embedded_warehouse(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "SPARKIFY"))}
    env["SPARKIFY_DEMO_DIR"] = str(tmp_path / "demo")
    result = subprocess.run(
        [sys.executable, "-m", "tools.demo"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "Warehouse: database sparkify_demo on a local PostgreSQL" in out
    assert out.count(": success in ") == 7
    # The demo's own result is the last thing it prints: no shutdown logs, no warnings.
    assert out.rstrip().endswith("row counts unchanged"), out[-2000:]
    assert result.stderr == "", result.stderr[-2000:]

    hours = [dt.datetime(2018, 11, 2, h, tzinfo=dt.UTC) for h in range(14, 20)]
    expected = expected_warehouse(tmp_path / "demo" / "data", hours)
    counts = dict(
        line.split() for line in out.split("Row counts")[1].split("\n\n")[0].splitlines()[3:]
    )
    assert int(counts["songplays"]) == expected.songplays > 0
    assert int(counts["users"]) == expected.users
    assert int(counts["songs"]) == expected.songs
    assert int(counts["artists"]) == expected.artists
    assert int(counts["time"]) == expected.time
    for title in ("Most played songs", "Busiest hours", "Paid versus free plays"):
        assert title in out


def test_the_embedded_server_leaves_nothing_on_the_output_when_it_stops(tmp_path):
    """pgserver logged its shutdown from an exit hook, after the program's last line (and into
    pytest's closed stream, as a "--- Logging error ---" traceback after a green run)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "SPARKIFY"))}
    program = (
        "import logging, pathlib\n"
        "logging.basicConfig(level=logging.INFO)  # as Airflow and pytest set it up\n"
        "from tools.local_warehouse import postgres_server\n"
        f"with postgres_server(pathlib.Path({str(tmp_path / 'pg')!r})) as url:\n"
        "    print('the last line')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (result.stdout, result.stderr) == ("the last line\n", "")
