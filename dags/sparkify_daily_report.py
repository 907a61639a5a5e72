"""sparkify_daily_report: a UTC day's plays, summed up in the warehouse and on one page.

It runs when a whole UTC day of songplays has been loaded, not on a clock: the hourly load's
Asset events carry hourly partition keys, and a rollup (``StartOfDayMapper`` over a
``DayWindow``, waiting for all 24) starts one run per day, whose partition key is the day. A
reloaded hour of a complete day announces the day again (``partitions.hourly_partition_keys``),
so the day's report is rebuilt once, and equals the first when the data is the same.

Each aggregate load replaces the day's rows in its table, as the hourly fact load replaces its
hour; the page and chart are written to Variable ``sparkify_report_url`` (a folder URL,
``file:///...`` or ``s3://...`` read through ``aws_default``).
"""

from __future__ import annotations

from pathlib import Path

import pendulum
from airflow.sdk import DAG, DayWindow, PartitionedAssetTimetable, RollupMapper, StartOfDayMapper
from sparkify.alerts import failure_callbacks
from sparkify.assets import warehouse_asset
from sparkify.operators import DailyReportOperator, LoadFactOperator, WarehouseSqlOperator

INCLUDE = Path(__file__).resolve().parents[1] / "include"
REPORT_URL = "{{ var.value.get('sparkify_report_url', 'file:///tmp/sparkify-reports') }}"
REPORT_TABLES = ["daily_plays", "daily_plays_by_hour", "daily_top_songs", "daily_top_artists"]

DOC = """
### Sparkify daily report

One run per UTC day, once every hour of the day is in `songplays` (the `sparkify.songplays`
Asset, partitioned by hour, rolled up to the day); again, once, when an hour of the day is
reloaded. Trigger a day by hand with its partition key, `YYYY-MM-DD`.

* Builds `daily_plays`, `daily_plays_by_hour`, `daily_top_songs`, `daily_top_artists`
  (the day's rows replaced; `include/sql/report/`).
* Writes `<day>/index.html` and `<day>/plays_by_hour.png` under Variable
  `sparkify_report_url` (default `file:///tmp/sparkify-reports`), with the day's failed
  quality checks from `quality_results`.
"""

with DAG(
    dag_id="sparkify_daily_report",
    description="Daily aggregates and report page, once a whole UTC day of song plays is loaded",
    schedule=PartitionedAssetTimetable(
        assets=warehouse_asset("songplays"),
        default_partition_mapper=RollupMapper(
            upstream_mapper=StartOfDayMapper(), window=DayWindow()
        ),
    ),
    start_date=pendulum.datetime(2018, 11, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={
        "owner": "sparkify",
        "retries": 3,
        # After the last retry: SMTP to SPARKIFY_ALERT_EMAIL, SNS when configured (alerts.py).
        "on_failure_callback": failure_callbacks(),
    },
    template_searchpath=[str(INCLUDE / "sql" / "report")],
    doc_md=DOC,
    tags=["sparkify", "redshift", "daily", "report"],
) as dag:
    create_report_tables = WarehouseSqlOperator(
        task_id="create_report_tables",
        sql="create_report_tables.sql",
        doc_md="Creates the report's tables if they do not exist yet.",
    )

    build_day = [
        LoadFactOperator(
            task_id=f"build_{table}",
            table=table,
            outlets=[warehouse_asset(table)],
            sql=f"{table}.sql",
            interval_column="report_date",
            doc_md=f"Replaces the day's rows of `{table}` (`include/sql/report/{table}.sql`).",
        )
        for table in REPORT_TABLES
    ]

    write_report = DailyReportOperator(
        task_id="write_report",
        report_url=REPORT_URL,
        doc_md="Writes the day's page and chart under Variable `sparkify_report_url`, with the "
        "quality checks that failed in the day's hours.",
    )

    create_report_tables >> build_day >> write_report
