"""The Redshift path, proven without a cluster.

Each hourly run's tasks execute for real against a recording stand-in for the Redshift
connection (tools/redshift_sql/recording.py). S3 is moto's server holding the real files, listed by
the workers (``aws_default``, keys); COPY gets the COPY role's connection
(``aws_redshift_copy``): a role, or keys. What is checked is exactly what would be sent.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import traceback

import pytest
import sqlglot
from airflow.sdk.log import redact
from sparkify.errors import SourceDataError
from sparkify.staging.redshift_copy.statement import RedshiftCopyError
from sqlglot import exp

from tests.conftest import PROJECT
from tests.support.dry_run import redshift_sql_output
from tests.support.s3_server import (
    ACCESS_KEY,
    SECRET_KEY,
    aws_connection,
    empty_bucket,
    upload_to_bucket,
)
from tests.support.shared_values import HOUR, REDSHIFT_CONNECTION, ROLE_ARN
from tools.redshift_sql.dry_run import record_hour
from tools.redshift_sql.recording import Recording, columns_from_ddl, recording_redshift
from tools.task_runner import render_partition_task, render_task, run_task

BUCKET = "sparkify-redshift-test"
DAY_KEY = "log_data/2018/11/2018-11-15-events.json"
SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLE/session+token=="
LOCK = re.compile(r'LOCK "[a-z_]+"')


@pytest.fixture
def redshift(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_REDSHIFT", REDSHIFT_CONNECTION)


@pytest.fixture
def bucket(s3_endpoint, real_data):
    keys = [DAY_KEY, "log_json_path.json"]
    keys += [str(p.relative_to(real_data)) for p in (real_data / "song_data").rglob("*.json")]
    s3 = upload_to_bucket(s3_endpoint, BUCKET, real_data, keys)
    yield s3
    empty_bucket(s3, BUCKET)


AWS_CONNECTIONS = {
    "role": lambda endpoint: json.dumps(
        {"conn_type": "aws", "extra": {"role_arn": ROLE_ARN, "region_name": "us-west-2"}}
    ),
    "keys": lambda endpoint: aws_connection(endpoint),
    "keys with session token": lambda endpoint: aws_connection(
        endpoint, aws_session_token=SESSION_TOKEN
    ),
}


def use_keys(monkeypatch, connection: str) -> None:
    """The workers and COPY both with ``connection``'s keys (COPY without a role)."""
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", connection)
    monkeypatch.setenv("AIRFLOW_CONN_AWS_REDSHIFT_COPY", connection)


@pytest.fixture(params=sorted(AWS_CONNECTIONS))
def recorded_hour(request, dag, redshift, s3_endpoint, bucket, monkeypatch):
    """(kind of COPY connection, every statement of the 13:00 hour of 2018-11-15)."""
    kind = request.param
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", aws_connection(s3_endpoint))
    monkeypatch.setenv("AIRFLOW_CONN_AWS_REDSHIFT_COPY", AWS_CONNECTIONS[kind](s3_endpoint))
    recording = record_hour(dag, HOUR, f"s3://{BUCKET}")
    return kind, recording.statements


def statements_of(statements, task_id):
    return [s for t, s in statements if t == task_id]


def test_every_statement_parses_as_redshift_sql(recorded_hour):
    _, statements = recorded_hour
    assert len(statements) > 60
    for task_id, statement in statements:
        if statement in ("BEGIN", "COMMIT"):
            continue
        parsed = sqlglot.parse_one(statement, read="redshift", error_level=sqlglot.ErrorLevel.RAISE)
        if isinstance(parsed, exp.Command):
            # sqlglot has no grammar for LOCK; Redshift's is LOCK [TABLE] name [, ...].
            assert LOCK.fullmatch(statement), f"{task_id}: unparsed statement {statement!r}"
        text = statement.upper()
        assert "TRUNCATE" not in text and "ON CONFLICT" not in text, statement


def test_copy_of_the_hour_reads_exactly_its_day_file(recorded_hour):
    kind, statements = recorded_hour
    (copy,) = [s for s in statements_of(statements, "stage_events") if s.startswith("COPY")]
    lines = copy.splitlines()
    assert lines[0] == (
        'COPY "staging_events" ("artist", "auth", "first_name", "gender", "item_in_session", '
        '"last_name", "length", "level", "location", "method", "page", "registration", '
        '"session_id", "song", "status", "ts", "user_agent", "user_id")'
    )
    assert lines[1] == f"FROM 's3://{BUCKET}/{DAY_KEY}'"
    assert lines[3:] == [
        f"FORMAT AS JSON 's3://{BUCKET}/log_json_path.json'",
        "TIMEFORMAT 'epochmillisecs'",
        "REGION 'us-west-2'",
        "COMPUPDATE OFF STATUPDATE OFF",
    ]
    credentials = lines[2]
    if kind == "role":
        assert credentials == f"IAM_ROLE '{ROLE_ARN}'"
    elif kind == "keys":
        assert credentials == f"ACCESS_KEY_ID '{ACCESS_KEY}' SECRET_ACCESS_KEY '{SECRET_KEY}'"
    else:
        assert credentials == (
            f"ACCESS_KEY_ID '{ACCESS_KEY}' SECRET_ACCESS_KEY '{SECRET_KEY}' "
            f"SESSION_TOKEN '{SESSION_TOKEN}'"
        )


