"""sparkify_daily_report imports cleanly, waits for whole days of the hourly load's Asset, and
reads the partition keys the hourly load writes."""

from __future__ import annotations

import pendulum
from airflow.serialization.serialized_objects import DagSerialization
from sparkify.assets import warehouse_asset
from sparkify.partitions import hourly_partition_keys

EXPECTED_EDGES = {
    "create_report_tables": {
        "build_daily_plays",
        "build_daily_plays_by_hour",
        "build_daily_top_songs",
        "build_daily_top_artists",
    },
    "build_daily_plays": {"write_report"},
    "build_daily_plays_by_hour": {"write_report"},
    "build_daily_top_songs": {"write_report"},
    "build_daily_top_artists": {"write_report"},
    "write_report": set(),
}


def test_tasks_and_dependencies(report_dag):
    assert {t.task_id: set(t.downstream_task_ids) for t in report_dag.tasks} == EXPECTED_EDGES
    for task in report_dag.tasks:
        assert task.doc_md and task.owner == "sparkify" and task.retries == 3


def test_the_schedule_is_a_whole_day_of_the_songplays_asset_as_the_scheduler_reads_it(
    report_dag, dag
):
    """Through the serialized DAG (what the scheduler evaluates): the rollup expects, for a day,
    exactly the 24 keys the hourly load announces when the day is complete."""
    timetable = DagSerialization.from_dict(DagSerialization.to_dict(report_dag)).timetable
    assert type(timetable).__name__ == "PartitionedAssetTimetable" and timetable.partitioned
    songplays = warehouse_asset("songplays")
    (producer,) = dag.get_task("load_songplays_fact").outlets
    assert (producer.name, producer.uri) == (songplays.name, songplays.uri)
    mapper = timetable.get_partition_mapper(name=songplays.name, uri=songplays.uri)
    assert type(mapper).__name__ == "RollupMapper"
    assert type(mapper.wait_policy).__name__ == "WaitForAll"

    hours = [pendulum.datetime(2018, 11, 21, h, tz="UTC") for h in range(24)]
    announced = hourly_partition_keys(hours[23], hours[23].add(hours=1), hours)
    assert set(mapper.to_upstream("2018-11-21")) == set(announced)
    assert {mapper.to_downstream(key) for key in announced} == {"2018-11-21"}
