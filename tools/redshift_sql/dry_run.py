"""Record what one hourly run of sparkify_etl sends to Redshift, without a cluster.

Every task of the hour runs for real (rendered with the DAG's templates, then executed) against
the recording connection of ``recording``; ``format_recording`` prints the result for
review with every credential masked. ``make redshift-sql`` and the Redshift tests use it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from unittest import mock

from airflow.sdk.exceptions import AirflowFailException
from sparkify import clock
from sparkify.masking import mask_credentials
from sparkify.staging.source import SourceObject, SourceRoot

from tools.redshift_sql.data_api_recording import recording_data_api
from tools.redshift_sql.recording import Recording, columns_from_ddl, recording_redshift
from tools.task_runner import render_task, run_order, run_task


@contextlib.contextmanager
def assume_objects_exist():
    """Skip listing the bucket: every key names one object, every prefix one or more.

    The objects carry a placeholder size and version, as a listing would give them, so that a
    stage with skip_unchanged shows the statements of a source that changed.
    """

    def one_object(root, key):
        key = key.lstrip("/")
        url = f"{root.url}/{key}"
        return SourceObject(key=key, url=url, root=None, size=0, version="not listed offline")

    def listed_objects(root, prefix):
        return [one_object(root, prefix)]

    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.object(SourceRoot, "object", one_object))
        stack.enter_context(mock.patch.object(SourceRoot, "objects_under", listed_objects))
        yield


def record_hour(dag, start: dt.datetime, source_url: str, copy_rows: int = 1) -> Recording:
    """Run every task of the hour starting at ``start`` against a recording warehouse, whose
    every COPY loads ``copy_rows``.

    Both ways to Redshift are recorded, so nothing can reach a real one: the driver's
    connection, and the Data API's client (``recording.data_api_calls``). The ``redshift``
    connection decides which one the run takes. The worker's clock (``sparkify.clock``) reads
    the end of the hour, so that the same hour always records the same statements.
    """
    ddl, _ = render_task(dag, "create_tables", start, source_url)
    recording = Recording(tables=columns_from_ddl(ddl.sql), copy_rows=copy_rows)
    hour_end = start + dt.timedelta(hours=1)  # the worker's clock, fixed
    with (
        recording_redshift(recording),
        recording_data_api(recording),
        mock.patch.object(clock, "now", lambda: hour_end),
    ):
        for task_id in run_order(dag):
            recording.task_id = task_id
            try:
                run_task(dag, task_id, start, source_url)
            except AirflowFailException:
                # The recording answers every count with 0, so "catalogue_not_empty" cannot
                # pass; what matters here is the SQL the checks send, which is recorded.
                if task_id != "run_quality_checks":
                    raise
    return recording


def format_recording(recording: Recording, start: dt.datetime) -> str:
    end = start + dt.timedelta(hours=1)
    lines = [
        f"-- sparkify_etl: the statements sent to Redshift for the hour "
        f"[{start:%Y-%m-%d %H:%M}, {end:%H:%M}) UTC, in order. Credentials are masked.",
    ]
    current = None
    for task_id, statement in recording.statements:
        if task_id != current:
            lines.append(f"\n-- task {task_id}")
            current = task_id
        lines.append(mask_credentials(statement).rstrip(";") + ";")
    return "\n".join(lines) + "\n"


def format_data_api_calls(recording: Recording, start: dt.datetime) -> str:
    """The run's Data API calls: each statement as sent, under the call and session that sent it."""
    end = start + dt.timedelta(hours=1)
    lines = [
        f"-- sparkify_etl over the Redshift Data API: the calls for the hour "
        f"[{start:%Y-%m-%d %H:%M}, {end:%H:%M}) UTC, in order. Credentials are masked.",
        "-- A task opens a session with its first call (SessionKeepAliveSeconds) and names it in",
        "-- the others (SessionId); its BEGIN holds across them until COMMIT or ROLLBACK.",
    ]
    current = None
    for call in recording.data_api_calls:
        heading = (call.task_id, call.operation, call.session)
        if heading != current:
            kind = "one transaction" if call.operation == "BatchExecuteStatement" else "each"
            lines.append(
                f"\n-- task {call.task_id}: {call.operation} ({kind}), session {call.session}"
            )
            current = heading
        for sql in call.sqls:
            lines.append(mask_credentials(sql.strip()).rstrip(";") + ";")
        if call.parameters:
            values = ", ".join(f":{p['name']} = {p['value']!r}" for p in call.parameters)
            lines[-1] += f"  -- {values}"
    return "\n".join(lines) + "\n"