def test_song_catalogue_copy_reads_the_song_data_prefix(recorded_hour):
    _, statements = recorded_hour
    (copy,) = [s for s in statements_of(statements, "stage_songs") if s.startswith("COPY")]
    assert f"FROM 's3://{BUCKET}/song_data/'" in copy
    assert "FORMAT AS JSON 'auto'\nBLANKSASNULL\nEMPTYASNULL" in copy
    assert "TIMEFORMAT" not in copy


def test_each_task_writes_in_one_transaction_after_locking_its_table(recorded_hour):
    _, statements = recorded_hour
    tables = {
        "stage_events": "staging_events",
        "stage_songs": "staging_songs",
        "load_songplays_fact": "songplays",
        "load_user_dim": "users",
        "load_song_dim": "songs",
        "load_artist_dim": "artists",
        "load_time_dim": "time",
    }
    for task_id, table in tables.items():
        sent = statements_of(statements, task_id)
        assert sent[0] == "BEGIN" and sent[-1] == "COMMIT", task_id
        assert sent.count("BEGIN") == sent.count("COMMIT") == 1, task_id
        writes = [i for i, s in enumerate(sent) if s.startswith(("DELETE", "INSERT", "COPY"))]
        assert sent.index(f'LOCK "{table}"') < writes[0], task_id


def test_the_fact_load_touches_only_its_interval(recorded_hour):
    _, statements = recorded_hour
    sent = statements_of(statements, "load_songplays_fact")
    interval = (
        "\"start_time\" >= TIMESTAMP '2018-11-15 13:00:00.000000' AND "
        "\"start_time\" < TIMESTAMP '2018-11-15 14:00:00.000000'"
    )
    assert f'DELETE FROM "songplays" WHERE {interval}' in sent
    (query,) = [s for s in sent if s.startswith('CREATE TEMP TABLE "incoming_rows"')]
    assert f"source_key = '{DAY_KEY}'" in query


def test_ddl_declares_distribution_and_sort_keys(dag, redshift):
    ddl, _ = render_task(dag, "create_tables", HOUR, f"s3://{BUCKET}")
    creates = {
        statement.this.this.name: statement.sql("redshift")
        for statement in sqlglot.parse(ddl.sql, read="redshift")
        if isinstance(statement, exp.Create)
    }
    assert set(creates) == {
        "staging_events",
        "staging_songs",
        "songplays",
        "users",
        "songs",
        "artists",
        "time",
        "staged_sources",
        "staged_source_uses",
        "quality_results",
        "loaded_intervals",
    }
    assert "DISTKEY(user_id) SORTKEY(start_time)" in creates["songplays"]
    for table in (
        "users",
        "songs",
        "artists",
        "staging_songs",
        "staged_sources",
        "staged_source_uses",
    ):
        assert "DISTSTYLE ALL" in creates[table], table
    assert "pg_advisory" not in ddl.sql and "INDEX" not in ddl.sql


def test_the_daily_reports_ddl_is_redshift_sql(report_dag, redshift):
    ddl, _ = render_partition_task(report_dag, "create_report_tables", "2018-11-21")
    creates = {
        statement.this.this.name: statement.sql("redshift")
        for statement in sqlglot.parse(ddl.sql, read="redshift")
        if isinstance(statement, exp.Create)
    }
    assert set(creates) == {
        "daily_plays", "daily_plays_by_hour", "daily_top_songs", "daily_top_artists"
    }  # fmt: skip
    for table, statement in creates.items():
        assert "DISTSTYLE ALL" in statement and "SORTKEY(report_date)" in statement, table


def test_credentials_never_leak(dag, redshift, s3_endpoint, bucket, monkeypatch, caplog, capfd):
    use_keys(monkeypatch, aws_connection(s3_endpoint, aws_session_token=SESSION_TOKEN))
    secrets = (SECRET_KEY, SESSION_TOKEN, ACCESS_KEY)
    recording = Recording(
        tables=columns_from_ddl(render_task(dag, "create_tables", HOUR, "")[0].sql)
    )
    caplog.set_level(logging.INFO)  # stdlib loggers (botocore, s3fs), at the tasks' level
    with recording_redshift(recording):
        task, context = render_task(dag, "stage_events", HOUR, f"s3://{BUCKET}")
        returned = task.execute(context)  # what would go to XCom
        rendered = {field: getattr(task, field) for field in task.template_fields}

        recording.fail_on = "COPY"
        task, context = render_task(dag, "stage_events", HOUR, f"s3://{BUCKET}")
        with pytest.raises(RedshiftCopyError) as failure:
            task.execute(context)

    assert any(SECRET_KEY in s for _, s in recording.statements)  # it was sent
    assert isinstance(returned, int)
    error = "".join(traceback.format_exception(failure.value))
    assert "SECRET_ACCESS_KEY '***'" in error
    written = capfd.readouterr()  # the task log, as Airflow's structlog writes it
    logs = "\n".join([written.out, written.err] + [r.getMessage() for r in caplog.records])
    assert "SECRET_ACCESS_KEY '***'" in logs
    for secret in secrets:
        # At DEBUG, botocore logs its request signing; Airflow's masker redacts it there.
        assert redact(f"token {secret} here") == "token *** here"
        assert secret not in logs
        assert secret not in json.dumps(rendered, default=str)
        assert secret not in error


