"""Run one task of sparkify_etl for a data interval without a DAG run.

This calls the operators' real logic (template rendering with the DAG's Jinja environment and
macros, then ``execute``). The 720-hour tests use it for each hour, where a DAG run each would
spend most of its time in Airflow's scheduling, and the Redshift dry run uses it to record what
an hour sends. Whole DAG runs are tested with ``airflow dags test``.
"""

from __future__ import annotations

import copy
import datetime as dt

HOUR = dt.timedelta(hours=1)
# The DAG's tasks between begin and end, in an order its dependencies allow.
RUN_ORDER = [
    "create_tables",
    "stage_events",
    "stage_songs",
    "load_songplays_fact",
    "load_user_dim",
    "load_song_dim",
    "load_artist_dim",
    "load_time_dim",
    "run_quality_checks",
]


def render_task(dag, task_id: str, start: dt.datetime, source_url: str, end: dt.datetime = None):
    """A copy of ``task_id`` rendered for [start, end) (default: one hour), and its context."""
    task = copy.copy(dag.get_task(task_id))
    end = end or start + HOUR
    context = {
        "data_interval_start": start,
        "data_interval_end": end,
        "logical_date": start,
        "ds": start.strftime("%Y-%m-%d"),
        "var": {"value": {"sparkify_source_url": source_url}},
        "params": {},
        "dag": dag,
        "task": task,
    }
    task.render_template_fields(context, jinja_env=dag.get_template_env())
    return task, context


def run_task(dag, task_id: str, start: dt.datetime, source_url: str, end: dt.datetime = None):
    """Render and execute ``task_id`` for [start, end) (default: one hour); return its result."""
    task, context = render_task(dag, task_id, start, source_url, end)
    return task.execute(context)


def run_hour(dag, start: dt.datetime, source_url: str, stage_songs: bool = True) -> None:
    """Every task of one hourly run, in the DAG's order (the catalogue stage is optional)."""
    for task_id in RUN_ORDER:
        if stage_songs or task_id != "stage_songs":
            run_task(dag, task_id, start, source_url)


def hours_of(day: dt.date) -> list[dt.datetime]:
    midnight = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    return [midnight + HOUR * n for n in range(24)]
