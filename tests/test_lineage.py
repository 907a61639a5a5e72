"""OpenLineage events of real runs (``airflow dags test`` and ``airflow tasks test``, the
provider's listener writing to the file transport): every event validates against the spec's
schemas, and each task names what it read and wrote, with counts from the raw JSON."""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from pathlib import Path

import pytest
import yaml
from airflow.models.connection import Connection
from sparkify.lineage import object_dataset, warehouse_namespace
from sparkify.warehouse import Warehouse

from tests.conftest import PROJECT
from tests.support.dags_test import dags_test
from tests.support.openlineage_schema import event_errors
from tests.support.raw_counts import expected_warehouse
from tests.support.shared_values import HOUR
from tests.support.warehouse_db import WarehouseDb
from tools.airflow_env import AIRFLOW, airflow_environment, migrate_metadata_db
from tools.local_warehouse import airflow_connection, drop_database, recreate_database

pytestmark = pytest.mark.slow  # airflow dags test of a run, with OpenLineage: not in make check

LOGICAL_DATE = "2018-11-15T14:00:00+00:00"  # loads [13:00, 14:00)
DAY_FILE = "log_data/2018/11/2018-11-15-events.json"
CHECKS = yaml.safe_load((PROJECT / "include/quality_checks.yml").read_text())


class Run:
    """A home, a warehouse and the events the OpenLineage file transport wrote."""

    def __init__(self, tmp: Path, pg_admin_url: str, real_data: Path) -> None:
        self.db_name = f"sparkify_lineage_{uuid.uuid4().hex[:8]}"
        self.url = recreate_database(pg_admin_url, self.db_name)
        self.db = WarehouseDb(self.url)
        self.events_file = tmp / "openlineage.jsonl"
        self.env = airflow_environment(
            tmp / "home", airflow_connection(self.url), real_data.as_uri()
        )
        self.env["AIRFLOW__OPENLINEAGE__NAMESPACE"] = "sparkify-test"
        self.env["AIRFLOW__OPENLINEAGE__TRANSPORT"] = json.dumps(
            {"type": "file", "log_file_path": str(self.events_file), "append": True}
        )
        migrate_metadata_db(self.env)

    def events(self) -> list[dict]:
        lines = self.events_file.read_text().splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def task_events(self, task_id: str, event_type: str) -> list[dict]:
        return [
            e
            for e in self.events()
            if e["job"]["name"] == f"sparkify_etl.{task_id}" and e["eventType"] == event_type
        ]

    def table(self, name: str) -> tuple[str, str]:
        connection = json.loads(self.env["AIRFLOW_CONN_REDSHIFT"])
        namespace = f"postgres://{connection['host']}:{connection['port']}"
        return (namespace, f"{self.db_name}.public.{name}")


@pytest.fixture(scope="module")
def run(tmp_path_factory, pg_admin_url, real_data):
    """One hour loaded by ``airflow dags test``, with OpenLineage on."""
    run = Run(tmp_path_factory.mktemp("lineage"), pg_admin_url, real_data)
    result = dags_test(run.env, LOGICAL_DATE)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    yield run
    drop_database(pg_admin_url, run.db_name)


def names(datasets: list[dict]) -> set[tuple[str, str]]:
    return {(d["namespace"], d["name"]) for d in datasets}


def by_table(datasets: list[dict]) -> dict[str, dict]:
    return {d["name"].rsplit(".", 1)[-1]: d for d in datasets}


def tables_named(sql: str) -> set[str]:
    """The tables a template names with table(), read off its text."""
    return set(re.findall(r"table\('(\w+)'\)", sql))


def test_every_event_of_the_run_validates_against_the_spec(run, dag):
    events = run.events()
    for task_id in dag.task_ids:  # one START and one COMPLETE per task
        types = [e["eventType"] for e in events if e["job"]["name"] == f"sparkify_etl.{task_id}"]
        assert sorted(types) == ["COMPLETE", "START"], task_id
    assert len(events) > 2 * len(dag.task_ids)  # and the DAG run's own
    for event in events:
        assert event_errors(event) == [], event["job"]["name"]


