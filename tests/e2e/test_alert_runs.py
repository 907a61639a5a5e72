"""Alerts through the real scheduler, worker and triggerer, to a real SMTP server.

The stack's deadline allowance is 0 minutes (tests/e2e/conftest.py) and its data holds only
2018, so the scheduled run unpausing starts (the latest hour, today) is late the moment it
exists and fails at once for want of its day file: it must be reported once as late (by the
Deadline Alert's callback in the triggerer) and once as failed (by the worker's failure
callback). Backfilled and manual hours of 2018 miss the same deadline and must send nothing:
tests/e2e/test_daily_report_runs.py checks that after its backfills.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest

from tests.e2e.conftest import DAG_ID
from tests.support.smtp_server import html_text

pytestmark = pytest.mark.slow  # the real Airflow components: not in make check


def scheduled_run(api, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        runs = [r for r in api.dag_runs(DAG_ID) if r["run_type"] == "scheduled"]
        if runs and runs[0]["state"] in ("success", "failed"):
            return runs[0]
        assert time.monotonic() < deadline, f"no finished scheduled run: {runs}"
        time.sleep(2)


def minute(iso: str) -> str:
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).strftime("%Y-%m-%dT%H:%MZ")


def test_a_scheduled_hour_that_misses_its_deadline_and_fails_is_reported_once_each(stack):
    api, inbox = stack.api, stack.inbox
    api.unpause(DAG_ID)
    run = scheduled_run(api)
    assert run["state"] == "failed"  # no day file for today in the stack's data
    start, end = minute(run["data_interval_start"]), minute(run["data_interval_end"])
    late_subject = f"[sparkify] {DAG_ID} late: [{start}, {end}) not loaded by {end}"
    failed_subject = f"[sparkify] {DAG_ID}.stage_events failed: {start}"

    deadline = time.monotonic() + 180
    while not {late_subject, failed_subject} <= {m["Subject"] for m in inbox.messages}:
        assert time.monotonic() < deadline, [m["Subject"] for m in inbox.messages]
        time.sleep(2)
    time.sleep(15)  # scheduler loops: a second message would come now
    subjects = [m["Subject"] for m in inbox.messages]
    assert subjects.count(late_subject) == 1 and subjects.count(failed_subject) == 1, subjects
    (late,) = [m for m in inbox.messages if m["Subject"] == late_subject]
    assert f"<td>{run['dag_run_id']}</td>" in html_text(late)
