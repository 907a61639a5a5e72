"""sparkify_etl: load an hour of Sparkify's song plays into the star schema, every hour.

Each run owns its data interval [data_interval_start, data_interval_end): it stages that day's
event file and the song catalogue, replaces the interval's songplays, upserts the dimensions
and checks the result. Runs may repeat, run out of order or in parallel; the warehouse ends the
same. Configuration comes from Airflow only, under the operators' default ids: connection
``redshift`` (type redshift or postgres), ``aws_default`` (the workers' identity, for S3), on
Redshift ``aws_redshift_copy`` (the IAM role COPY runs as); Variable ``sparkify_source_url``.
"""

from __future__ import annotations

from pathlib import Path

import pendulum
import yaml
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, AsyncCallback, DeadlineAlert, DeadlineReference, chain
from airflow.timetables.interval import CronDataIntervalTimetable
from sparkify.alerts import LateLoadEmail, alert_recipients, failure_callbacks, load_deadline
from sparkify.assets import warehouse_asset
from sparkify.operators import (
    DataQualityOperator,
    LoadDimensionOperator,
    LoadFactOperator,
    StageToRedshiftOperator,
    WarehouseSqlOperator,
)
from sparkify.staging.layout import LOG_JSONPATHS_KEY, SONG_DATA_PREFIX

INCLUDE = Path(__file__).resolve().parents[1] / "include"
SOURCE_URL = "{{ var.value.sparkify_source_url }}"
# Days a staged day file is kept after the last run that used it (Variable, default 7).
STAGING_RETENTION_DAYS = "{{ var.value.get('sparkify_staging_retention_days', 7) }}"

DOC = """
### Sparkify ETL

Loads one hour of the app's activity into the Redshift star schema.

* **Source**: the root in Variable `sparkify_source_url` (`s3://udacity-dend` in production),
  read through connection `aws_default`. Events come from the day file
  `log_data/YYYY/MM/YYYY-MM-DD-events.json` of the run's hour; songs from `song_data/`.
* **Warehouse**: connection `redshift` (a Redshift cluster, or PostgreSQL standing in for it);
  on Redshift, COPY reads S3 as the IAM role of connection `aws_redshift_copy`.
* **Interval**: a scheduled run loads [logical_date, logical_date + 1h). A run triggered by hand
  with logical date X loads the hour that *ends* at X.
* **Safe to repeat**: re-running an hour replaces that hour; hours may be loaded in any order.
* **Assets**: each load declares the table it writes (`sparkify.<table>`, URI from the
  environment variable `SPARKIFY_WAREHOUSE_URI`); `sparkify.songplays` events carry the hour
  as a partition key, and every hour of the day once the whole day is loaded.
"""

# A scheduled hour not loaded SPARKIFY_LOAD_DEADLINE_MINUTES after its interval ends is late:
# the deadline counts from the logical date (the interval's start), so it adds the hour.
LATE_LOAD_ALERT = (
    DeadlineAlert(
        reference=DeadlineReference.DAGRUN_LOGICAL_DATE,
        interval=load_deadline(),
        callback=AsyncCallback(LateLoadEmail, kwargs={"to": alert_recipients()}),
    )
    if alert_recipients()
    else None
)

