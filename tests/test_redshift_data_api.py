"""The pipeline over the Redshift Data API, provisioned and Serverless, without AWS.

The Data API's client is a recording stand-in (tools/redshift_sql/data_api_recording.py) that checks
every call, and each of its own answers, against botocore's service model, keeps a session's
transaction and temporary tables across calls, and runs each session's statements on the
recording Redshift of tools/redshift_sql/recording.py. What is checked is what would be sent: the
same statements as over the driver, in the same transactions, each task in one session.
"""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest
import sqlglot
from airflow.models.connection import Connection
from airflow.providers.common.sql.hooks.sql import DbApiHook
from sparkify.aws_identities import policy_document
from sparkify.errors import PipelineConfigError
from sparkify.staging.redshift_copy.statement import RedshiftLoadError
from sparkify.warehouse.data_api import (
    DataApiConnection,
    DataApiStatementError,
    DataApiTarget,
    named_parameters,
)

from tests.conftest import PROJECT
from tests.support.dry_run import redshift_sql_output
from tests.support.policy_check import allows
from tests.support.s3_server import aws_connection
from tests.support.shared_values import HOUR, REDSHIFT_DRIVER, ROLE_ARN
from tools.redshift_sql.data_api_recording import recording_data_api
from tools.redshift_sql.dry_run import assume_objects_exist, record_hour
from tools.redshift_sql.recording import Recording, columns_from_ddl
from tools.task_runner import render_task, run_task

SOURCE = "s3://sparkify-data-api"
AWS_ROLE = json.dumps(
    {"conn_type": "aws", "extra": {"role_arn": ROLE_ARN, "region_name": "us-west-2"}}
)
# The Data API caller: keys that go nowhere (the recording client stands in for the API).
DATA_API_CALLER = json.dumps(
    {"conn_type": "aws", "login": "AKIADATAAPICALLER", "password": "not-used"}
)
DRIVER = REDSHIFT_DRIVER
CLUSTER = {
    "conn_type": "redshift",
    "login": "sparkify",
    "schema": "dev",
    "extra": {"data_api": True, "cluster_identifier": "sparkify", "region": "us-west-2"},
}
SERVERLESS = {
    "conn_type": "redshift",
    "schema": "dev",
    "extra": {
        "data_api": True,
        "is_serverless": True,
        "serverless_work_group": "sparkify",
        "region": "us-west-2",
        "session_keep_alive_seconds": 120,
    },
}
LOCK = re.compile(r'LOCK "[a-z_]+"')


def use_identities(monkeypatch) -> None:
    """The COPY role's connection and the Data API caller's."""
    monkeypatch.setenv("AIRFLOW_CONN_AWS_REDSHIFT_COPY", AWS_ROLE)
    monkeypatch.setenv("AIRFLOW_CONN_AWS_REDSHIFT_DATA", DATA_API_CALLER)


def record(dag, monkeypatch, connection: dict) -> Recording:
    monkeypatch.setenv("AIRFLOW_CONN_REDSHIFT", json.dumps(connection))
    use_identities(monkeypatch)
    with assume_objects_exist():
        return record_hour(dag, HOUR, SOURCE)


@pytest.fixture(scope="module")
def over_the_driver(dag):
    with pytest.MonkeyPatch.context() as monkeypatch:
        return record(dag, monkeypatch, DRIVER)


@pytest.fixture(scope="module", params=["cluster", "serverless"])
def over_the_data_api(request, dag):
    with pytest.MonkeyPatch.context() as monkeypatch:
        connection = CLUSTER if request.param == "cluster" else SERVERLESS
        return request.param, record(dag, monkeypatch, connection)


def test_the_data_api_sends_the_drivers_statements_in_the_same_transactions(
    over_the_driver, over_the_data_api
):
    """Same operators, same SQL: BEGIN, LOCK, reads, writes, COMMIT, task by task."""
    _, recording = over_the_data_api
    assert over_the_driver.data_api_calls == []
    assert recording.statements == over_the_driver.statements
    assert len(recording.statements) > 60


