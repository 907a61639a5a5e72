"""A COPY that Redshift refuses, without a cluster: errors a person can act on.

The recording Redshift (tools/redshift_sql/recording.py) fails the COPY as Redshift does, with
"Load into table ... failed. Check 'sys_load_error_detail'", and answers the system views with
rows shaped as Redshift's. The stage must then fail at once (bad input: no retries), naming the
object, line, column, reason and value; a COPY that fails for any other reason, or whose
connection drops, keeps Airflow's retries.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import sqlglot
from airflow.sdk.exceptions import AirflowFailException
from sparkify.errors import SourceDataError
from sparkify.staging.redshift_copy.statement import RedshiftCopyError, RedshiftLoadError

from tests.conftest import PROJECT
from tests.support.s3_server import SECRET_KEY, aws_connection, empty_bucket, upload_to_bucket
from tests.support.shared_values import HOUR, REDSHIFT_CONNECTION
from tools.airflow_env import airflow_environment, migrate_metadata_db
from tools.redshift_sql.recording import Recording, columns_from_ddl, recording_redshift
from tools.task_runner import render_task, run_task

BUCKET = "sparkify-load-errors"
DAY_KEY = "log_data/2018/11/2018-11-15-events.json"
DAY_URL = f"s3://{BUCKET}/{DAY_KEY}"
# What SYS_LOAD_ERROR_DETAIL holds of a rejected line, and STL_LOAD_ERRORS beside it.
REJECTED = (DAY_URL, 17, "ts", "int8", 1207, "Invalid digit, Value 'n', Pos 0, Type: Long")
STL_ROW = (*REJECTED, "not-a-number")


@pytest.fixture
def stage_setup(dag, s3_endpoint, real_data, monkeypatch):
    """Redshift is the recording; S3 is moto holding the day file and the JSONPaths file."""
    monkeypatch.setenv("AIRFLOW_CONN_REDSHIFT", REDSHIFT_CONNECTION)
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", aws_connection(s3_endpoint))
    monkeypatch.setenv("AIRFLOW_CONN_AWS_REDSHIFT_COPY", aws_connection(s3_endpoint))
    s3 = upload_to_bucket(s3_endpoint, BUCKET, real_data, [DAY_KEY, "log_json_path.json"])
    tables = columns_from_ddl(render_task(dag, "create_tables", HOUR, "")[0].sql)
    yield tables
    empty_bucket(s3, BUCKET)


def stage_events(dag, recording: Recording):
    with recording_redshift(recording):
        return run_task(dag, "stage_events", HOUR, f"s3://{BUCKET}")


def sent(recording: Recording) -> list[str]:
    return [statement for _, statement in recording.statements]


def test_rejected_lines_fail_at_once_naming_object_line_column_reason_and_value(dag, stage_setup):
    recording = Recording(tables=stage_setup, rejected_lines=[REJECTED], stl_load_errors=[STL_ROW])
    with pytest.raises(RedshiftLoadError) as failure:
        stage_events(dag, recording)

    assert isinstance(failure.value, AirflowFailException)  # Airflow does not retry it
    message = str(failure.value)
    assert (
        f"- {DAY_URL}, line 17, column ts (int8): Invalid digit, Value 'n', Pos 0, Type: Long "
        "(error 1207); value 'not-a-number'"
    ) in message
    assert "Load into table 'staging_events' failed" in message
    assert "SECRET_ACCESS_KEY '***'" in message and SECRET_KEY not in message
    statements = sent(recording)
    copy = next(i for i, s in enumerate(statements) if s.startswith("COPY"))
    # The failed transaction is rolled back before the views are read, each in its own.
    lookups = statements[copy + 1 :]
    assert lookups[0] == "ROLLBACK"
    assert [
        s.split("FROM ")[1].split()[0] for s in lookups if s.startswith(("WITH", "SELECT"))
    ] == [
        "sys_load_error_detail",
        "stl_load_errors",
    ]
    for statement in lookups:
        if statement not in ("BEGIN", "ROLLBACK"):
            sqlglot.parse_one(statement, read="redshift")
    assert "COMMIT" not in statements


def test_an_earlier_session_with_the_same_process_id_is_not_this_copy(dag, stage_setup):
    """Redshift reuses process ids: what an older session left in the views under the same id
    is not this COPY's. A COPY that fails recording nothing keeps its retries, and one that
    rejects lines names its own lines only."""
    older = ("s3://other-bucket/old.json", 3, "song", "varchar", 1204, "String length exceeds")
    recording = Recording(tables=stage_setup, fail_on="COPY", earlier_rejections=[older])
    with pytest.raises(RedshiftCopyError) as failure:
        stage_events(dag, recording)
    assert not isinstance(failure.value, AirflowFailException)
    assert "old.json" not in str(failure.value)

    recording = Recording(
        tables=stage_setup,
        rejected_lines=[REJECTED],
        stl_load_errors=[STL_ROW],
        earlier_rejections=[older],
    )
    with pytest.raises(RedshiftLoadError) as failure:
        stage_events(dag, recording)
    message = str(failure.value)
    assert (
        f"- {DAY_URL}, line 17, column ts (int8)" in message and "value 'not-a-number'" in message
    )
    assert "old.json" not in message and "earlier session" not in message


def test_the_copy_start_is_read_in_its_transaction_before_it(dag, stage_setup):
    """After the failed COPY nothing can be read in its transaction, and pg_last_copy_id() is
    not updated for a COPY that is rolled back: the bound is read first, next to the COPY."""
    recording = Recording(tables=stage_setup, rejected_lines=[REJECTED], stl_load_errors=[STL_ROW])
    with pytest.raises(RedshiftLoadError):
        stage_events(dag, recording)
    statements = sent(recording)
    copy = next(i for i, s in enumerate(statements) if s.startswith("COPY"))
    assert statements[copy - 1] == "SELECT SYSDATE"
    assert "BEGIN" in statements[:copy] and "ROLLBACK" not in statements[:copy]
    assert not any("pg_last_copy_id" in s for s in statements)
    lookups = [s for s in statements[copy:] if "_load_error" in s]
    assert len(lookups) == 2
    for lookup in lookups:
        assert "pg_backend_pid()" in lookup and "'2026-12-07 12:00:00.250000'" in lookup


def test_on_serverless_the_detail_comes_from_sys_load_error_detail_alone(dag, stage_setup):
    """STL_LOAD_ERRORS does not exist on Serverless: the error still names the line."""
    recording = Recording(tables=stage_setup, rejected_lines=[REJECTED], stl_load_errors=None)
    with pytest.raises(RedshiftLoadError) as failure:
        stage_events(dag, recording)
    message = str(failure.value)
    assert f"- {DAY_URL}, line 17, column ts (int8): Invalid digit" in message
    assert "value '" not in message


def test_a_connection_dropped_mid_copy_keeps_its_retries(dag, stage_setup):
    recording = Recording(tables=stage_setup, drop_connection_on="COPY")
    with pytest.raises(RedshiftCopyError) as failure:
        stage_events(dag, recording)
    assert not isinstance(failure.value, AirflowFailException)
    assert "BrokenPipe" in str(failure.value)
    assert "could not be read" in str(failure.value)
    assert SECRET_KEY not in str(failure.value)


def test_a_failure_redshift_did_not_record_as_bad_input_keeps_its_retries(dag, stage_setup):
    recording = Recording(tables=stage_setup, fail_on="COPY", rejected_lines=[])
    with pytest.raises(RedshiftCopyError) as failure:
        stage_events(dag, recording)
    assert not isinstance(failure.value, AirflowFailException)
    assert "SECRET_ACCESS_KEY '***'" in str(failure.value)
    assert any("sys_load_error_detail" in s for s in sent(recording))


def test_a_copy_of_no_rows_from_a_non_empty_object_fails(dag, stage_setup, real_data):
    recording = Recording(tables=stage_setup, copy_rows=0)
    size = (real_data / DAY_KEY).stat().st_size
    with pytest.raises(SourceDataError, match=f"{DAY_URL} loaded 0 rows from {size} bytes"):
        stage_events(dag, recording)
    assert "COMMIT" not in sent(recording)


RUN_THE_DAG = """
import json, os, sys
from tools.redshift_sql.recording import Recording, recording_redshift
from airflow.dag_processing.dagbag import DagBag
import pendulum

