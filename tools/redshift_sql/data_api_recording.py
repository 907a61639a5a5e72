"""A recording stand-in for the Redshift Data API: every call checked, every statement kept.

``recording_data_api(recording)`` makes every RedshiftDataHook's client a
RecordingDataApiClient. The client
- checks each call's parameters, and each of its own answers, against botocore's service model
  of ``redshift-data``, and the rules the model cannot say: exactly one of cluster, workgroup or
  session; no database or user with a session; no database user on a workgroup;
- runs each session's statements on its own RecordingConnection (``recording``), so a
  session keeps its transaction and temporary tables across calls as Redshift's does, and a
  batch is one transaction;
- keeps every call in ``calls``, for the dry run and the tests.

moto's redshift-data cannot do this: its statements never finish and have no sessions.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from unittest import mock

import botocore.session
from airflow.providers.amazon.aws.hooks.redshift_data import RedshiftDataHook
from botocore.exceptions import ParamValidationError
from botocore.validate import ParamValidator

from tools.redshift_sql.recording import Recording, RecordingConnection

_MODEL = botocore.session.get_session().get_service_model("redshift-data")
_PLACEHOLDER = re.compile(r":(p\d+)\b")
_TARGET = ("ClusterIdentifier", "WorkgroupName", "SessionId")


@dataclass
class DataApiCall:
    """One ExecuteStatement or BatchExecuteStatement: who sent it, where, what."""

    task_id: str
    operation: str
    session: int  # sessions numbered in the order they were opened
    opened_session: bool
    sqls: list[str]
    parameters: list[dict[str, str]] = field(default_factory=list)


class RecordingDataApiClient:
    """The redshift-data calls the warehouse makes, answered by recording connections."""

    def __init__(self, recording: Recording, page_size: int = 100) -> None:
        self.recording = recording
        self.page_size = page_size
        self.calls: list[DataApiCall] = recording.data_api_calls
        self.opened: list[dict] = []  # the parameters of each call that opened a session
        self._sessions: dict[str, RecordingConnection] = {}
        self._statements: dict[str, dict] = {}

    def _checked(self, operation: str, params: dict) -> None:
        """Check a call against the service model, and note its operation (for the policy)."""
        _check(operation, params)
        self.recording.data_api_operations.add(operation)

    def execute_statement(self, **params) -> dict:
        return self._run("ExecuteStatement", params, [params.get("Sql")], batch=False)

    def batch_execute_statement(self, **params) -> dict:
        return self._run("BatchExecuteStatement", params, params.get("Sqls"), batch=True)

    def describe_statement(self, **params) -> dict:
        self._checked("DescribeStatement", params)
        described = {k: v for k, v in self._statements[params["Id"]].items() if k != "_result"}
        return _answer("DescribeStatement", described)

    def get_statement_result(self, **params) -> dict:
        self._checked("GetStatementResult", params)
        description, rows = self._statements[params["Id"]]["_result"]
        start = int(params.get("NextToken", 0))
        page = rows[start : start + self.page_size]
        answer = {
            "ColumnMetadata": [
                {"name": d[0], "typeName": _type_name(rows, i)} for i, d in enumerate(description)
            ],
            "Records": [[_field(value) for value in row] for row in page],
            "TotalNumRows": len(rows),
        }
        if start + self.page_size < len(rows):
            answer["NextToken"] = str(start + self.page_size)
        return _answer("GetStatementResult", answer)

    def _run(self, operation: str, params: dict, sqls: list[str], batch: bool) -> dict:
        self._checked(operation, params)
        session_id, connection, opened = self._session(params)
        number = list(self._sessions).index(session_id) + 1
        self.calls.append(
            DataApiCall(
                self.recording.task_id,
                operation,
                number,
                opened,
                list(sqls),
                list(params.get("Parameters", [])),
            )
        )
        statement_id = str(uuid.uuid4())
        now = dt.datetime.now(dt.UTC)
        described = {
            "Id": statement_id,
            "Status": "FINISHED",
            "CreatedAt": now,
            "UpdatedAt": now,
            "QueryString": "; ".join(sqls),
            "SessionId": session_id,
            "HasResultSet": False,
            "ResultRows": -1,
        }
        try:
            if batch:
                connection.autocommit = False
                for sql in sqls:
                    _execute(connection, sql, [])
                connection.commit()
                connection.autocommit = True
            else:
                cursor = _execute(connection, sqls[0], params.get("Parameters", []))
                if cursor is not None and cursor.description is not None:
                    rows = cursor.fetchall()
                    described.update(HasResultSet=True, ResultRows=len(rows))
                    described["_result"] = (cursor.description, rows)
        except Exception as exc:  # noqa: BLE001 - the API reports a failed statement, not raise
            if batch:
                connection.rollback()
                connection.autocommit = True
            described.update(Status="FAILED", Error=f"ERROR: {exc}")
        self._statements[statement_id] = described
        return _answer(operation, {"Id": statement_id, "CreatedAt": now, "SessionId": session_id})

    def _session(self, params: dict) -> tuple[str, RecordingConnection, bool]:
        targets = [name for name in _TARGET if name in params]
        if len(targets) != 1:
            raise ParamValidationError(report=f"exactly one of {_TARGET}, got {targets}")
        if "SessionId" in params:
            extra = {"Database", "DbUser", "SecretArn", "SessionKeepAliveSeconds"} & set(params)
            if extra:
                raise ParamValidationError(report=f"{sorted(extra)} given with a SessionId")
            return params["SessionId"], self._sessions[params["SessionId"]], False
        if "Database" not in params:
            raise ParamValidationError(report="a call that opens a session names its Database")
        if "WorkgroupName" in params and "DbUser" in params:
            raise ParamValidationError(report="DbUser is for clusters; a workgroup has none")
        self.opened.append(dict(params))
        session_id = str(uuid.uuid4())
        connection = RecordingConnection(self.recording)
        connection.autocommit = True  # a session commits each statement unless BEGIN is sent
        self._sessions[session_id] = connection
        return session_id, connection, True


def _execute(connection: RecordingConnection, sql: str, named: list[dict]):
    """Run one statement on the session's connection; its cursor (None for BEGIN and the like)."""
    keyword = sql.strip().split()[0].upper()
    if keyword == "BEGIN":
        connection.autocommit = False
        connection.begin_if_needed()
        return None
    if keyword in ("COMMIT", "ROLLBACK"):
        connection.commit() if keyword == "COMMIT" else connection.rollback()
        connection.autocommit = True
        return None
    values = {p["name"]: p["value"] for p in named}
    used = _PLACEHOLDER.findall(sql)
    if set(used) != set(values):
        raise ParamValidationError(report=f"placeholders {used} but parameters {sorted(values)}")
    cursor = connection.cursor()
    cursor.execute(_PLACEHOLDER.sub("%s", sql), [values[name] for name in used] or None)
    return cursor