def test_an_exact_key_shared_as_a_prefix_is_refused(
    dag, redshift, s3_endpoint, bucket, monkeypatch
):
    """COPY FROM a key loads every object starting with it, so a look-alike must stop the run."""
    use_keys(monkeypatch, aws_connection(s3_endpoint))
    bucket.put_object(Bucket=BUCKET, Key=DAY_KEY + ".bak", Body=b'{"ts": 1}')
    recording = Recording(
        tables=columns_from_ddl(render_task(dag, "create_tables", HOUR, "")[0].sql)
    )
    with recording_redshift(recording), pytest.raises(SourceDataError, match=r"\.bak"):
        run_task(dag, "stage_events", HOUR, f"s3://{BUCKET}")
    assert not any(s.startswith("COPY") for _, s in recording.statements)
    assert recording.statements[-1][1] == "ROLLBACK"


def test_a_missing_day_file_fails_before_any_copy(dag, redshift, s3_endpoint, bucket, monkeypatch):
    use_keys(monkeypatch, aws_connection(s3_endpoint))
    recording = Recording(tables={})
    later = dt.datetime(2018, 11, 16, 13, tzinfo=dt.UTC)
    with recording_redshift(recording), pytest.raises(SourceDataError, match="does not exist"):
        run_task(dag, "stage_events", later, f"s3://{BUCKET}")
    assert recording.statements == []


def test_postgres_emulation_and_redshift_copy_load_the_same_columns_the_same_way(
    dag, warehouse, real_data, monkeypatch, s3_endpoint, bucket
):
    """Both paths stage the same columns, in the same order, with the same options and NULLs."""
    run_task(dag, "create_tables", HOUR, real_data.as_uri())
    run_task(dag, "stage_events", HOUR, real_data.as_uri())
    run_task(dag, "stage_songs", HOUR, real_data.as_uri())
    emulated = {
        table: [
            row[0]
            for row in warehouse.query(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                "AND column_name <> 'source_key' ORDER BY ordinal_position",
                [table],
            )
        ]
        for table in ("staging_events", "staging_songs")
    }
    # NULL handling as the emulation applied it: songs' empty strings became NULL, events' not.
    assert warehouse.query("SELECT COUNT(*) FROM staging_songs WHERE artist_location = ''") == [
        (0,)
    ]
    assert warehouse.query("SELECT COUNT(*) FROM staging_events WHERE user_id = ''")[0][0] > 0

    monkeypatch.setenv("AIRFLOW_CONN_REDSHIFT", REDSHIFT_CONNECTION)
    use_keys(monkeypatch, aws_connection(s3_endpoint))
    statements = record_hour(dag, HOUR, f"s3://{BUCKET}").statements
    for task_id, table in (("stage_events", "staging_events"), ("stage_songs", "staging_songs")):
        (copy,) = [s for s in statements_of(statements, task_id) if s.startswith("COPY")]
        listed = re.match(r'COPY "\w+" \((.*)\)', copy).group(1)
        assert [c.strip('"') for c in listed.split(", ")] == emulated[table]
        task = dag.get_task(task_id)
        options = task.copy_options
        assert ("BLANKSASNULL" in copy) == options.blanks_as_null
        assert ("EMPTYASNULL" in copy) == options.empty_as_null
        assert ("TIMEFORMAT 'epochmillisecs'" in copy) == (options.timeformat == "epochmillisecs")
        expected_format = (
            f"s3://{BUCKET}/{task.json_format}" if task.json_format.endswith(".json") else "auto"
        )
        assert f"FORMAT AS JSON '{expected_format}'" in copy


@pytest.fixture(scope="module")
def printed_hour() -> str:
    """What ``make redshift-sql AT=2018-11-15T13:00`` prints, with no connection configured."""
    return redshift_sql_output()


def test_make_redshift_sql_prints_the_hour_offline(printed_hour):
    out = printed_hour
    assert out.startswith("-- sparkify_etl: the statements sent to Redshift for the hour")
    assert "FROM 's3://udacity-dend/log_data/2018/11/2018-11-15-events.json'" in out
    assert "IAM_ROLE '***'" in out and "arn:aws:iam" not in out
    assert out.count("\nBEGIN;") == out.count("\nCOMMIT;") >= 8


def test_the_docs_show_what_make_redshift_sql_prints(printed_hour):
    """docs/redshift-statements.sql is generated: make redshift-sql AT=2018-11-15T13:00 > it."""
    assert (PROJECT / "docs" / "redshift-statements.sql").read_text() == printed_hour
