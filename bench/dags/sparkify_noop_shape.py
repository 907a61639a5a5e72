"""sparkify_etl's shape with nothing in it: Airflow's own floor for one hourly run.

The same eleven tasks and dependencies (begin, nine Python tasks that do nothing, end), the
same timetable, start date and max_active_runs. ``make bench`` runs it beside the real DAG, so
the difference between the two is what the pipeline's work costs, and the rest is Airflow's.
"""

from __future__ import annotations

import pendulum
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, task
from airflow.timetables.interval import CronDataIntervalTimetable


@task
def nothing() -> None:
    """A Python task that does no work."""


with DAG(
    dag_id="sparkify_noop_shape",
    schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
    start_date=pendulum.datetime(2018, 11, 1, tz="UTC"),
    catchup=False,
    max_active_runs=3,
    tags=["benchmark"],
):
    begin = EmptyOperator(task_id="begin")
    end = EmptyOperator(task_id="end")
    create_tables = nothing.override(task_id="create_tables")()
    stages = [nothing.override(task_id=t)() for t in ("stage_events", "stage_songs")]
    fact = nothing.override(task_id="load_songplays_fact")()
    dimensions = [
        nothing.override(task_id=t)()
        for t in ("load_user_dim", "load_song_dim", "load_artist_dim", "load_time_dim")
    ]
    checks = nothing.override(task_id="run_quality_checks")()
    begin >> create_tables >> stages >> fact >> dimensions >> checks >> end