def test_each_transaction_runs_in_a_session_the_task_opens_for_it(over_the_data_api):
    """A session per connection the task opens (a load: one; the checks: a read-only one, then
    one that records their results), opened by its first call, shared with no other task."""
    kind, recording = over_the_data_api
    calls = recording.data_api_calls
    tasks = list(dict.fromkeys(call.task_id for call in calls))
    assert len(tasks) >= 8
    owners: dict[int, str] = {}
    for task in tasks:
        own = [call for call in calls if call.task_id == task]
        for session in dict.fromkeys(call.session for call in own):
            in_session = [call for call in own if call.session == session]
            assert [c.opened_session for c in in_session] == [True] + [False] * (
                len(in_session) - 1
            ), (task, session)
            assert owners.setdefault(session, task) == task
    loads = [t for t in tasks if t.startswith(("stage_", "load_"))]
    assert all(len({c.session for c in calls if c.task_id == t}) == 1 for t in loads)


def test_the_opening_call_names_the_cluster_or_the_workgroup_and_nothing_else_does(
    dag, monkeypatch
):
    for connection, expected in [
        (
            CLUSTER,
            {
                "ClusterIdentifier": "sparkify",
                "Database": "dev",
                "DbUser": "sparkify",
                "SessionKeepAliveSeconds": 60,
            },
        ),
        (
            SERVERLESS,
            {"WorkgroupName": "sparkify", "Database": "dev", "SessionKeepAliveSeconds": 120},
        ),
    ]:
        monkeypatch.setenv("AIRFLOW_CONN_REDSHIFT", json.dumps(connection))
        use_identities(monkeypatch)
        recording = Recording(
            tables=columns_from_ddl(render_task(dag, "create_tables", HOUR, "")[0].sql)
        )
        with assume_objects_exist(), recording_data_api(recording) as client:
            recording.task_id = "stage_events"
            run_task(dag, "stage_events", HOUR, SOURCE)
        assert len(client.opened) == 1
        opened = {k: v for k, v in client.opened[0].items() if k not in ("Sql", "Parameters")}
        assert opened == expected


def test_the_ddl_is_one_batch_which_is_one_transaction(dag, over_the_data_api, monkeypatch):
    _, recording = over_the_data_api
    monkeypatch.setenv("AIRFLOW_CONN_REDSHIFT", json.dumps(CLUSTER))
    (batch,) = [c for c in recording.data_api_calls if c.task_id == "create_tables"]
    assert batch.operation == "BatchExecuteStatement" and batch.opened_session
    ddl = render_task(dag, "create_tables", HOUR, SOURCE)[0].sql
    assert batch.sqls == DbApiHook.split_sql_string(ddl, strip_semicolon=True)
    assert all(s.startswith("CREATE TABLE IF NOT EXISTS") for s in batch.sqls)
    others = [c for c in recording.data_api_calls if c.task_id != "create_tables"]
    assert {c.operation for c in others} == {"ExecuteStatement"}


def test_every_statement_as_sent_parses_as_redshift_sql(over_the_data_api):
    """Placeholders (:p1) included; LOCK, which sqlglot has no grammar for, by its form."""
    _, recording = over_the_data_api
    for call in recording.data_api_calls:
        for sql in call.sqls:
            if sql.startswith("LOCK "):
                assert LOCK.fullmatch(sql), sql
                continue
            parsed = sqlglot.parse(sql, read="redshift")
            assert parsed and not any(isinstance(p, sqlglot.exp.Command) for p in parsed), sql
        used = set(re.findall(r":(p\d+)\b", " ".join(call.sqls)))
        assert used == {p["name"] for p in call.parameters}