dag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"]).dags["sparkify_etl"]
tables, rejected, logical_date = json.loads(sys.argv[1])
recording = Recording(tables=tables, rejected_lines=[tuple(rejected)])
with recording_redshift(recording):
    run = dag.test(logical_date=pendulum.parse(logical_date))
ti = next(ti for ti in run.get_task_instances() if ti.task_id == "stage_events")
print(json.dumps({"run": run.state, "state": ti.state, "try_number": ti.try_number,
                  "max_tries": ti.max_tries}))
"""


@pytest.mark.slow
def test_through_airflow_the_task_fails_once_and_at_once(
    dag, tmp_path, s3_endpoint, real_data, monkeypatch
):
    """A whole DAG run (``dag.test()``, with the DAG's own retry policy): the stage fails on its
    first try and is not retried."""
    monkeypatch.setenv("AIRFLOW_CONN_REDSHIFT", REDSHIFT_CONNECTION)
    keys = [DAY_KEY, "log_json_path.json"]
    keys += [str(p.relative_to(real_data)) for p in (real_data / "song_data").rglob("*.json")]
    s3 = upload_to_bucket(s3_endpoint, BUCKET, real_data, keys)
    tables = columns_from_ddl(render_task(dag, "create_tables", HOUR, "")[0].sql)
    arguments = json.dumps([tables, REJECTED, "2018-11-15T14:00:00+00:00"])
    try:
        env = airflow_environment(tmp_path / "airflow", REDSHIFT_CONNECTION, f"s3://{BUCKET}")
        env["AIRFLOW_CONN_AWS_DEFAULT"] = aws_connection(s3_endpoint)
        env["AIRFLOW_CONN_AWS_REDSHIFT_COPY"] = aws_connection(s3_endpoint)
        migrate_metadata_db(env)
        result = subprocess.run(
            [sys.executable, "-c", RUN_THE_DAG, arguments],
            env={**env, "PYTHONPATH": os.pathsep.join([str(PROJECT), str(PROJECT / "plugins")])},
            cwd=PROJECT,
            capture_output=True,
            text=True,
            timeout=240,  # a retry would wait the DAG's 5 minutes
        )
    finally:
        empty_bucket(s3, BUCKET)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome == {"run": "failed", "state": "failed", "try_number": 1, "max_tries": 3}
