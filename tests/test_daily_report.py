"""The daily report: the hourly load announces a complete day, the day's aggregates match the
raw JSON, and the page and chart are written, the same bytes when the day is rebuilt."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from sparkify.errors import PipelineConfigError
from sparkify.partitions import hour_key, partition_interval

from tests.conftest import PROJECT
from tests.support.aws_account import REPORTS_BUCKET, REPORTS_PREFIX
from tests.support.raw_counts import expected_day
from tools.task_runner import hours_of, render_partition_task, render_task, run_order

DAY = dt.date(2018, 11, 21)  # the sample's one day with a play of a catalogued song
DAY_KEY = DAY.isoformat()
SONGPLAYS = "sparkify.songplays"


def run_hour_announcing(dag, start: dt.datetime, source_url: str) -> list[str]:
    """Run one hour of sparkify_etl; return the partition keys its songplays event carries."""
    keys = []
    for task_id in run_order(dag):
        if task_id == "stage_songs" and start.hour:
            continue  # the catalogue is staged once
        task, context = render_task(dag, task_id, start, source_url)
        task.execute(context)
        if task_id == "load_songplays_fact":
            (asset,) = task.outlets
            assert asset.name == SONGPLAYS
            event = context["outlet_events"][asset]
            assert event.extra["interval_start"] == start.isoformat()
            keys = sorted(event.partition_keys)
    return keys


def build_report(report_dag, report_url: str, key: str = DAY_KEY) -> str:
    page = None
    for task in report_dag.topological_sort():
        task, context = render_partition_task(
            report_dag, task.task_id, key, sparkify_report_url=report_url
        )
        page = task.execute(context)
    return page


def test_a_day_is_announced_once_complete_and_its_report_matches_the_raw_json(
    warehouse, dag, report_dag, real_data, tmp_path
):
    hours = hours_of(DAY)
    order = random.Random(20).sample(hours, len(hours))  # any order: here, a shuffled one
    order.remove(hours[0])
    order.insert(0, hours[0])  # the hour that stages the catalogue goes first
    announced = [run_hour_announcing(dag, hour, real_data.as_uri()) for hour in order]
    every_hour = sorted(hour_key(hour) for hour in hours)
    assert announced[:-1] == [[hour_key(hour)] for hour in order[:-1]]
    assert announced[-1] == every_hour  # the load that completes the day announces all of it
    # Reloading an hour of a complete day announces the whole day again.
    assert run_hour_announcing(dag, hours[5], real_data.as_uri()) == every_hour
    loaded = warehouse.query(
        "SELECT COUNT(*), SUM(rows_loaded) FROM loaded_intervals WHERE table_name = 'songplays'"
    )
    expected = expected_day(real_data, DAY)
    assert loaded == [(24, expected.plays)]

    reports = tmp_path / "reports"
    page = build_report(report_dag, reports.as_uri())
    assert page == (reports / DAY_KEY / "index.html").as_uri()
    assert warehouse.query(
        "SELECT plays, listeners, paid_plays, free_plays, paid_listeners, free_listeners, "
        "matched_plays FROM daily_plays"
    ) == [
        (expected.plays, expected.listeners, expected.paid_plays, expected.free_plays,
         expected.paid_listeners, expected.free_listeners, expected.matched_plays)
    ]  # fmt: skip
    by_hour = warehouse.query(
        "SELECT hour_of_day, paid_plays, free_plays FROM daily_plays_by_hour ORDER BY 1"
    )
    assert {hour: (paid, free) for hour, paid, free in by_hour} == expected.by_hour
    top = warehouse.query(
        "SELECT title, artist_name, plays FROM daily_top_songs ORDER BY play_rank"
    )
    ranked = sorted(expected.song_plays.items(), key=lambda item: -item[1])[:10]
    assert top and sorted(top) == sorted((t, a, n) for (t, a), n in ranked)
    assert [n for _, _, n in top] == sorted((n for _, _, n in top), reverse=True)

    text = (reports / DAY_KEY / "index.html").read_text()
    assert f"<h1>Sparkify: {DAY_KEY}</h1>" in text
    assert f"<tr><td>Plays</td><td>{expected.plays:,}</td></tr>" in text
    assert f"<tr><td>Listeners</td><td>{expected.listeners:,}</td></tr>" in text
    assert "Every quality check of the day's hours passed." in text
    chart = (reports / DAY_KEY / "plays_by_hour.png").read_bytes()
    assert chart.startswith(b"\x89PNG\r\n\x1a\n")

    before = warehouse.snapshot(["daily_plays", "daily_plays_by_hour", "daily_top_songs"])
    build_report(report_dag, reports.as_uri())  # a rebuilt day changes nothing
    assert warehouse.snapshot(["daily_plays", "daily_plays_by_hour", "daily_top_songs"]) == before
    assert (reports / DAY_KEY / "index.html").read_text() == text
    assert (reports / DAY_KEY / "plays_by_hour.png").read_bytes() == chart


def test_the_page_shows_the_days_failed_checks_escaped(warehouse, dag, report_dag, tmp_path):
    """Two failed checks in the day's quality history (one with a hostile name) and one of the
    next day: the page lists the day's two, escaped, and nothing of the next day."""
    task, context = render_task(dag, "create_tables", hours_of(DAY)[0], "file:///unused")
    task.execute(context)
    warehouse.execute(
        "INSERT INTO quality_results VALUES "
        "('2018-11-21 03:00', '2018-11-21 04:00', 'songplays_have_users', 2, 'equal_to', 0, "
        "false, 'fail', 'r1', now()), "
        "('2018-11-21 07:00', '2018-11-21 08:00', '<script>alert(1)</script>', 5, 'leq_to', "
        "1.5, false, 'warn', 'r2', now()), "
        "('2018-11-21 07:00', '2018-11-21 08:00', 'passes', 0, 'equal_to', 0, true, 'fail', "
        "'r2', now()), "
        "('2018-11-22 00:00', '2018-11-22 01:00', 'next_day_check', 1, 'equal_to', 0, false, "
        "'fail', 'r3', now())"
    )
    reports = tmp_path / "reports"
    build_report(report_dag, reports.as_uri())
    text = (reports / DAY_KEY / "index.html").read_text()
    assert "<td>03:00</td><td>songplays_have_users</td><td>got 2, expected == 0 (fail)</td>" in text
    assert (
        "<td>07:00</td><td>&lt;script&gt;alert(1)&lt;/script&gt;</td>"
        "<td>got 5, expected &lt;= 1.5 (warn)</td>"
    ) in text
    assert "<script>" not in text and "next_day_check" not in text and "passes" not in text


