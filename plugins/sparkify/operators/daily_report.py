"""DailyReportOperator: write a UTC day's report page and chart where people look for it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from airflow.sdk import Context

from sparkify import lineage
from sparkify.aws_identities import WORKERS
from sparkify.daily_report_page import CHART_NAME, PAGE_NAME, DayNumbers, render_chart, render_page
from sparkify.errors import PipelineConfigError
from sparkify.operators.base import WarehouseOperator
from sparkify.partitions import DAY, run_interval
from sparkify.quality_checks import COMPARISONS
from sparkify.staging.source import storage_path

# The queries a page is read with, one file each under include/sql/report/page/.
PAGE_QUERIES = ("totals", "plays_by_hour", "top_songs", "top_artists", "failed_checks")


class DailyReportOperator(WarehouseOperator):
    """Read a day from the report's tables and the quality history; write ``<day>/index.html``
    and its chart under ``report_url``.

    The run's interval must be one UTC day (an asset-triggered run of partition ``2018-11-20``,
    say). Everything is read in one snapshot, so the page never mixes two loads; the files are
    overwritten when the day is rebuilt, with the same bytes when the data is the same.

    The page's queries are ``include/sql/report/page/*.sql`` (found on the DAG's
    ``template_searchpath``), rendered with the run's day like the report's other SQL.

    :param report_url: a folder URL, ``file:///...`` or ``s3://bucket/prefix`` (templated);
        S3 goes through ``aws_conn_id``.
    """

    template_fields: Sequence[str] = (
        *WarehouseOperator.template_fields, "report_url", "aws_conn_id", "page_sql",
    )  # fmt: skip
    template_ext: Sequence[str] = (".sql",)
    template_fields_renderers = {"page_sql": "json"}
    ui_color = "#F2D7B6"

    def __init__(self, *, report_url: str, aws_conn_id: str | None = WORKERS.conn_id, **kwargs):
        super().__init__(**kwargs)
        self.report_url = report_url
        self.aws_conn_id = aws_conn_id
        self.page_sql = {name: f"page/{name}.sql" for name in PAGE_QUERIES}
        self.day_written: dt.date | None = None  # set by execute, for lineage

    def execute(self, context: Context) -> str:
        start, end = run_interval(context)
        if end - start != DAY or start.astimezone(dt.UTC).time() != dt.time(0):
            raise PipelineConfigError(f"a daily report needs one UTC day, not [{start}, {end})")
        with self.warehouse.snapshot() as cursor:
            numbers = self._read_day(cursor, start.astimezone(dt.UTC).date())
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
        """The tables the page's queries name in; the day's page and chart out."""
        outputs = []
        if self.day_written:  # not before the task has written them
            keys = [f"{self.day_written}/{name}" for name in (PAGE_NAME, CHART_NAME)]
            outputs = [lineage.object_dataset(self.report_url, key) for key in keys]
        return list(tables.datasets(self.tables_named).values()), outputs, {}

    def _read_day(self, cursor, day: dt.date) -> DayNumbers:
        def rows(query: str) -> list[tuple]:
            cursor.execute(self.page_sql[query])
            return list(cursor.fetchall())

        totals = rows("totals")
        if not totals:
            raise PipelineConfigError(f"daily_plays has no row for {day}: build the day first")
        by_hour = {int(h): (int(paid), int(free)) for h, paid, free in rows("plays_by_hour")}
        top_songs = [(title, artist, int(plays)) for title, artist, plays in rows("top_songs")]
        top_artists = [(name, int(p), int(u)) for name, p, u in rows("top_artists")]
        failed = [
            (f"{int(float(hour)):02d}:00", name, _verdict(value, comparison, expected, on_failure))
            for hour, name, value, comparison, expected, on_failure in rows("failed_checks")
        ]
        return DayNumbers(
            day, *(int(n) for n in totals[0]), by_hour, top_songs, top_artists, failed
        )


def _verdict(value, comparison: str, expected, on_failure: str) -> str:
    """``got 3, expected == 0 (fail)``, from a quality_results row (whose ``comparison`` is a
    comparison's name, or for a range or tolerance the expectation itself)."""
    if comparison in COMPARISONS:
        expectation = f"{COMPARISONS[comparison][1]} {_number(expected)}"
    else:
        expectation = comparison
    return f"got {_number(value)}, expected {expectation} ({on_failure})"


def _number(value) -> str:
    if value is None:
        return "nothing"
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:g}"
