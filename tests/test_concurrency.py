"""Runs at once on the real PostgreSQL warehouse: no unique violation, no deadlock, no lost update.

Each case starts its runs together (a barrier), in threads that each run every task of an hour
with the DAG's operators, on a fresh warehouse, and ends with the warehouse equal to the hours
computed from the raw JSON. What guarantees it: every load takes its table's lock (SHARE ROW
EXCLUSIVE on PostgreSQL, LOCK on Redshift) as the first statement of its one transaction, so
writers of a table queue instead of interleaving, and under READ COMMITTED each statement after
the lock sees what the writer before committed (a stage finds the day file it would load
already recorded, and keeps it). Locks are taken one table per transaction, so no two
transactions wait for each other in a cycle: no deadlock is possible. Creating the tables takes
a transaction-scoped advisory lock on PostgreSQL, whose CREATE TABLE IF NOT EXISTS run at once
can otherwise collide in its catalogue (a unique violation on pg_type).
"""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

from tests.support.raw_counts import actual_warehouse, expected_warehouse
from tests.support.shared_values import HOUR
from tools.task_runner import run_hour, run_task


def together(*calls):
    """Run the calls in threads that start at the same moment; return their results."""
    barrier = threading.Barrier(len(calls))

    def started(call):
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(started, call) for call in calls]
        return [future.result(timeout=300) for future in futures]


def test_the_same_hour_twice_at_once_on_an_empty_warehouse(dag, warehouse, real_data):
    source = real_data.as_uri()
    together(*(lambda: run_hour(dag, HOUR, source) for _ in range(3)))
    assert actual_warehouse(warehouse) == expected_warehouse(real_data, [HOUR])


def test_adjacent_hours_of_one_day_file_at_once(dag, warehouse, real_data):
    """Four hours whose stages all want the same, not yet staged, day file."""
    source = real_data.as_uri()
    hours = [HOUR + dt.timedelta(hours=n) for n in range(4)]
    run_task(dag, "create_tables", HOUR, source)
    together(*(lambda hour=hour: run_hour(dag, hour, source) for hour in hours))
    assert actual_warehouse(warehouse) == expected_warehouse(real_data, hours)
    key = "log_data/2018/11/2018-11-15-events.json"
    staged = warehouse.query(
        "SELECT COUNT(*), COUNT(DISTINCT xmin::text) FROM staging_events WHERE source_key = %s",
        [key],
    )[0]
    lines = sum(1 for line in (real_data / key).open() if line.strip())
    assert staged == (lines, 1)  # staged once, by one transaction, and kept by the others


def test_the_catalogue_staged_by_two_runs_at_once(dag, warehouse, real_data):
    source = real_data.as_uri()
    run_task(dag, "create_tables", HOUR, source)
    counts = together(*(lambda: run_task(dag, "stage_songs", HOUR, source) for _ in range(2)))
    songs = len(list((real_data / "song_data").rglob("*.json")))
    assert counts == [songs, songs]
    assert warehouse.query("SELECT COUNT(*), COUNT(DISTINCT xmin::text) FROM staging_songs") == [
        (songs, 1)
    ]
    assert warehouse.query("SELECT COUNT(*) FROM staged_sources") == [(1,)]