def test_the_report_is_written_to_s3_as_the_workers(warehouse, dag, report_dag, aws, monkeypatch):
    """Through moto with IAM enforced, as the workers' identity (include/iam/workers-policy.json):
    the report lands under the prefix their policy names, and nowhere else."""
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", aws.aws_default)
    task, context = render_task(dag, "create_tables", hours_of(DAY)[0], "file:///unused")
    task.execute(context)
    folder = f"s3://{REPORTS_BUCKET}/{REPORTS_PREFIX}sparkify"
    build_report(report_dag, folder)
    s3 = aws.account.client("s3")
    listed = s3.list_objects_v2(Bucket=REPORTS_BUCKET, Prefix=f"{REPORTS_PREFIX}sparkify/")
    assert sorted(o["Key"] for o in listed["Contents"]) == [
        f"{REPORTS_PREFIX}sparkify/{DAY_KEY}/index.html",
        f"{REPORTS_PREFIX}sparkify/{DAY_KEY}/plays_by_hour.png",
    ]
    key = f"{REPORTS_PREFIX}sparkify/{DAY_KEY}/index.html"
    page = s3.get_object(Bucket=REPORTS_BUCKET, Key=key)["Body"].read()
    assert b"<tr><td>Plays</td><td>0</td></tr>" in page  # nothing loaded: a day of zeros
    with pytest.raises(PermissionError):
        build_report(report_dag, f"s3://{REPORTS_BUCKET}/outside-the-prefix")


@pytest.mark.parametrize(
    "key", ["2018-11-20T05:30:00", "2018-11-20 05:00:00", "2018-11-31", "x", "2018-11-20' OR 1=1"]
)
def test_a_partition_key_that_names_no_day_or_hour_is_refused(key):
    with pytest.raises(PipelineConfigError, match="neither a UTC day"):
        partition_interval(key)


def test_a_report_run_for_an_hour_is_refused_before_anything_is_written(
    warehouse, report_dag, tmp_path
):
    task, context = render_partition_task(
        report_dag, "write_report", "2018-11-20T05:00:00", sparkify_report_url=tmp_path.as_uri()
    )
    with pytest.raises(PipelineConfigError, match="needs one UTC day"):
        task.execute(context)
    assert list(tmp_path.iterdir()) == []


def test_each_report_task_names_what_it_read_and_wrote_for_lineage(
    warehouse, dag, report_dag, tmp_path
):
    """What the OpenLineage listener would send: the tables each SQL file names, and the
    page and chart the report writes (names only; tests/test_lineage.py checks whole events)."""
    task, context = render_task(dag, "create_tables", hours_of(DAY)[0], "file:///unused")
    task.execute(context)
    reports = tmp_path / "reports"
    sql = PROJECT / "include/sql/report"
    named = {f.stem: set(re.findall(r"table\('(\w+)'\)", f.read_text())) for f in sql.glob("*.sql")}
    page = [set(re.findall(r"table\('(\w+)'\)", f.read_text())) for f in sql.glob("page/*.sql")]
    page_reads = {"daily_plays", "daily_plays_by_hour", "daily_top_songs", "daily_top_artists"}
    assert set.union(*page) == page_reads | {"quality_results"}
    expected = {
        "create_report_tables": (set(), named["create_report_tables"]),
        **{f"build_{table}": (named[table], {table}) for table in named["create_report_tables"]},
        "write_report": (
            page_reads | {"quality_results"},
            {str(reports / DAY_KEY / "index.html"), str(reports / DAY_KEY / "plays_by_hour.png")},
        ),
    }
    found = {}
    for task in report_dag.topological_sort():
        task, context = render_partition_task(
            report_dag, task.task_id, DAY_KEY, sparkify_report_url=reports.as_uri()
        )
        task.execute(context)
        lineage = task.get_openlineage_facets_on_complete(None)
        found[task.task_id] = tuple(
            {d.name if d.namespace == "file" else d.name.rsplit(".", 1)[-1] for d in datasets}
            for datasets in (lineage.inputs, lineage.outputs)
        )
    assert page_reads == named["create_report_tables"]
    assert found == expected
