"""Alerts through a real SMTP server on loopback (and SNS through moto's server): a failed
task's message (with the failed quality checks, escaped), and the late-load message the
Deadline Alert sends from the triggerer, for scheduled runs only."""

from __future__ import annotations

import asyncio
import datetime as dt
import http.server
import json
import threading
import types

import pendulum
import pytest
from airflow.sdk.log import mask_secret
from airflow.triggers.callback import CallbackTrigger
from botocore.exceptions import ClientError
from sparkify import alerts
from sparkify.errors import QualityChecksFailed, SourceDataError
from sparkify.operators import DataQualityOperator

from tests.conftest import PROJECT
from tests.support.aws_account import TOPIC_ARN
from tests.support.smtp_server import html_text, smtp_connection, smtp_server

START = pendulum.datetime(2018, 11, 21, 5, tz="UTC")
HOSTILE = "<b>{{ conn.redshift.password }}</b>"


@pytest.fixture
def inbox(monkeypatch):
    with smtp_server() as (inbox, port):
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", smtp_connection(port))
        yield inbox


def failed_quality_checks(warehouse) -> QualityChecksFailed:
    """The exception of a real DataQualityOperator run whose checks fail (one hostile name)."""
    checks = [
        {"name": "always_passes", "sql": "SELECT 0", "equal_to": 0},
        {"name": "songplays_have_users", "sql": "SELECT 2", "equal_to": 0},
        {"name": HOSTILE, "sql": "SELECT 5", "leq_to": 1},
    ]
    operator = DataQualityOperator(task_id="run_quality_checks", checks=checks)
    with pytest.raises(QualityChecksFailed) as failed:
        operator.execute({"data_interval_start": START, "data_interval_end": START.add(hours=1)})
    return failed.value


def failed_task_context(error: Exception) -> dict:
    """The context Airflow gives run_quality_checks' failure callbacks for hour 05:00."""
    return {
        "ti": types.SimpleNamespace(dag_id="sparkify_etl", task_id="run_quality_checks"),
        "run_id": "scheduled__2018-11-21T05:00:00+00:00",
        "data_interval_start": START,
        "data_interval_end": START.add(hours=1),
        "exception": error,
    }


def test_a_failed_task_sends_one_message_with_its_failed_checks(inbox, warehouse):
    error = failed_quality_checks(warehouse)
    context = failed_task_context(error)
    alerts.FailureEmail(to=["ops@example.com"])(context)
    (message,) = inbox.wait_for(1)
    assert inbox.recipients == [["ops@example.com"]]
    assert message["Subject"] == (
        "[sparkify] sparkify_etl.run_quality_checks failed: 2018-11-21T05:00Z"
    )
    body = html_text(message)
    for label, value in [
        ("Run", "scheduled__2018-11-21T05:00:00+00:00"),
        ("Interval", "[2018-11-21T05:00Z, 2018-11-21T06:00Z)"),
        ("Error", "2 of 3 quality check(s) failed:"),
    ]:
        assert f"<tr><th align='left'>{label}</th><td>{value}</td></tr>" in body
    assert "<li>songplays_have_users: got 2, expected == 0</li>" in body
    escaped = "&lt;b&gt;{{ conn.redshift.password }}&lt;/b&gt;: got 5, expected &lt;= 1"
    assert f"<li>{escaped}</li>" in body  # escaped, and never rendered as a template
    assert "always_passes" not in body


def test_without_a_recipient_nothing_is_sent_and_the_log_says_so(monkeypatch, caplog):
    monkeypatch.delenv(alerts.ALERT_EMAIL_VARIABLE, raising=False)
    monkeypatch.delenv(alerts.SNS_TOPIC_VARIABLE, raising=False)
    (callback,) = alerts.failure_callbacks()
    callback({"ti": None})
    assert "no alert sent: set SPARKIFY_ALERT_EMAIL" in caplog.text


def late_run(run_type: str) -> dict:
    """The context the scheduler gives a missed deadline's callback (models/deadline.py)."""
    return {
        "dag_run": {
            "dag_id": "sparkify_etl",
            "dag_run_id": f"{run_type}__2018-11-21T05:00:00+00:00",
            "run_type": run_type,
            "state": "running",
            "data_interval_start": "2018-11-21T05:00:00Z",
            "data_interval_end": "2018-11-21T06:00:00Z",
        },
        "deadline": {"id": "d1", "deadline_time": "2018-11-21T07:00:00Z"},
    }


async def run_trigger(context: dict) -> list[dict]:
    """The deadline callback as the triggerer runs it: Airflow's own CallbackTrigger."""
    trigger = CallbackTrigger(
        "sparkify.alerts.LateLoadEmail", {"to": ["ops@example.com"], "context": context}
    )
    return [event.payload async for event in trigger.run()]


def test_a_late_scheduled_hour_sends_one_message_from_the_triggerer(inbox):
    events = asyncio.run(run_trigger(late_run("scheduled")))
    assert [e["state"] for e in events] == ["running", "success"], events
    (message,) = inbox.wait_for(1)
    assert message["Subject"] == (
        "[sparkify] sparkify_etl late: [2018-11-21T05:00Z, 2018-11-21T06:00Z) not loaded by "
        "2018-11-21T07:00Z"
    )
    assert "<tr><th align='left'>State</th><td>running</td></tr>" in html_text(message)


