"""The worker's clock, in UTC: the one place the pipeline reads the time of day.

Runs are about data intervals, not about when they run; only bookkeeping reads the clock (when
a staged source was last used, when a quality check ran). A dry run fixes it, so that the
statements it prints are the same every time.
"""

from __future__ import annotations

import datetime as dt


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def naive_utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` as the warehouse's TIMESTAMP columns hold it: UTC, without a zone."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None)
