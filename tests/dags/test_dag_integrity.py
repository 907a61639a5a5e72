"""The DAG imports cleanly and has the shape, schedule and defaults the README promises."""

from __future__ import annotations

import datetime as dt
import os

import pendulum
from airflow.timetables.interval import CronDataIntervalTimetable

from tests.conftest import PROJECT

EXPECTED_EDGES = {
    "begin": {"create_tables"},
    "create_tables": {"stage_events", "stage_songs"},
    "stage_events": {"load_songplays_fact"},
    "stage_songs": {"load_songplays_fact"},
    "load_songplays_fact": {"load_user_dim", "load_song_dim", "load_artist_dim", "load_time_dim"},
    "load_user_dim": {"run_quality_checks"},
    "load_song_dim": {"run_quality_checks"},
    "load_artist_dim": {"run_quality_checks"},
    "load_time_dim": {"run_quality_checks"},
    "run_quality_checks": {"end"},
    "end": set(),
}


def test_every_dag_file_imports_without_errors():
    """Parsed afresh, as the dag-processor parses the folder: no file fails, and each of the
    project's three DAGs is found."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(PROJECT / "dags"))
    assert bag.import_errors == {}
    assert set(bag.dag_ids) == {"sparkify_etl", "sparkify_daily_report", "sparkify_warehouse_admin"}


def test_tasks_and_dependencies(dag):
    edges = {task.task_id: set(task.downstream_task_ids) for task in dag.tasks}
    assert edges == EXPECTED_EDGES


def test_operators_are_the_projects(dag):
    kinds = {task.task_id: type(task).__name__ for task in dag.tasks}
    assert kinds["stage_events"] == kinds["stage_songs"] == "StageToRedshiftOperator"
    assert kinds["load_songplays_fact"] == "LoadFactOperator"
    assert {kinds[f"load_{d}_dim"] for d in ("user", "song", "artist", "time")} == {
        "LoadDimensionOperator"
    }
    assert kinds["run_quality_checks"] == "DataQualityOperator"


def test_hourly_data_intervals_in_utc(dag):
    assert isinstance(dag.timetable, CronDataIntervalTimetable)
    assert dag.start_date == pendulum.datetime(2018, 11, 1, tz="UTC")
    assert dag.catchup is False
    assert 1 <= dag.max_active_runs <= 4
    start = pendulum.datetime(2018, 11, 15, 13, tz="UTC")
    interval = dag.timetable.infer_manual_data_interval(run_after=start)
    # A run triggered by hand at 13:00 loads the hour that ends then.
    assert (interval.start, interval.end) == (start - dt.timedelta(hours=1), start)
    between = dag.timetable.infer_manual_data_interval(run_after=start.add(minutes=30))
    assert (between.start, between.end) == (interval.start, interval.end)


def test_default_args(dag):
    for task in dag.tasks:
        assert task.owner == "sparkify"
        assert task.depends_on_past is False
        assert task.retries == 3
        # Airflow's default_task_retry_delay, 5 minutes unless configured (the fault tests
        # shorten it through AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY).
        assert task.retry_delay == dt.timedelta(
            seconds=int(os.environ.get("AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY", 300))
        )
        assert task.email_on_retry is False


def test_configuration_comes_from_airflow(dag):
    for task_id in ("stage_events", "stage_songs"):
        task = dag.get_task(task_id)
        assert task.source_url == "{{ var.value.sparkify_source_url }}"
        assert task.aws_conn_id == "aws_default"
        assert task.redshift_conn_id == "redshift"
    assert dag.get_task("create_tables").redshift_conn_id == "redshift"


def test_every_task_is_documented(dag):
    assert dag.doc_md and "sparkify_source_url" in dag.doc_md
    for task in dag.tasks:
        assert task.doc_md, f"{task.task_id} has no doc_md"


def test_the_tools_run_order_respects_the_dags_dependencies(dag):
    from tools.task_runner import run_order

    order = run_order(dag)
    assert set(order) == {t.task_id for t in dag.tasks} - {"begin", "end"}
    for position, task_id in enumerate(order):
        upstream = dag.get_task(task_id).upstream_task_ids - {"begin"}
        assert upstream <= set(order[:position]), task_id