def _check(operation: str, params: dict) -> None:
    report = ParamValidator().validate(params, _MODEL.operation_model(operation).input_shape)
    if report.has_errors():
        raise ParamValidationError(report=report.generate_report())


def _answer(operation: str, answer: dict) -> dict:
    """``answer``, once the model's output shape accepts it."""
    report = ParamValidator().validate(answer, _MODEL.operation_model(operation).output_shape)
    if report.has_errors():
        raise AssertionError(f"the stand-in's {operation} answer: {report.generate_report()}")
    return answer


def _field(value) -> dict:
    if value is None:
        return {"isNull": True}
    if isinstance(value, bool):
        return {"booleanValue": value}
    if isinstance(value, int):
        return {"longValue": value}
    if isinstance(value, float):
        return {"doubleValue": value}
    return {"stringValue": str(value)}


def _type_name(rows: list[tuple], index: int) -> str:
    values = [row[index] for row in rows if row[index] is not None]
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "int8"
    return "varchar"


@contextlib.contextmanager
def recording_data_api(
    recording: Recording, page_size: int = 100
) -> Iterator[RecordingDataApiClient]:
    """Within the block, every RedshiftDataHook's client is a RecordingDataApiClient."""
    client = RecordingDataApiClient(recording, page_size)
    with mock.patch.object(RedshiftDataHook, "conn", new=mock.PropertyMock(return_value=client)):
        yield client
