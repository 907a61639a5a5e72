"""The warehouse over the Amazon Redshift Data API: the DB-API surface the operators use.

A task that cannot reach port 5439 (managed Airflow, a Serverless workgroup without a public
endpoint) still runs the same operators: ``DataApiConnection`` hands out cursors whose
``execute`` sends the statement through the Data API (the amazon provider's RedshiftDataHook
gives the client and its credentials) and waits for it.

Transactions. Every statement of one connection runs in one Data API session: the first
statement opens it (``SessionKeepAliveSeconds``), the others name it (``SessionId``). A session
is one database session, so an explicit ``BEGIN`` holds until ``COMMIT`` or ``ROLLBACK`` across
calls, as on a driver connection, and temporary tables live until the session ends. A load
therefore reads, decides and writes inside one transaction with its table locked, exactly as
over the driver. A task killed mid-transaction leaves the session to Redshift, which ends it
after ``keep_alive_seconds`` idle and rolls its transaction back: that is how long its lock
can outlive it. A script known in advance (the DDL) goes in one ``BatchExecuteStatement``,
which the Data API runs as one transaction.

Why not ``RedshiftDataHook.execute_query``: its failure message is the whole DescribeStatement
response, the SQL included, which holds a COPY's credentials; and it waits by sleeping whole
seconds between polls, where DescribeStatement can wait for the statement itself
(``WaitTimeSeconds``).
"""

from __future__ import annotations

import decimal
import logging
import re
from dataclasses import dataclass
from typing import Any

from airflow.providers.amazon.aws.hooks.redshift_data import RedshiftDataHook

from sparkify.aws_identities import DATA_API
from sparkify.errors import PipelineConfigError
from sparkify.masking import mask_credentials

log = logging.getLogger(__name__)

FINISHED, FAILED, ABORTED = "FINISHED", "FAILED", "ABORTED"
LONG_POLL_SECONDS = 20  # DescribeStatement waits up to this long for the statement to end
_TRANSACTION_CONTROL = re.compile(r"\s*(BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK)\b", re.I)
_INTEGER_TYPES = {"int2", "int4", "int8", "smallint", "integer", "bigint", "oid"}


class DataApiStatementError(RuntimeError):
    """A statement the Data API reports FAILED or ABORTED; its error, credentials masked.

    Not an AirflowFailException: whether a retry can help is for the caller to say (a COPY
    asks the load error views, as over the driver).
    """


@dataclass(frozen=True)
class DataApiTarget:
    """Where the Data API runs statements, and as whom.

    One of ``cluster_identifier`` (provisioned) or ``workgroup_name`` (Serverless). As whom:
    ``secret_arn`` (a Secrets Manager secret with the user and password), else temporary
    credentials for ``db_user`` on a cluster, or for the caller's IAM identity on Serverless.
    """

    database: str
    cluster_identifier: str | None = None
    workgroup_name: str | None = None
    db_user: str | None = None
    secret_arn: str | None = None
    aws_conn_id: str = DATA_API.conn_id
    region_name: str | None = None
    keep_alive_seconds: int = 60

    @classmethod
    def from_connection(cls, connection) -> DataApiTarget:
        """The target a ``redshift`` connection with ``"data_api": true`` names.

        Extras, with the amazon provider's names where it has one: ``cluster_identifier``, or
        ``is_serverless`` and ``serverless_work_group``; ``region``; ``aws_conn_id``;
        ``secret_arn``; ``session_keep_alive_seconds``. The database is the connection's
        schema field, the cluster's database user its login (no password is used).
        """
        extra = connection.extra_dejson
        workgroup = extra.get("serverless_work_group") if extra.get("is_serverless") else None
        cluster = extra.get("cluster_identifier")
        if bool(workgroup) == bool(cluster):
            raise PipelineConfigError(
                f"connection {connection.conn_id!r} uses the Data API: its extra needs either "
                '"cluster_identifier", or "is_serverless": true and "serverless_work_group"'
            )
        if not connection.schema:
            raise PipelineConfigError(
                f"connection {connection.conn_id!r} uses the Data API: set its database "
                "(the schema field)"
            )
        secret_arn = extra.get("secret_arn")
        keep_alive = int(extra.get("session_keep_alive_seconds", cls.keep_alive_seconds))
        if not 0 < keep_alive <= 86400:
            raise PipelineConfigError("session_keep_alive_seconds must be within 1..86400")
        return cls(
            database=connection.schema,
            cluster_identifier=cluster,
            workgroup_name=workgroup,
            db_user=connection.login if cluster and not secret_arn else None,
            secret_arn=secret_arn,
            aws_conn_id=extra.get("aws_conn_id", DATA_API.conn_id),
            region_name=extra.get("region"),
            keep_alive_seconds=keep_alive,
        )

    def opening_parameters(self) -> dict[str, Any]:
        """What a call that opens a session says of the target (a later call names the session)."""
        parameters = {
            "Database": self.database,
            "ClusterIdentifier": self.cluster_identifier,
            "WorkgroupName": self.workgroup_name,
            "DbUser": self.db_user,
            "SecretArn": self.secret_arn,
            "SessionKeepAliveSeconds": self.keep_alive_seconds,
        }
        return {name: value for name, value in parameters.items() if value is not None}

    def hook(self) -> RedshiftDataHook:
        """The provider's hook, as the Data API caller (refused, saying why, if its connection
        is missing: the provider would fall back to whatever credentials the worker has)."""
        DATA_API.connection(self.aws_conn_id)
        return RedshiftDataHook(aws_conn_id=self.aws_conn_id, region_name=self.region_name)