def test_a_failed_statement_rolls_the_whole_load_back_in_its_session(dag, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_REDSHIFT", json.dumps(SERVERLESS))
    use_identities(monkeypatch)
    recording = Recording(
        tables=columns_from_ddl(render_task(dag, "create_tables", HOUR, "")[0].sql),
        fail_on='INSERT INTO "songplays"',
    )
    with recording_data_api(recording):
        recording.task_id = "load_songplays_fact"
        with pytest.raises(DataApiStatementError, match="FAILED: ERROR: error from the recording"):
            run_task(dag, "load_songplays_fact", HOUR, SOURCE)
    sent = [s for _, s in recording.statements]
    assert sent[0] == "BEGIN" and sent[1] == 'LOCK "songplays"'
    assert sent[-1] == "ROLLBACK" and "COMMIT" not in sent
    assert any(s.startswith('DELETE FROM "songplays"') for s in sent)  # undone by the rollback
    assert len({c.session for c in recording.data_api_calls}) == 1


def test_a_rejected_copy_names_its_lines_read_in_the_copys_own_session(dag, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_REDSHIFT", json.dumps(CLUSTER))
    use_identities(monkeypatch)
    day_url = f"{SOURCE}/log_data/2018/11/2018-11-15-events.json"
    rejected = (day_url, 17, "ts", "int8", 1207, "Invalid digit, Value 'n', Pos 0, Type: Long")
    recording = Recording(
        tables=columns_from_ddl(render_task(dag, "create_tables", HOUR, "")[0].sql),
        rejected_lines=[rejected],
        stl_load_errors=[(*rejected, "not-a-number")],
    )
    with assume_objects_exist(), recording_data_api(recording):
        recording.task_id = "stage_events"
        with pytest.raises(RedshiftLoadError) as failure:
            run_task(dag, "stage_events", HOUR, SOURCE)
    message = str(failure.value)
    assert f"{day_url}, line 17, column ts (int8): Invalid digit" in message
    assert "value 'not-a-number'" in message
    assert ROLE_ARN not in message and "IAM_ROLE '***'" in message
    sessions = {c.session for c in recording.data_api_calls}
    assert len(sessions) == 1  # the views were read where pg_backend_pid() is the COPY's
    assert any("sys_load_error_detail" in c.sqls[0] for c in recording.data_api_calls)


def test_results_are_read_page_by_page(dag, monkeypatch):
    """information_schema answers 19 columns; one row per page must still give all 19."""
    monkeypatch.setenv("AIRFLOW_CONN_REDSHIFT", json.dumps(CLUSTER))
    use_identities(monkeypatch)
    tables = columns_from_ddl(render_task(dag, "create_tables", HOUR, "")[0].sql)
    recording = Recording(tables=tables)
    with assume_objects_exist(), recording_data_api(recording, page_size=1):
        recording.task_id = "stage_events"
        run_task(dag, "stage_events", HOUR, SOURCE)
    (copy,) = [s for _, s in recording.statements if s.startswith("COPY ")]
    assert copy.count('", "') + 1 == len(tables["staging_events"]) - 1  # all but source_key


def test_parameters_become_named_and_none_becomes_null():
    assert named_parameters("SELECT 1", None) == ("SELECT 1", [])
    assert named_parameters("a = %s AND b = COALESCE(%s, c) AND d = %s", ["x'y", None, 3]) == (
        "a = :p1 AND b = COALESCE(NULL, c) AND d = :p2",
        [{"name": "p1", "value": "x'y"}, {"name": "p2", "value": "3"}],
    )
    with pytest.raises(ValueError, match="2 parameter"):
        named_parameters("a = %s", [1, 2])


def test_booleans_go_as_the_data_api_guide_writes_them():
    """``true`` and ``false``, not Python's ``True``; and a bool is not taken for the int it is."""
    assert named_parameters("passed = %s OR passed = %s OR n = %s", [True, False, 1])[1] == [
        {"name": "p1", "value": "true"},
        {"name": "p2", "value": "false"},
        {"name": "p3", "value": "1"},
    ]


def test_a_missing_caller_connection_is_named_with_what_to_do(monkeypatch):
    """Without aws_redshift_data the provider would fall back to whatever credentials the
    worker has; the pipeline refuses instead, naming the connection and its policy."""
    monkeypatch.delenv("AIRFLOW_CONN_AWS_REDSHIFT_DATA", raising=False)
    target = DataApiTarget(database="dev", cluster_identifier="sparkify", db_user="sparkify")
    with pytest.raises(PipelineConfigError) as refused:
        DataApiConnection(target)
    message = str(refused.value)
    assert "'aws_redshift_data' is not set" in message
    assert "include/iam/data-api-cluster-policy.json" in message and "aws_conn_id" in message


@pytest.mark.parametrize(
    "extra, error",
    [
        ({"data_api": True}, "cluster_identifier"),
        (
            {
                "data_api": True,
                "cluster_identifier": "a",
                "is_serverless": True,
                "serverless_work_group": "b",
            },
            "either",
        ),
        (
            {"data_api": True, "cluster_identifier": "a", "session_keep_alive_seconds": 0},
            "1..86400",
        ),
    ],
)
def test_a_data_api_connection_must_name_one_target(extra, error):
    connection = Connection(conn_id="redshift", conn_type="redshift", schema="dev", extra=extra)
    with pytest.raises(PipelineConfigError, match=error):
        DataApiTarget.from_connection(connection)


def test_moto_accepts_the_opening_call_as_sent(s3_endpoint, monkeypatch):
    """moto's redshift-data, reached through the provider's hook and the aws connection, keeps
    the statement and parameters as sent (its statements never finish, so no more is asked)."""
    monkeypatch.setenv("AIRFLOW_CONN_AWS_REDSHIFT_DATA", aws_connection(s3_endpoint))
    target = DataApiTarget.from_connection(
        Connection(
            conn_id="redshift",
            **{k: v for k, v in CLUSTER.items() if k != "extra"},
            extra=json.dumps(CLUSTER["extra"]),
        )
    )
    connection = DataApiConnection(target)
    request = connection.request("SELECT %s AS answer", [42])
    started = connection.client.execute_statement(**request)
    described = connection.client.describe_statement(Id=started["Id"])
    assert described["QueryString"] == "SELECT :p1 AS answer"
    assert described["QueryParameters"] == [{"name": "p1", "value": "42"}]
    assert (described["ClusterIdentifier"], described["Database"], described["DbUser"]) == (
        "sparkify",
        "dev",
        "sparkify",
    )


@pytest.fixture(scope="module")
def printed_calls() -> str:
    """What ``make redshift-sql`` prints for the Data API, with no connection configured."""
    return redshift_sql_output("--data-api")


def test_make_redshift_sql_prints_the_data_api_calls(printed_calls):
    assert printed_calls.startswith("-- sparkify_etl over the Redshift Data API")
    assert (
        "-- task create_tables: BatchExecuteStatement (one transaction), session 1" in printed_calls
    )
    assert "IAM_ROLE '***'" in printed_calls and "arn:aws:iam" not in printed_calls
    assert printed_calls.count("\nBEGIN;") == printed_calls.count("\nCOMMIT;") >= 7


def test_the_docs_show_the_data_api_calls(printed_calls):
    """docs/redshift-data-api-calls.sql is generated: make redshift-sql's second half."""
    assert (PROJECT / "docs" / "redshift-data-api-calls.sql").read_text() == printed_calls


def make_redshift_sql(connection: dict | str) -> subprocess.CompletedProcess:
    """``make redshift-sql`` as a user about to go live runs it: with their own connection."""
    text = connection if isinstance(connection, str) else json.dumps(connection)
    return subprocess.run(
        ["make", "--no-print-directory", "redshift-sql", "AT=2018-11-15T13:00"],
        cwd=PROJECT,
        env={"PATH": os.environ["PATH"], "HOME": "/tmp", "AIRFLOW_CONN_REDSHIFT": text},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_make_redshift_sql_lists_both_ways_from_ones_own_driver_connection():
    result = make_redshift_sql(DRIVER)
    assert result.returncode == 0, result.stderr[-3000:]
    driver, data_api = result.stdout.split("\n-- connection redshift is a driver connection; ")
    assert driver.startswith("-- sparkify_etl: the statements sent to Redshift")
    note, calls = data_api.split("\n", 1)
    assert '"cluster_identifier": "sparkify"' in note and '"region": "us-west-2"' in note
    assert calls.startswith("-- sparkify_etl over the Redshift Data API")
    assert "session 1" in calls and "-- task" not in note


@pytest.mark.slow
def test_make_redshift_sql_lists_both_ways_from_ones_own_data_api_connection():
    result = make_redshift_sql(SERVERLESS)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "-- connection redshift is a Data API connection; listed as the same warehouse" in (
        result.stdout
    )
    assert "sparkify.<account>.us-west-2.redshift-serverless.amazonaws.com" in result.stdout
    assert "-- sparkify_etl over the Redshift Data API" in result.stdout


@pytest.mark.slow
def test_make_redshift_sql_says_which_half_it_skips_and_why():
    """A driver connection whose host is no Redshift endpoint (a tunnel, an alias) names no
    cluster: the Data API half says so and the command still succeeds."""
    result = make_redshift_sql("redshift://sparkify:secret@localhost:5439/dev")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "-- skipped: the Data API calls, because" in result.stdout
    assert "'localhost' is not a Redshift endpoint" in result.stdout
    assert "secret" not in result.stdout + result.stderr


def data_api_policy(kind: str) -> str:
    """The Data API caller's policy for this file's cluster or workgroup, with the caller's
    user id where IAM puts it (``${aws:userid}``, resolved by IAM per request)."""
    values = {"region": "us-west-2", "account_id": ACCOUNT, "database": "dev"}
    if kind == "cluster":
        document = policy_document(
            "data-api-cluster-policy.json", cluster_id="sparkify", db_user="sparkify", **values
        )
    else:
        document = policy_document(
            "data-api-serverless-policy.json", workgroup_id=WORKGROUP_ID, **values
        )
    return document.replace("${aws:userid}", CALLER_USER_ID)


ACCOUNT = "123456789012"
WORKGROUP_ID = "0f0e0d0c-aaaa-bbbb-cccc-000000000001"
CALLER_USER_ID = "AIDADATAAPICALLER0001"


def test_every_call_is_one_the_data_api_policy_allows(over_the_data_api):
    """moto cannot run a Data API session, so each operation the run called, and the
    credentials the Data API gets on the caller's behalf, are checked against the policy:
    allowed for this warehouse and the caller's own statements; refused for another cluster,
    workgroup, database user or caller."""
    kind, recording = over_the_data_api
    policy = data_api_policy(kind)
    operations = recording.data_api_operations
    assert {"ExecuteStatement", "BatchExecuteStatement", "DescribeStatement"} <= operations
    assert "GetStatementResult" in operations
    region = f"arn:aws:redshift:us-west-2:{ACCOUNT}"
    if kind == "cluster":
        target, elsewhere = f"{region}:cluster:sparkify", f"{region}:cluster:another"
        credentials = [
            ("redshift:GetClusterCredentials", f"{region}:dbuser:sparkify/sparkify"),
            ("redshift:GetClusterCredentials", f"{region}:dbname:sparkify/dev"),
        ]
        refused = [("redshift:GetClusterCredentials", f"{region}:dbuser:sparkify/admin")]
    else:
        serverless = f"arn:aws:redshift-serverless:us-west-2:{ACCOUNT}:workgroup"
        target, elsewhere = f"{serverless}/{WORKGROUP_ID}", f"{serverless}/another"
        credentials = [("redshift-serverless:GetCredentials", target)]
        refused = [("redshift-serverless:GetCredentials", elsewhere)]
    owner = {"redshift-data:statement-owner-iam-userid": CALLER_USER_ID}
    someone_else = {"redshift-data:statement-owner-iam-userid": "AIDASOMEONEELSE000001"}
    for operation in operations:
        action = f"redshift-data:{operation}"
        if operation in ("ExecuteStatement", "BatchExecuteStatement"):
            assert allows(policy, action, target), operation
            assert not allows(policy, action, elsewhere), operation
        else:
            assert allows(policy, action, "*", owner), operation
            assert not allows(policy, action, "*", someone_else), operation
    for action, resource in credentials:
        assert allows(policy, action, resource), (action, resource)
    for action, resource in refused:
        assert not allows(policy, action, resource), (action, resource)
    assert not allows(policy, "redshift:DeleteCluster", target)
