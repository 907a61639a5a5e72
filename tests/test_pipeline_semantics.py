"""The interval semantics on the real data: exact counts, any order, re-runs, parallel runs."""

from __future__ import annotations

import datetime as dt
import random
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.raw_counts import Expected, actual_warehouse, expected_warehouse, read_events
from tests.support.warehouse_db import WAREHOUSE_TABLES
from tools.task_runner import hours_of, run_hour, run_task

NOVEMBER = [dt.date(2018, 11, 1) + dt.timedelta(days=n) for n in range(30)]


@pytest.mark.slow
def test_all_720_hours_in_random_order_on_two_workers(dag, warehouse, real_data):
    """The acceptance numbers: the whole month, hour by hour, shuffled, two loads at a time."""
    source = real_data.as_uri()
    hours = [hour for day in NOVEMBER for hour in hours_of(day)]
    random.Random(720).shuffle(hours)
    first = hours[0]
    run_task(dag, "create_tables", first, source)
    run_task(dag, "stage_songs", first, source)
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda hour: run_hour(dag, hour, source, stage_songs=False), hours))

    expected = expected_warehouse(real_data)
    assert actual_warehouse(warehouse) == expected
    # The numbers for this sample, as computed above from the raw JSON.
    assert expected == Expected(
        songplays=6820,
        matched_songplays=1,
        users=97,
        paid_users=22,
        songs=71,
        artists=69,
        time=6813,
    )


def test_hours_in_any_order_give_the_same_warehouse_as_in_order(
    dag, warehouse, real_data, pg_admin_url
):
    source = real_data.as_uri()
    hours = hours_of(dt.date(2018, 11, 14)) + hours_of(dt.date(2018, 11, 15))
    for hour in hours:
        run_hour(dag, hour, source)
    in_order = warehouse.snapshot(WAREHOUSE_TABLES)
    assert actual_warehouse(warehouse) == expected_warehouse(real_data, hours)

    # Same database, cleared; now newest first, with some hours twice.
    for table in WAREHOUSE_TABLES:
        warehouse.execute(f'DELETE FROM "{table}"')
    for hour in reversed(hours + hours[10:20]):
        run_hour(dag, hour, source)
    assert warehouse.snapshot(WAREHOUSE_TABLES) == in_order


def test_rerunning_an_hour_changes_nothing(dag, warehouse, real_data):
    source = real_data.as_uri()
    hour = dt.datetime(2018, 11, 15, 13, tzinfo=dt.UTC)
    run_hour(dag, hour, source)
    first = warehouse.snapshot()
    assert warehouse.count("songplays") == expected_warehouse(real_data, [hour]).songplays > 0
    run_hour(dag, hour, source)
    assert warehouse.snapshot() == first


def test_users_keep_their_latest_event_when_older_hours_come_later(dag, warehouse, real_data):
    """A user who upgraded mid-month stays 'paid' when their 'free' hours load afterwards."""
    source = real_data.as_uri()
    events = sorted((e for e in read_events(real_data) if e["userId"]), key=lambda e: e["ts"])
    first_level: dict[str, str] = {}
    last_level: dict[str, str] = {}
    for event in events:
        first_level.setdefault(event["userId"], event["level"])
        last_level[event["userId"]] = event["level"]
    switcher = min(u for u in first_level if first_level[u] != last_level[u])
    mine = [e for e in events if e["userId"] == switcher]
    latest, earliest = mine[-1], mine[0]

    def hour_of(event):
        moment = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=event["ts"])
        return moment.replace(minute=0, second=0, microsecond=0)

    run_hour(dag, hour_of(latest), source)
    run_hour(dag, hour_of(earliest), source)
    stored = warehouse.query("SELECT level FROM users WHERE user_id = %s", [switcher])
    assert stored == [(latest["level"],)]
    assert latest["level"] != earliest["level"]


def test_an_hour_without_events_succeeds_and_loads_nothing(dag, warehouse, real_data):
    source = real_data.as_uri()
    quiet = dt.datetime(2018, 11, 1, 3, tzinfo=dt.UTC)  # the first event is at 20:57 that day
    assert expected_warehouse(real_data, [quiet]).songplays == 0
    run_hour(dag, quiet, source)  # the quality checks run too, and pass
    assert warehouse.count("songplays") == warehouse.count("users") == 0
    assert warehouse.count("songs") == 71
