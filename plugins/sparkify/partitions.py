"""The interval a run works on, and the hourly partition keys of the tables it loads.

A scheduled run of ``sparkify_etl`` owns its data interval. A run of an asset-partitioned DAG
(``sparkify_daily_report``) has no data interval: its partition key names the period it works
on, a UTC day (``2018-11-20``) or hour (``2018-11-20T05:00:00``). ``run_interval`` gives every
operator the same [start, end) either way, so the loads, their SQL helpers (``in_interval()``)
and the quality history need not know which kind of run they are in.

Partition keys are written in the temporal partition mappers' default input format
(``%Y-%m-%dT%H:%M:%S``, UTC), so that ``StartOfDayMapper()`` with ``DayWindow()`` reads them
as they are.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any

from sparkify.errors import PipelineConfigError

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
HOUR_KEY_FORMAT = "%Y-%m-%dT%H:%M:%S"
DAY_KEY_FORMAT = "%Y-%m-%d"


def run_interval(context: Mapping[str, Any]) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the run: its data interval, or else the period its partition key names."""
    start, end = context.get("data_interval_start"), context.get("data_interval_end")
    if start is not None and end is not None and start < end:
        return start, end
    key = context.get("partition_key")
    if key:
        return partition_interval(key)
    raise PipelineConfigError(
        "this run has no data interval and no partition key: trigger it with a partition key, "
        "a UTC day (2018-11-20) or hour (2018-11-20T05:00:00)"
    )


def partition_interval(key: str) -> tuple[dt.datetime, dt.datetime]:
    """The UTC [start, end) a day or hour partition key names; anything else is refused."""
    for key_format, length in ((DAY_KEY_FORMAT, DAY), (HOUR_KEY_FORMAT, HOUR)):
        try:
            start = dt.datetime.strptime(key, key_format).replace(tzinfo=dt.UTC)
        except (TypeError, ValueError):
            continue
        on_the_hour = start.minute == 0 and start.second == 0
        if start.strftime(key_format) == key and on_the_hour:
            return start, start + length
    raise PipelineConfigError(
        f"partition key {key!r} is neither a UTC day (YYYY-MM-DD) nor an hour (YYYY-MM-DDTHH:00:00)"
    )


def hour_key(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime(HOUR_KEY_FORMAT)


def hours_in(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """The UTC hours that begin in [start, end)."""
    start, end = _utc(start), _utc(end)
    first = start.replace(minute=0, second=0, microsecond=0)
    if first < start:
        first += HOUR
    count = math.ceil((end - first).total_seconds() / HOUR.total_seconds())
    return [first + HOUR * n for n in range(max(0, count))]


def _utc(moment: dt.datetime) -> dt.datetime:
    """A plain ``datetime`` in UTC (Airflow hands out pendulum's, whose arithmetic differs)."""
    utc = moment.astimezone(dt.UTC)
    return dt.datetime(*utc.timetuple()[:6], utc.microsecond, tzinfo=dt.UTC)


def hourly_partition_keys(
    start: dt.datetime, end: dt.datetime, loaded_hours_of_day: Iterable[dt.datetime]
) -> list[str]:
    """The partition keys an hourly load of [start, end) announces.

    The hours it loaded, and, when every hour of their UTC day is now loaded (the load's own
    included), all 24 hours of that day. A daily rollup (``StartOfDayMapper`` + ``DayWindow``,
    wait for all) then fires when a day is first complete, in whatever order its hours were
    loaded, and fires again, once, when any hour of a complete day is reloaded: Airflow
    counts a rollup's hours afresh after each run it creates, so a reload that announced only
    its own hour would wait for the other 23 forever.
    """
    own = hours_in(start, end)
    keys = {hour_key(hour) for hour in own}
    loaded = {_utc(hour) for hour in loaded_hours_of_day} | set(own)
    for midnight in {hour.replace(hour=0) for hour in own}:
        day = [midnight + HOUR * n for n in range(24)]
        if loaded.issuperset(day):
            keys.update(hour_key(hour) for hour in day)
    return sorted(keys)
