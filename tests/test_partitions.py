"""The interval a run works on and the partition keys an hourly load announces, with the
pendulum datetimes Airflow hands to tasks."""

from __future__ import annotations

import pendulum
import pytest
from sparkify.errors import PipelineConfigError
from sparkify.partitions import hourly_partition_keys, run_interval

DAY = [pendulum.datetime(2018, 11, 21, h, tz="UTC") for h in range(24)]
KEYS = [f"2018-11-21T{h:02d}:00:00" for h in range(24)]


def test_an_hour_announces_itself_until_its_day_is_complete():
    hour = DAY[5]
    assert hourly_partition_keys(hour, hour.add(hours=1), DAY[:5]) == [KEYS[5]]
    assert hourly_partition_keys(hour, hour.add(hours=1), DAY[:5] + DAY[6:]) == KEYS
    assert hourly_partition_keys(hour, hour.add(hours=1), DAY) == KEYS  # a reload


def test_the_next_days_hours_do_not_complete_a_day():
    hour = DAY[23]
    next_day = [h.add(days=1) for h in DAY]
    assert hourly_partition_keys(hour, hour.add(hours=1), DAY[1:23] + next_day) == [KEYS[23]]


def test_a_run_interval_is_the_data_interval_or_else_the_partition_keys_period():
    start, end = DAY[3], DAY[4]
    assert run_interval({"data_interval_start": start, "data_interval_end": end}) == (start, end)
    day = {"data_interval_start": None, "data_interval_end": None, "partition_key": "2018-11-21"}
    assert run_interval(day) == (DAY[0], DAY[0].add(days=1))
    assert run_interval({"partition_key": "2018-11-21T03:00:00"}) == (start, end)
    with pytest.raises(PipelineConfigError, match="no data interval and no partition key"):
        run_interval({"data_interval_start": None, "data_interval_end": None})
