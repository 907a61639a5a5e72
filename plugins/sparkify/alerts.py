"""Who is told when an hour fails or is late: Airflow's notifiers, configured from outside.

- **Failure**: each task's ``on_failure_callback`` (after its last retry; downstream tasks that
  never ran send nothing) sends one message: the DAG, run, task, data interval, the error's
  first line and, when quality checks failed, each failed check. By SMTP (connection
  ``smtp_default``) to ``SPARKIFY_ALERT_EMAIL``; also to the SNS topic
  ``SPARKIFY_ALERT_SNS_TOPIC_ARN`` through ``aws_default`` when that is set, and to Slack when
  the Incoming Webhook connection ``slack_webhook_default`` exists (looked up when a task
  fails, so adding the connection needs no re-parse).
- **Lateness**: a Deadline Alert on the run's logical date plus its hour plus
  ``SPARKIFY_LOAD_DEADLINE_MINUTES`` (default 60): a scheduled hour not loaded that long after
  its interval ends sends a message by SMTP, from the triggerer. Backfill and manual runs of
  past hours miss such a deadline by construction, so for them it only logs.

These are environment variables, read when the DAG is parsed (a deadline's callback is part of
the serialized DAG), so set them where the dag-processor, workers and triggerer run. Without a
recipient nothing is sent and the callback says so in the task log. Message text is built in
Python from the run and HTML-escaped: nothing from an error message is ever rendered as a
template, so a value such as ``{{ conn.redshift.password }}`` in bad input stays text.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
from typing import Any

from airflow.providers.slack.notifications.slack_webhook import SlackWebhookNotifier
from airflow.providers.smtp.notifications.smtp import SmtpNotifier
from airflow.sdk import BaseHook
from airflow.sdk.exceptions import AirflowNotFoundException
from airflow.sdk.log import redact

ALERT_EMAIL_VARIABLE = "SPARKIFY_ALERT_EMAIL"
SNS_TOPIC_VARIABLE = "SPARKIFY_ALERT_SNS_TOPIC_ARN"
DEADLINE_MINUTES_VARIABLE = "SPARKIFY_LOAD_DEADLINE_MINUTES"
DEFAULT_DEADLINE_MINUTES = 60
SMTP_CONN_ID = "smtp_default"
SLACK_CONN_ID = "slack_webhook_default"
FROM_EMAIL = "sparkify-airflow@localhost"

log = logging.getLogger(__name__)


def alert_recipients() -> list[str]:
    """The addresses in ``SPARKIFY_ALERT_EMAIL`` (comma-separated)."""
    raw = os.environ.get(ALERT_EMAIL_VARIABLE, "")
    return [address.strip() for address in raw.split(",") if address.strip()]


def load_deadline() -> dt.timedelta:
    """How long after its logical date an hourly run must be done: its hour, and the allowance."""
    raw = os.environ.get(DEADLINE_MINUTES_VARIABLE) or str(DEFAULT_DEADLINE_MINUTES)
    minutes = float(raw)
    if minutes < 0:
        raise ValueError(f"{DEADLINE_MINUTES_VARIABLE} must not be negative, not {raw!r}")
    return dt.timedelta(hours=1, minutes=minutes)


def failure_message(context: dict[str, Any]) -> tuple[str, list[tuple[str, str]], list[str]]:
    """(subject, the facts as (label, value) pairs, the failed checks) of a failed task."""
    ti = context.get("ti")
    dag_id = getattr(ti, "dag_id", None) or getattr(context.get("dag"), "dag_id", "?")
    task_id = getattr(ti, "task_id", "?")
    error = context.get("exception")
    # Airflow's secrets masker: the connections' secrets this process has read stay out.
    lines = [line for line in str(redact(str(error or ""))).splitlines() if line.strip()]
    first_line = lines[0] if lines else (
        type(error).__name__ if error else "no error recorded (the task was killed or timed out)"
    )  # fmt: skip
    failed_checks = [str(redact(check)) for check in getattr(error, "failures", ())]
    interval = _interval(context.get("data_interval_start"), context.get("data_interval_end"))
    facts = [
        ("DAG", dag_id),
        ("Run", str(context.get("run_id") or getattr(ti, "run_id", "?"))),
        ("Task", task_id),
        ("Interval", interval),
        ("Error", first_line),
    ]
    subject = f"[sparkify] {dag_id}.{task_id} failed: {_interval_start(context)}"
    return subject, facts, failed_checks


def late_message(context: dict[str, Any]) -> tuple[str, list[tuple[str, str]]]:
    """(subject, facts) of a run that missed its deadline, from the triggerer's context."""
    run = context.get("dag_run") or {}
    deadline = (context.get("deadline") or {}).get("deadline_time")
    interval = _interval(run.get("data_interval_start"), run.get("data_interval_end"))
    facts = [
        ("DAG", str(run.get("dag_id"))),
        ("Run", str(run.get("dag_run_id"))),
        ("Interval", interval),
        ("State", str(run.get("state"))),
        ("Deadline", _iso(deadline)),
    ]
    return f"[sparkify] {run.get('dag_id')} late: {interval} not loaded by {_iso(deadline)}", facts


