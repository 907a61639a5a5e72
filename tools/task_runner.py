"""Run one task of sparkify_etl for a data interval without a DAG run.

This calls the operators' real logic (template rendering with the DAG's Jinja environment and
macros, then ``execute``). The 720-hour tests use it for each hour, where a DAG run each would
spend most of its time in Airflow's scheduling, and the Redshift dry run uses it to record what
an hour sends. Whole DAG runs are tested with ``airflow dags test``.
"""

from __future__ import annotations

import copy
import datetime as dt
import os

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk.execution_time.context import OutletEventAccessors

HOUR = dt.timedelta(hours=1)


def run_order(dag) -> list[str]:
    """The DAG's working tasks (not its EmptyOperator markers), upstream first."""
    return [t.task_id for t in dag.topological_sort() if not isinstance(t, EmptyOperator)]


def steps_after_staging(dag) -> list[str]:
    """The working tasks that run once every stage has: the SQL over staged data."""
    stages = {t.task_id for t in dag.tasks if type(t).__name__ == "StageToRedshiftOperator"}
    return [
        task_id
        for task_id in run_order(dag)
        if stages <= {t.task_id for t in dag.get_task(task_id).get_flat_relatives(upstream=True)}
    ]


def render_task(dag, task_id: str, start: dt.datetime, source_url: str, end: dt.datetime = None):
    """A copy of ``task_id`` rendered for [start, end) (default: one hour), and its context.

    The context's ``outlet_events`` collect what the task would emit to its Assets."""
    end = end or start + HOUR
    return _rendered(
        dag,
        task_id,
        data_interval_start=start,
        data_interval_end=end,
        logical_date=start,
        ds=start.strftime("%Y-%m-%d"),
        run_id=f"scheduled__{start.isoformat()}",
        var={"value": _Variables(sparkify_source_url=source_url)},
    )


def render_partition_task(dag, task_id: str, partition_key: str, **variables: str):
    """A copy of ``task_id`` rendered as in an asset-triggered run of ``partition_key`` (no
    data interval), and its context."""
    return _rendered(
        dag,
        task_id,
        data_interval_start=None,
        data_interval_end=None,
        logical_date=None,
        partition_key=partition_key,
        run_id=f"asset_triggered__{partition_key}",
        var={"value": _Variables(**variables)},
    )


def _rendered(dag, task_id: str, **context):
    task = copy.copy(dag.get_task(task_id))
    context.update(params={}, dag=dag, task=task, outlet_events=OutletEventAccessors())
    task.render_template_fields(context, jinja_env=dag.get_template_env())
    return task, context


class _Variables(dict):
    """``var.value`` as the templates see it: the values given, and any other Variable from
    the environment (``AIRFLOW_VAR_<NAME>``), as Airflow's first secrets backend reads it."""

    def get(self, key: str, default=None):
        if key in self:
            return self[key]
        return os.environ.get(f"AIRFLOW_VAR_{key.upper()}", default)


def run_task(dag, task_id: str, start: dt.datetime, source_url: str, end: dt.datetime = None):
    """Render and execute ``task_id`` for [start, end) (default: one hour); return its result."""
    task, context = render_task(dag, task_id, start, source_url, end)
    return task.execute(context)


def run_hour(dag, start: dt.datetime, source_url: str, stage_songs: bool = True) -> None:
    """Every task of one hourly run, in the DAG's order (the catalogue stage is optional)."""
    for task_id in run_order(dag):
        if stage_songs or task_id != "stage_songs":
            run_task(dag, task_id, start, source_url)


def hours_of(day: dt.date) -> list[dt.datetime]:
    midnight = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    return [midnight + HOUR * n for n in range(24)]