def test_each_task_names_what_it_read_and_wrote(run, real_data):
    file = lambda key: ("file", str(real_data / key))  # noqa: E731
    table = run.table
    all_tables = [t for (t,) in run.db.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    )]  # fmt: skip
    quality_inputs = set().union(*(tables_named(check["sql"]) for check in CHECKS))
    expected = {
        "create_tables": (set(), {table(t) for t in all_tables}),
        "stage_events": (
            {file(DAY_FILE), file("log_json_path.json")},
            {table("staging_events")},
        ),
        "stage_songs": ({file("song_data")}, {table("staging_songs")}),
        "load_songplays_fact": (
            {table("staging_events"), table("staging_songs")},
            {table("songplays"), table("loaded_intervals")},
        ),
        "load_user_dim": ({table("staging_events"), table("users")}, {table("users")}),
        "load_song_dim": ({table("staging_songs")}, {table("songs")}),
        "load_artist_dim": ({table("staging_songs")}, {table("artists")}),
        "load_time_dim": ({table("songplays")}, {table("time")}),
        "run_quality_checks": ({table(t) for t in quality_inputs}, {table("quality_results")}),
    }
    assert len(all_tables) == 11
    for task_id, (inputs, outputs) in expected.items():
        for event_type in ("START", "COMPLETE"):
            (event,) = run.task_events(task_id, event_type)
            assert names(event["inputs"]) == inputs, (task_id, event_type)
            assert names(event["outputs"]) == outputs, (task_id, event_type)


def test_outputs_carry_the_rows_written_and_every_table_its_columns(run, real_data):
    expected = expected_warehouse(real_data, [HOUR])
    day_lines = [line for line in (real_data / DAY_FILE).read_text().splitlines() if line.strip()]
    rows_written = {
        ("stage_events", "staging_events"): len(day_lines),
        ("stage_songs", "staging_songs"): len(list((real_data / "song_data").rglob("*.json"))),
        ("load_songplays_fact", "songplays"): expected.songplays,
        ("load_user_dim", "users"): expected.users,
        ("load_song_dim", "songs"): expected.songs,
        ("load_artist_dim", "artists"): expected.artists,
        ("load_time_dim", "time"): expected.time,
    }
    assert expected.songplays > 0
    for (task_id, table), rows in rows_written.items():
        (event,) = run.task_events(task_id, "COMPLETE")
        output = by_table(event["outputs"])[table]
        assert output["outputFacets"]["outputStatistics"]["rowCount"] == rows, task_id

    columns = {}
    for table, column, data_type in run.db.query(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"
    ):
        columns.setdefault(table, []).append({"name": column, "type": data_type})
    for event in run.events():
        if event["job"]["name"] == "sparkify_etl.create_tables" and event["eventType"] == "START":
            continue  # the tables do not exist yet: no columns to tell
        for dataset in event["inputs"] + event["outputs"]:
            if dataset["namespace"].startswith("postgres://"):
                table = dataset["name"].rsplit(".", 1)[-1]
                fields = dataset["facets"]["schema"]["fields"]
                assert [{"name": f["name"], "type": f["type"]} for f in fields] == columns[table]


def test_quality_checks_are_assertions_on_the_tables_they_read(run):
    (event,) = run.task_events("run_quality_checks", "COMPLETE")
    assertions = {
        table: {a["assertion"]: a for a in d["inputFacets"]["dataQualityAssertions"]["assertions"]}
        for table, d in by_table(event["inputs"]).items()
    }
    for check in CHECKS:
        on = {table for table, found in assertions.items() if check["name"] in found}
        assert on == tables_named(check["sql"]), check["name"]
        for table in on:
            assertion = assertions[table][check["name"]]
            assert assertion["success"] is True
            # The one templated on_failure renders to its default, warn (no Variable set).
            severity = "warning" if "warn" in check.get("on_failure", "fail") else "error"
            assert assertion["severity"] == severity
            assert assertion["contentType"] == "sql"
            assert "{{" not in assertion["content"]  # the SQL as it ran, rendered
    # Every assertion belongs to a check: none made up, none repeated on a table.
    assert {n for found in assertions.values() for n in found} == {c["name"] for c in CHECKS}