def html_body(heading: str, facts: list[tuple[str, str]], items: list[str] = ()) -> str:
    rows = "".join(
        f"<tr><th align='left'>{html.escape(label)}</th><td>{html.escape(str(value))}</td></tr>"
        for label, value in facts
    )
    body = f"<h3>{html.escape(heading)}</h3><table>{rows}</table>"
    if items:
        listed = "".join(f"<li>{html.escape(item)}</li>" for item in items)
        body += f"<p>Failed quality checks:</p><ul>{listed}</ul>"
    return body


class FailureEmail(SmtpNotifier):
    """SMTP notifier for a failed task; its text comes from ``failure_message``."""

    def __init__(self, to: list[str], **kwargs) -> None:
        super().__init__(to=to, from_email=FROM_EMAIL, smtp_conn_id=SMTP_CONN_ID, **kwargs)

    def notify(self, context) -> None:
        subject, facts, failed_checks = failure_message(context)
        self.subject = subject
        self.html_content = html_body("A Sparkify task failed", facts, failed_checks)
        super().notify(context)


class FailureSns:
    """Publish a failed task's message to an SNS topic (amazon provider's SnsHook)."""

    def __init__(self, topic_arn: str, aws_conn_id: str = "aws_default") -> None:
        self.topic_arn = topic_arn
        self.aws_conn_id = aws_conn_id

    def __call__(self, context) -> None:
        from airflow.providers.amazon.aws.hooks.sns import SnsHook

        subject, facts, failed_checks = failure_message(context)
        text = "\n".join(f"{label}: {value}" for label, value in facts)
        if failed_checks:
            text += "\nFailed quality checks:\n" + "\n".join(f"- {c}" for c in failed_checks)
        SnsHook(aws_conn_id=self.aws_conn_id).publish_to_target(
            target_arn=self.topic_arn, message=text, subject=subject[:100]
        )


class FailureSlack(SlackWebhookNotifier):
    """Post a failed task's message to Slack, if connection ``slack_webhook_default`` exists.

    ``only_channel``: no email or SNS is configured either, so a missing connection means the
    failure told nobody, which the task log then says.
    """

    def __init__(self, only_channel: bool = False, **kwargs) -> None:
        super().__init__(slack_webhook_conn_id=SLACK_CONN_ID, text="", **kwargs)
        self.only_channel = only_channel

    def notify(self, context) -> None:
        try:
            BaseHook.get_connection(SLACK_CONN_ID)
        except AirflowNotFoundException:
            if self.only_channel:
                _no_recipient(context)
            return
        subject, facts, failed_checks = failure_message(context)
        lines = [f"*{slack_text(subject)}*"]
        lines += [f"{label}: {slack_text(str(value))}" for label, value in facts]
        if failed_checks:
            lines.append("Failed quality checks:")
            lines += [f"• {slack_text(check)}" for check in failed_checks]
        self.text = "\n".join(lines)
        super().notify(context)


def slack_text(text: str) -> str:
    """``text`` as literal Slack message text: its three control characters escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class LateLoadEmail(SmtpNotifier):
    """SMTP notifier a Deadline Alert awaits in the triggerer when a run is late."""

    def __init__(self, to: list[str], context: dict | None = None, **kwargs) -> None:
        super().__init__(
            to=to, from_email=FROM_EMAIL, smtp_conn_id=SMTP_CONN_ID, context=context, **kwargs
        )

    async def async_notify(self, context) -> None:
        run = context.get("dag_run") or {}
        if run.get("run_type") != "scheduled":
            self.log.info(
                "Deadline passed for %s run %s of a past hour; not alerting",
                run.get("run_type"), run.get("dag_run_id"),
            )  # fmt: skip
            return
        subject, facts = late_message(context)
        self.subject = subject
        self.html_content = html_body("A Sparkify hour is late", facts)
        await super().async_notify(context)


def failure_callbacks() -> list:
    """The ``on_failure_callback`` list for the DAG's tasks, from the environment."""
    callbacks: list = []
    if recipients := alert_recipients():
        callbacks.append(FailureEmail(to=recipients))
    if topic := os.environ.get(SNS_TOPIC_VARIABLE):
        callbacks.append(FailureSns(topic))
    callbacks.append(FailureSlack(only_channel=not callbacks))
    return callbacks


def _no_recipient(context) -> None:
    log.warning(
        "Task failed; no alert sent: set %s (SMTP) or %s (SNS), or add connection %s (Slack)",
        ALERT_EMAIL_VARIABLE, SNS_TOPIC_VARIABLE, SLACK_CONN_ID,
    )  # fmt: skip


def _interval(start, end) -> str:
    if start is None or end is None:
        return "none"
    return f"[{_iso(start)}, {_iso(end)})"


def _interval_start(context) -> str:
    start = context.get("data_interval_start")
    return _iso(start) if start is not None else str(context.get("partition_key") or "")


def _iso(moment) -> str:
    """A moment as ``2018-11-21T05:00Z``: from a datetime, or from the ISO text of the
    triggerer's context; anything else as it is."""
    if isinstance(moment, str):
        try:
            moment = dt.datetime.fromisoformat(moment.replace("Z", "+00:00"))
        except ValueError:
            return moment
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%MZ")
    return str(moment)
