"""DailyReportOperator: write a UTC day's report page and chart where people look for it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from airflow.sdk import Context

from sparkify import clock, lineage
from sparkify.daily_report_page import CHART_NAME, PAGE_NAME, DayNumbers, render_chart, render_page
from sparkify.errors import PipelineConfigError
from sparkify.operators.base import WarehouseOperator
from sparkify.operators.data_quality import COMPARISONS
from sparkify.partitions import DAY, run_interval
from sparkify.source import storage_path

# The tables a report page is read from.
READS = ("daily_plays", "daily_plays_by_hour", "daily_top_songs", "daily_top_artists",
         "quality_results")  # fmt: skip


class DailyReportOperator(WarehouseOperator):
    """Read a day from the report's tables and the quality history; write ``<day>/index.html``
    and its chart under ``report_url``.

    The run's interval must be one UTC day (an asset-triggered run of partition ``2018-11-20``,
    say). Everything is read in one snapshot, so the page never mixes two loads; the files are
    overwritten when the day is rebuilt, with the same bytes when the data is the same.

    :param report_url: a folder URL, ``file:///...`` or ``s3://bucket/prefix`` (templated);
        S3 goes through ``aws_conn_id``.
    """

    template_fields: Sequence[str] = ("report_url",)
    ui_color = "#F2D7B6"

    def __init__(self, *, report_url: str, aws_conn_id: str | None = "aws_default", **kwargs):
        super().__init__(**kwargs)
        self.report_url = report_url
        self.aws_conn_id = aws_conn_id
        self.day_written: dt.date | None = None  # set by execute, for lineage

    def execute(self, context: Context) -> str:
        start, end = run_interval(context)
        if end - start != DAY or start.astimezone(dt.UTC).time() != dt.time(0):
            raise PipelineConfigError(f"a daily report needs one UTC day, not [{start}, {end})")
        with self.warehouse.snapshot() as cursor:
            numbers = self._read_day(cursor, start, end)
        folder = storage_path(self.report_url, self.aws_conn_id) / str(numbers.day)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / CHART_NAME).write_bytes(render_chart(numbers))
        (folder / PAGE_NAME).write_text(render_page(numbers), encoding="utf-8")
        self.day_written = numbers.day
        page = f"{self.report_url.rstrip('/')}/{numbers.day}/{PAGE_NAME}"
        self.log.info(
            "Wrote the report of %s (%d plays, %d failed check(s)): %s",
            numbers.day, numbers.plays, len(numbers.failed_checks), page,
        )  # fmt: skip
        return page

    def lineage(self, tables):
        """The report's tables in; the day's page and chart out."""
        outputs = []
        if self.day_written:  # not before the task has written them
            keys = [f"{self.day_written}/{name}" for name in (PAGE_NAME, CHART_NAME)]
            outputs = [lineage.object_dataset(self.report_url, key) for key in keys]
        return list(tables.datasets(READS).values()), outputs, {}

    def _read_day(self, cursor, start: dt.datetime, end: dt.datetime) -> DayNumbers:
        day = start.astimezone(dt.UTC).date()
        on_day = [day]
        cursor.execute(
            "SELECT plays, listeners, paid_plays, free_plays, paid_listeners, free_listeners, "
            f"matched_plays FROM {self.table_sql('daily_plays')} WHERE report_date = %s",
            on_day,
        )
        totals = cursor.fetchone()
        if totals is None:
            raise PipelineConfigError(f"daily_plays has no row for {day}: build the day first")
        cursor.execute(
            "SELECT hour_of_day, paid_plays, free_plays "
            f"FROM {self.table_sql('daily_plays_by_hour')} WHERE report_date = %s",
            on_day,
        )
        by_hour = {int(h): (int(paid), int(free)) for h, paid, free in cursor.fetchall()}
        cursor.execute(
            "SELECT title, artist_name, plays FROM "
            f"{self.table_sql('daily_top_songs')} WHERE report_date = %s ORDER BY play_rank",
            on_day,
        )
        top_songs = [(title, artist, int(plays)) for title, artist, plays in cursor.fetchall()]
        cursor.execute(
            "SELECT name, plays, listeners FROM "
            f"{self.table_sql('daily_top_artists')} WHERE report_date = %s ORDER BY play_rank",
            on_day,
        )
        top_artists = [(name, int(p), int(u)) for name, p, u in cursor.fetchall()]
        cursor.execute(
            "SELECT EXTRACT(HOUR FROM interval_start), check_name, value, comparison, expected, "
            f"on_failure FROM {self.table_sql('quality_results')} "
            "WHERE interval_start >= %s AND interval_start < %s AND NOT passed "
            "ORDER BY interval_start, check_name",
            [clock.naive_utc(start), clock.naive_utc(end)],
        )
        failed = [
            (f"{int(float(hour)):02d}:00", name, _verdict(value, comparison, expected, on_failure))
            for hour, name, value, comparison, expected, on_failure in cursor.fetchall()
        ]
        return DayNumbers(day, *(int(n) for n in totals), by_hour, top_songs, top_artists, failed)


def _verdict(value, comparison: str, expected, on_failure: str) -> str:
    """``got 3, expected == 0 (fail)``, from a quality_results row."""
    symbol = COMPARISONS[comparison][1] if comparison in COMPARISONS else comparison
    return f"got {_number(value)}, expected {symbol} {_number(expected)} ({on_failure})"


def _number(value) -> str:
    if value is None:
        return "nothing"
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:g}"