class DataApiConnection:
    """One Data API session, with the DB-API connection methods the warehouse code calls.

    ``autocommit`` False (the default, as DB-API says) means the first statement after a commit
    or rollback is preceded by ``BEGIN``.
    """

    def __init__(self, target: DataApiTarget, client=None) -> None:
        self.target = target
        self.client = client if client is not None else target.hook().conn
        self.autocommit = False
        self.session_id: str | None = None
        self.in_transaction = False

    def cursor(self) -> DataApiCursor:
        return DataApiCursor(self)

    def commit(self) -> None:
        if self.in_transaction:
            self.in_transaction = False
            self.submit("COMMIT")

    def rollback(self) -> None:
        if self.in_transaction:
            self.in_transaction = False
            self.submit("ROLLBACK")

    def close(self) -> None:
        """Roll back what is open; the session itself ends after its keep-alive."""
        self.rollback()

    def execute(self, sql: str, parameters=None) -> dict[str, Any]:
        """Run one statement inside the connection's transaction; its finished description."""
        if not self.autocommit and not self.in_transaction and not _TRANSACTION_CONTROL.match(sql):
            self.submit("BEGIN")
            self.in_transaction = True
        return self.submit(sql, parameters)

    def submit(self, sql: str, parameters=None) -> dict[str, Any]:
        """Send ``sql`` as it is in this connection's session; wait for it to end."""
        return self._wait(self.client.execute_statement(**self.request(sql, parameters)))

    def request(self, sql: str, parameters=None) -> dict[str, Any]:
        """The ExecuteStatement parameters that run ``sql`` in this connection's session."""
        text, named = named_parameters(sql, parameters)
        return {"Sql": text, **({"Parameters": named} if named else {}), **self._session()}

    def execute_batch(self, statements: list[str]) -> dict[str, Any]:
        """Run ``statements`` as one transaction (BatchExecuteStatement): all or none."""
        if self.in_transaction:
            raise RuntimeError("a batch is its own transaction; commit or roll back first")
        return self._wait(self.client.batch_execute_statement(Sqls=statements, **self._session()))

    def _session(self) -> dict[str, Any]:
        if self.session_id is None:
            return self.target.opening_parameters()
        return {"SessionId": self.session_id}

    def _wait(self, submitted: dict[str, Any]) -> dict[str, Any]:
        self.session_id = self.session_id or submitted.get("SessionId")
        while True:
            described = self.client.describe_statement(
                Id=submitted["Id"], WaitTimeSeconds=LONG_POLL_SECONDS
            )
            status = described["Status"]
            if status == FINISHED:
                return described
            if status in (FAILED, ABORTED):
                error = described.get("Error") or status
                raise DataApiStatementError(mask_credentials(f"{status}: {error}"))
            log.info("Statement %s is %s", submitted["Id"], status)

    def result(self, statement_id: str) -> tuple[list[tuple], list[tuple]]:
        """The statement's (description, rows), every page of GetStatementResult."""
        description, rows, token = [], [], None
        while True:
            page = self.client.get_statement_result(
                Id=statement_id, **({"NextToken": token} if token else {})
            )
            columns = page["ColumnMetadata"]
            description = [
                (c["name"], c.get("typeName"), None, None, None, None, c.get("nullable"))
                for c in columns
            ]
            rows.extend(
                tuple(_value(field, column) for field, column in zip(record, columns, strict=True))
                for record in page["Records"]
            )
            token = page.get("NextToken")
            if not token:
                return description, rows


class DataApiCursor:
    """A DB-API cursor (execute, fetchone, fetchall, description, rowcount) on the connection."""

    def __init__(self, connection: DataApiConnection) -> None:
        self.connection = connection
        self.description: list[tuple] | None = None
        self.rowcount = -1
        self._rows: list[tuple] = []

    def execute(self, sql: str, parameters=None) -> None:
        described = self.connection.execute(sql, parameters)
        self.rowcount = described.get("ResultRows", -1)
        self.description, self._rows = None, []
        if described.get("HasResultSet"):
            self.description, self._rows = self.connection.result(described["Id"])

    def fetchone(self) -> tuple | None:
        return self._rows.pop(0) if self._rows else None

    def fetchall(self) -> list[tuple]:
        rows, self._rows = self._rows, []
        return rows

    def close(self) -> None:
        self._rows = []


def named_parameters(sql: str, parameters) -> tuple[str, list[dict[str, str]]]:
    """``sql`` with its ``%s`` placeholders as the Data API's ``:name`` ones, and their values.

    The Data API takes every value as a string and lets Redshift cast it; it has no NULL
    parameter, so a None is written as NULL in the statement.
    """
    if not parameters:
        return sql, []
    pieces = sql.split("%s")
    if len(pieces) != len(parameters) + 1:
        raise ValueError(f"{len(parameters)} parameter(s) for {len(pieces) - 1} placeholder(s)")
    text, named = pieces[0], []
    for value, piece in zip(parameters, pieces[1:], strict=True):
        if value is None:
            text += "NULL"
        else:
            name = f"p{len(named) + 1}"
            named.append({"name": name, "value": _text(value)})
            text += f":{name}"
        text += piece
    return text, named


def _text(value) -> str:
    """A parameter's value as the Data API takes it: text, booleans as ``true``/``false`` (as
    the Data API guide writes them; Python's ``str`` would send ``True``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _value(field: dict[str, Any], column: dict[str, Any]) -> Any:
    """A GetStatementResult field as the driver would give it (numeric as Decimal)."""
    if field.get("isNull"):
        return None
    for kind in ("booleanValue", "longValue", "doubleValue", "blobValue"):
        if kind in field:
            return field[kind]
    text = field.get("stringValue")
    type_name = (column.get("typeName") or "").lower()
    if type_name in _INTEGER_TYPES:
        return int(text)
    if type_name == "numeric":
        return decimal.Decimal(text)
    return text