with DAG(
    dag_id="sparkify_etl",
    description="Hourly load of Sparkify song plays from S3 JSON into the Redshift star schema",
    schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
    start_date=pendulum.datetime(2018, 11, 1, tz="UTC"),
    catchup=False,
    max_active_runs=3,
    # Transient failures (a dropped connection, a throttled S3) are retried 3 times, after
    # Airflow's [core] default_task_retry_delay: 300 s (5 minutes) unless configured otherwise,
    # which is how the fault tests shorten it without editing the DAG. Bad input fails at once.
    default_args={
        "owner": "sparkify",
        "depends_on_past": False,
        "retries": 3,
        "email_on_retry": False,
        # After the last retry: SMTP to SPARKIFY_ALERT_EMAIL, SNS when configured (alerts.py).
        "on_failure_callback": failure_callbacks(),
    },
    deadline=LATE_LOAD_ALERT,
    template_searchpath=[str(INCLUDE / "sql")],
    doc_md=DOC,
    tags=["sparkify", "redshift", "hourly"],
) as dag:
    begin = EmptyOperator(task_id="begin", doc_md="Marks the start of the run.")

    create_tables = WarehouseSqlOperator(
        task_id="create_tables",
        sql="create_tables.sql",
        doc_md="Creates the staging, fact and dimension tables if they do not exist yet "
        "(`include/sql/create_tables.sql`).",
    )

    stage_events = StageToRedshiftOperator(
        task_id="stage_events",
        table="staging_events",
        outlets=[warehouse_asset("staging_events")],
        source_url=SOURCE_URL,
        s3_key="{{ log_key(data_interval_start) }}",
        json_format=LOG_JSONPATHS_KEY,
        timeformat="epochmillisecs",
        source_column="source_key",
        skip_unchanged=True,
        retention_days=STAGING_RETENTION_DAYS,
        doc_md="Copies the day file holding this hour's events into `staging_events`, "
        "mapped by `log_json_path.json`, `ts` read as epoch milliseconds. Replaces only the "
        "rows earlier loads took from the same file, and keeps them when the file is the one "
        "they came from (same size and ETag): a day file is staged once, not by each of its "
        "24 hours. A missing day file or a bad line fails the task at once, naming the file "
        "and line. Day files no run has used for `sparkify_staging_retention_days` days "
        "(Variable, default 7) are pruned from the table.",
    )

    stage_songs = StageToRedshiftOperator(
        task_id="stage_songs",
        table="staging_songs",
        outlets=[warehouse_asset("staging_songs")],
        source_url=SOURCE_URL,
        s3_key=SONG_DATA_PREFIX,
        prefix=True,
        json_format="auto",
        blanks_as_null=True,
        empty_as_null=True,
        skip_unchanged=True,
        doc_md="Copies the song catalogue (every object under `song_data/`) into "
        "`staging_songs`, keys matched to column names ('auto'); empty strings become NULL. "
        "Skipped when the listing (keys, sizes, ETags) is the one already staged.",
    )

    load_songplays_fact = LoadFactOperator(
        task_id="load_songplays_fact",
        table="songplays",
        outlets=[warehouse_asset("songplays")],
        sql="songplays.sql",
        interval_column="start_time",
        history_table="loaded_intervals",
        hourly_partitions=True,
        doc_md="Replaces this hour's `songplays`: one row per NextSong event, matched to the "
        "catalogue on title, artist and duration (NULL song when nothing matches). Records the "
        "hour in `loaded_intervals`; its Asset event carries the hour as partition key, and "
        "all 24 hours of the day once the day is complete (`sparkify_daily_report` waits "
        "for that).",
    )

    dimension_loads = [
        LoadDimensionOperator(
            task_id=f"load_{name}_dim",
            table=table,
            outlets=[warehouse_asset(table)],
            sql=f"{table}.sql",
            mode="upsert",
            key_columns=[key],
            doc_md=doc,
        )
        for name, table, key, doc in [
            (
                "user",
                "users",
                "user_id",
                "Upserts the hour's users, keeping each user's latest event by time even when "
                "an older hour is loaded later.",
            ),
            ("song", "songs", "song_id", "Upserts one row per song of the catalogue."),
            ("artist", "artists", "artist_id", "Upserts one row per artist of the catalogue."),
            (
                "time",
                "time",
                "start_time",
                "Upserts one row per distinct start_time of the hour's songplays.",
            ),
        ]
    ]

    run_quality_checks = DataQualityOperator(
        task_id="run_quality_checks",
        checks=yaml.safe_load((INCLUDE / "quality_checks.yml").read_text()),
        history_table="quality_results",
        doc_md="Runs the checks in `include/quality_checks.yml` (row counts against staging, "
        "NOT NULL and unique keys, songplays whose user or time is missing), records each "
        "result for the hour in `quality_results`, and fails listing every check that did not "
        "pass.",
    )

    end = EmptyOperator(task_id="end", doc_md="Marks the end of the run.")

    chain(
        begin,
        create_tables,
        [stage_events, stage_songs],
        load_songplays_fact,
        dimension_loads,
        run_quality_checks,
        end,
    )
