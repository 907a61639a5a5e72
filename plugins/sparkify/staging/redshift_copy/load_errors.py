"""What Redshift recorded about a failed COPY, as a message a person can act on.

Redshift answers a COPY that meets bad data with "Load into table ... failed. Check
'stl_load_errors' system table for details". The details are in SYS_LOAD_ERROR_DETAIL, on
provisioned clusters and Serverless alike, and in STL_LOAD_ERRORS, on provisioned clusters
only, which alone keeps the raw field value. Both are read in the COPY's own session once its
transaction is rolled back (the failed COPY aborted it, so nothing can be read before): the
views are logs, and keep the rows of a load that was rolled back.

Which rows are this COPY's: those of this session (``pg_backend_pid()``) that started no
earlier than the COPY's transaction (``SYSDATE``, read in it just before the COPY). The process
id alone is not enough: Redshift reuses them, and an older session with the same id may have
left rejected lines of its own, which must not be reported, and not retried, as this COPY's.
Nor is ``pg_last_copy_id()``: Redshift does not update it for a COPY whose transaction is rolled
back. The views' times are UTC, as is ``SYSDATE`` unless the session's time zone was changed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

log = logging.getLogger(__name__)

SHOWN = 5  # rejected lines named in the error; the views hold the rest

COPY_STARTED_SQL = "SELECT SYSDATE"

LOAD_ERROR_DETAIL_SQL = f"""
WITH since_the_copy AS (
    SELECT * FROM sys_load_error_detail
    WHERE session_id = pg_backend_pid() AND start_time >= %s
),
last_copy AS (
    SELECT MAX(query_id) AS query_id FROM since_the_copy
)
SELECT TRIM(file_name), line_number, TRIM(column_name), TRIM(column_type), error_code,
       TRIM(error_message)
FROM since_the_copy
JOIN last_copy USING (query_id)
ORDER BY line_number
LIMIT {SHOWN}
""".strip()

STL_LOAD_ERRORS_SQL = f"""
WITH since_the_copy AS (
    SELECT * FROM stl_load_errors
    WHERE session = pg_backend_pid() AND starttime >= %s
),
last_copy AS (
    SELECT MAX(query) AS query FROM since_the_copy
)
SELECT TRIM(filename), line_number, TRIM(colname), TRIM(type), err_code, TRIM(err_reason),
       TRIM(raw_field_value)
FROM since_the_copy
JOIN last_copy USING (query)
ORDER BY line_number
LIMIT {SHOWN}
""".strip()


@dataclass(frozen=True)
class LoadError:
    """One rejected line: where it is, which column, why, and the value Redshift read there."""

    file_name: str
    line_number: int | None
    column_name: str | None
    column_type: str | None
    error_code: int | None
    reason: str
    raw_field_value: str | None = None

    def describe(self) -> str:
        text = f"{self.file_name}, line {self.line_number}"
        if self.column_name:
            text += f", column {self.column_name}"
            text += f" ({self.column_type})" if self.column_type else ""
        text += f": {self.reason}"
        text += f" (error {self.error_code})" if self.error_code is not None else ""
        if self.raw_field_value is not None:
            value = self.raw_field_value
            text += f"; value {value[:200]!r}" + ("..." if len(value) > 200 else "")
        return text


def copy_started(cursor):
    """When the COPY about to run can start at the earliest: its transaction's start, as the
    warehouse's clock tells it (read before the COPY; after it fails, nothing can be read)."""
    cursor.execute(COPY_STARTED_SQL)
    return cursor.fetchone()[0]


def recorded_load_errors(connection, since) -> list[LoadError]:
    """The rejected lines of the COPY that failed in this session after ``since``; [] if
    Redshift recorded none.

    Rolls the failed transaction back first. A view this warehouse does not have
    (STL_LOAD_ERRORS on Serverless), or that the user may not read, only loses its detail.
    """
    connection.rollback()
    detail = [LoadError(*row) for row in _rows(connection, "sys_load_error_detail", since)]
    logged = [LoadError(*row) for row in _rows(connection, "stl_load_errors", since)]
    if not detail:
        return logged
    raw_values = {(e.file_name, e.line_number, e.column_name): e.raw_field_value for e in logged}
    return [
        replace(e, raw_field_value=raw_values.get((e.file_name, e.line_number, e.column_name)))
        for e in detail
    ]


_QUERIES = {"sys_load_error_detail": LOAD_ERROR_DETAIL_SQL, "stl_load_errors": STL_LOAD_ERRORS_SQL}


def _rows(connection, view: str, since) -> list[tuple]:
    cursor = connection.cursor()
    try:
        cursor.execute(_QUERIES[view], [since])
        return list(cursor.fetchall())
    except Exception as exc:  # noqa: BLE001 - a view missing or forbidden only loses detail
        log.info("Could not read %s: %s", view, exc)
        return []
    finally:
        connection.rollback()
        cursor.close()