@pytest.mark.parametrize("run_type", ["backfill", "manual"])
def test_a_past_hour_backfilled_or_run_by_hand_sends_nothing(inbox, run_type):
    events = asyncio.run(run_trigger(late_run(run_type)))
    assert [e["state"] for e in events] == ["running", "success"], events
    assert inbox.messages == []


def test_with_a_recipient_both_dags_alert_on_failure_and_the_hourly_one_on_lateness(monkeypatch):
    monkeypatch.setenv(alerts.ALERT_EMAIL_VARIABLE, "ops@example.com, data@example.com")
    monkeypatch.setenv(alerts.DEADLINE_MINUTES_VARIABLE, "30")
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(PROJECT / "dags"))
    dag, report_dag = bag.dags["sparkify_etl"], bag.dags["sparkify_daily_report"]
    (deadline,) = dag.deadline
    assert deadline.interval == dt.timedelta(minutes=90)  # the hour, then 30 minutes
    assert type(deadline.reference).__name__ == "DagRunLogicalDateDeadline"
    assert deadline.callback.path == "sparkify.alerts.LateLoadEmail"
    assert deadline.callback.kwargs == {"to": ["ops@example.com", "data@example.com"]}
    for task in [*dag.tasks, *report_dag.tasks]:
        email, slack = task.on_failure_callback
        assert isinstance(email, alerts.FailureEmail), task.task_id
        assert email.to == ["ops@example.com", "data@example.com"]
        assert isinstance(slack, alerts.FailureSlack) and not slack.only_channel


def test_a_failed_task_is_published_to_the_sns_topic_as_the_workers(warehouse, aws, monkeypatch):
    """Through moto with IAM enforced, as the workers' identity: the topic their policy names
    delivers to an SQS queue, which the test reads; another topic is refused to them."""
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", aws.aws_default)
    sns, sqs = aws.account.client("sns"), aws.account.client("sqs")
    queue = sqs.create_queue(QueueName="sparkify-alerts")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    sns.subscribe(TopicArn=TOPIC_ARN, Protocol="sqs", Endpoint=queue_arn["Attributes"]["QueueArn"])

    context = failed_task_context(failed_quality_checks(warehouse))
    alerts.FailureSns(TOPIC_ARN)(context)
    (received,) = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=5)["Messages"]
    published = json.loads(received["Body"])
    assert published["Subject"] == (
        "[sparkify] sparkify_etl.run_quality_checks failed: 2018-11-21T05:00Z"
    )
    assert "Error: 2 of 3 quality check(s) failed:" in published["Message"]
    assert "- songplays_have_users: got 2, expected == 0" in published["Message"]

    other = sns.create_topic(Name="someone-elses-topic")["TopicArn"]
    with pytest.raises(ClientError, match="AuthorizationError|AccessDenied"):
        alerts.FailureSns(other)(context)


@pytest.fixture
def slack_webhook(monkeypatch):
    """A stand-in for Slack's Incoming Webhook endpoint on loopback, named by connection
    ``slack_webhook_default``; yields the (path, JSON body) of each POST it received."""
    received = []

    class Webhook(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, json.loads(body)))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Webhook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    connection = {
        "conn_type": "slackwebhook",
        "host": f"http://127.0.0.1:{server.server_port}/services",
        "password": "T0000/B0000/webhook-token",
    }
    monkeypatch.setenv("AIRFLOW_CONN_SLACK_WEBHOOK_DEFAULT", json.dumps(connection))
    yield received
    server.shutdown()


def test_a_failed_task_is_posted_to_slack_when_its_connection_exists(warehouse, slack_webhook):
    context = failed_task_context(failed_quality_checks(warehouse))
    alerts.FailureSlack()(context)
    ((path, body),) = slack_webhook
    assert path == "/services/T0000/B0000/webhook-token"
    lines = body["text"].split("\n")
    assert lines[0] == "*[sparkify] sparkify_etl.run_quality_checks failed: 2018-11-21T05:00Z*"
    assert "Interval: [2018-11-21T05:00Z, 2018-11-21T06:00Z)" in lines
    assert "Error: 2 of 3 quality check(s) failed:" in lines
    assert "• songplays_have_users: got 2, expected == 0" in lines
    # Slack's control characters escaped; the text never rendered as a template.
    assert "• &lt;b&gt;{{ conn.redshift.password }}&lt;/b&gt;: got 5, expected &lt;= 1" in lines
    assert not any("always_passes" in line for line in lines)


def test_without_its_connection_slack_is_skipped(monkeypatch, caplog):
    monkeypatch.delenv("AIRFLOW_CONN_SLACK_WEBHOOK_DEFAULT", raising=False)
    alerts.FailureSlack()({"ti": None})  # another channel is configured: nothing to say
    assert "no alert sent" not in caplog.text


def test_a_secret_airflow_masks_stays_out_of_the_message(inbox):
    mask_secret("hunter2-sparkify-password")
    error = SourceDataError("could not reach the warehouse as sparkify:hunter2-sparkify-password")
    context = {
        "ti": types.SimpleNamespace(dag_id="sparkify_etl", task_id="stage_events"),
        "data_interval_start": START,
        "data_interval_end": START.add(hours=1),
        "exception": error,
    }
    alerts.FailureEmail(to=["ops@example.com"])(context)
    (message,) = inbox.wait_for(1)
    body = html_text(message)
    assert "could not reach the warehouse as sparkify:***" in body
    assert "hunter2" not in message.as_string()