def test_failed_checks_are_failed_assertions_in_the_fail_event(run):
    """An extra songplay of a user who does not exist makes two checks fail (one more play
    than staged, a user missing); the FAIL event says which, on the tables each reads."""
    run.db.execute(
        "INSERT INTO songplays (songplay_id, start_time, user_id, level, session_id) "
        "SELECT 'orphan', MIN(start_time), 'nobody', 'free', -1 FROM songplays "
        "WHERE start_time >= '2018-11-15 13:00' AND start_time < '2018-11-15 14:00'"
    )
    env = {**run.env, "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(
        {"type": "file", "log_file_path": str(run.events_file.with_name("failed.jsonl")),
         "append": True}
    )}  # fmt: skip
    result = subprocess.run(
        [AIRFLOW, "tasks", "test", "sparkify_etl", "run_quality_checks", LOGICAL_DATE],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    # `tasks test` exits 0 whatever the task did: the log says it failed.
    assert "QualityChecksFailed: 2 of 10 quality check(s) failed" in result.stdout + result.stderr
    lines = run.events_file.with_name("failed.jsonl").read_text().splitlines()
    (event,) = [e for e in map(json.loads, lines) if e["eventType"] == "FAIL"]
    assert event["job"]["name"] == "sparkify_etl.run_quality_checks"
    assert event_errors(event) == []
    failed = {
        (table, a["assertion"])
        for table, d in by_table(event["inputs"]).items()
        for a in d["inputFacets"]["dataQualityAssertions"]["assertions"]
        if not a["success"]
    }
    assert failed == {
        ("songplays", "songplays_match_staged_plays"),
        ("staging_events", "songplays_match_staged_plays"),
        ("songplays", "songplays_users_exist"),
        ("users", "songplays_users_exist"),
    }
    (orphans,) = [
        a for d in event["inputs"]
        for a in d["inputFacets"]["dataQualityAssertions"]["assertions"]
        if a["assertion"] == "songplays_users_exist"
    ][:1]  # fmt: skip
    assert (orphans["actual"], orphans["expected"]) == ("1", "== 0")


def test_the_validator_rejects_what_breaks_the_spec(run):
    """The schemas are not vacuous: each of these edits of a valid event is an error."""
    (event,) = run.task_events("run_quality_checks", "COMPLETE")
    assert event_errors(event) == []
    breakages = {
        "run/runId": lambda e: e["run"].update(runId="not-a-uuid"),
        "job": lambda e: e["job"].pop("namespace"),
        "eventTime": lambda e: e.update(eventTime="2018-11-15"),
        "dataQualityAssertions/assertions/0/success": lambda e: e["inputs"][0]["inputFacets"][
            "dataQualityAssertions"
        ]["assertions"][0].update(success="yes"),
        "schema/fields/0": lambda e: e["inputs"][0]["facets"]["schema"]["fields"][0].pop("name"),
        "nominalTime": lambda e: e["run"]["facets"]["nominalTime"].pop("nominalStartTime"),
        "no schema is known": lambda e: e["run"]["facets"]["airflow"].update(
            _schemaURL="https://example.com/Unknown.json#/$defs/Unknown"
        ),
    }
    for where, breakage in breakages.items():
        broken = json.loads(json.dumps(event))
        breakage(broken)
        errors = event_errors(broken)
        assert any(where in error for error in errors), (where, errors)


@pytest.mark.parametrize(
    ("uri", "extra", "namespace"),
    [
        ("postgres://u:p@warehouse:5433/sparkify", {}, "postgres://warehouse:5433"),
        (
            "redshift://u:p@sparkify-dwh.abc123xyz.us-west-2.redshift.amazonaws.com:5439/dev",
            {},
            "redshift://sparkify-dwh.us-west-2:5439",
        ),
        (
            "redshift://awsuser@/dev",
            {"data_api": True, "cluster_identifier": "sparkify-dwh", "region": "us-west-2"},
            "redshift://sparkify-dwh.us-west-2:5439",
        ),
        (
            "redshift://@/dev",
            {
                "data_api": True,
                "is_serverless": True,
                "serverless_work_group": "sparkify",
                "region": "eu-central-1",
            },  # fmt: skip
            "redshift://sparkify.eu-central-1:5439",
        ),
    ],
)
def test_the_warehouse_is_named_as_the_providers_name_it(monkeypatch, uri, extra, namespace):
    connection = Connection(conn_id="lineage_test", uri=uri)
    connection.set_extra(json.dumps(extra))
    monkeypatch.setenv("AIRFLOW_CONN_LINEAGE_TEST", connection.as_json())
    assert warehouse_namespace(Warehouse.from_connection("lineage_test")) == namespace


@pytest.mark.parametrize(
    ("root", "key", "dataset"),
    [
        ("s3://udacity-dend", DAY_FILE, ("s3://udacity-dend", DAY_FILE)),
        ("s3://bucket/sparkify/", "song_data/", ("s3://bucket", "sparkify/song_data")),
        (
            "file:///data/sparkify",
            "log_json_path.json",
            ("file", "/data/sparkify/log_json_path.json"),
        ),  # noqa: E501
        (
            "file:///tmp/reports",
            "2018-11-21/index.html",
            ("file", "/tmp/reports/2018-11-21/index.html"),
        ),  # noqa: E501
    ],
)
def test_objects_are_named_by_their_bucket_or_path(root, key, dataset):
    named = object_dataset(root, key)
    assert (named.namespace, named.name) == dataset
