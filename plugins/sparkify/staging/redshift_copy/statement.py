"""Build and run Redshift's server-side ``COPY ... FROM 's3://...'`` for a stage.

Credentials come from the COPY role's connection (``aws_redshift_copy``): the IAM role in its
extra ``role_arn``; else the access key, secret and session token the connection holds. The
statement carries them, so it is never logged or raised as is: every credential is registered
with Airflow's secrets masker, logs get ``mask_credentials``' form, and a failed COPY is
re-raised with a masked message and without the driver's original exception attached, naming
the rejected lines where Redshift recorded them (``load_errors``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from airflow.sdk.log import mask_secret

from sparkify.aws_identities import COPY_ROLE
from sparkify.errors import PipelineConfigError, SourceDataError
from sparkify.identifiers import quote_identifier
from sparkify.masking import mask_credentials
from sparkify.staging.copy_options import CopyOptions
from sparkify.staging.redshift_copy.load_errors import copy_started, recorded_load_errors


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class CopyCredentials:
    """Either an IAM role, or keys (with a session token for temporary credentials)."""

    iam_role: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    session_token: str | None = None

    def clause(self) -> str:
        if self.iam_role:
            return f"IAM_ROLE {_literal(self.iam_role)}"
        if not (self.access_key_id and self.secret_access_key):
            raise ValueError("COPY needs an IAM role or an access key and secret")
        clause = (
            f"ACCESS_KEY_ID {_literal(self.access_key_id)} "
            f"SECRET_ACCESS_KEY {_literal(self.secret_access_key)}"
        )
        if self.session_token:
            clause += f" SESSION_TOKEN {_literal(self.session_token)}"
        return clause


def copy_access(conn_id: str = COPY_ROLE.conn_id) -> tuple[CopyCredentials, str | None]:
    """The COPY credentials connection ``conn_id`` stands for, and its region (or None).

    The COPY role's connection (``aws_redshift_copy``) carries the role Redshift assumes in
    extra ``role_arn``, passed to Redshift as is: nothing here calls AWS, and nothing in Airflow
    acts as the role. A connection with keys instead gives them to COPY (resolved by the
    provider's hook, which needs no call for static keys); one with neither is refused rather
    than handing COPY whatever credentials the worker happens to have.
    """
    from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

    connection = COPY_ROLE.connection(conn_id)
    hook = AwsBaseHook(aws_conn_id=conn_id, client_type="sts")
    region = hook.region_name
    role_arn = hook.conn_config.extra_config.get("role_arn")
    if role_arn:
        return CopyCredentials(iam_role=role_arn), region
    if not (connection.login or hook.conn_config.extra_config.get("aws_access_key_id")):
        raise PipelineConfigError(
            f"connection {conn_id!r} names no IAM role for COPY: set extra role_arn to the role "
            "Redshift assumes to read the source (include/iam/copy-role-policy.json)"
        )
    frozen = hook.get_credentials()
    for secret in (frozen.access_key, frozen.secret_key, frozen.token):
        if secret:
            mask_secret(secret)
    credentials = CopyCredentials(
        access_key_id=frozen.access_key,
        secret_access_key=frozen.secret_key,
        session_token=frozen.token,
    )
    return credentials, region


def copy_statement(
    table_sql: str,
    columns: Sequence[str],
    from_url: str,
    options: CopyOptions,
    credentials: CopyCredentials,
    region: str | None,
    jsonpaths_url: str | None = None,
) -> str:
    """The COPY statement; ``jsonpaths_url`` is the s3:// URL of the JSONPaths file, if any."""
    json_format = jsonpaths_url if options.jsonpaths_key is not None else options.json_format
    parts = [
        f"COPY {table_sql} ({', '.join(quote_identifier(c) for c in columns)})",
        f"FROM {_literal(from_url)}",
        credentials.clause(),
        f"FORMAT AS JSON {_literal(json_format)}",
    ]
    if options.timeformat:
        parts.append(f"TIMEFORMAT {_literal(options.timeformat)}")
    if options.blanks_as_null:
        parts.append("BLANKSASNULL")
    if options.empty_as_null:
        parts.append("EMPTYASNULL")
    if options.truncate_columns:
        parts.append("TRUNCATECOLUMNS")
    if region:
        parts.append(f"REGION {_literal(region)}")
    parts.append("COMPUPDATE OFF STATUPDATE OFF")
    return "\n".join(parts)


class RedshiftCopyError(RuntimeError):
    """A COPY that failed for a reason Redshift did not record as bad input.

    Not an AirflowFailException: a dropped connection or a throttled S3 passes, so it keeps its
    retries. The message has every credential masked.
    """


class RedshiftLoadError(SourceDataError):
    """A COPY that Redshift refused for its data: the rejected lines, named. Retrying cannot
    mend a file, so the task fails at once."""


def run_copy(cursor, statement: str) -> int:
    """Run ``statement``; return the rows it loaded (``pg_last_copy_count()``).

    If it fails, what Redshift recorded of the load decides: rejected lines are bad input, and
    the error names each one (file, line, column, reason, value); anything else, a connection
    that dropped included, is a RedshiftCopyError that Airflow retries.
    """
    started = copy_started(cursor)
    try:
        cursor.execute(statement)
    except Exception as exc:
        raise _copy_failure(cursor, statement, exc, started) from None
    cursor.execute("SELECT pg_last_copy_count()")
    return cursor.fetchone()[0]


def _copy_failure(cursor, statement: str, exc: Exception, started) -> Exception:
    said = mask_credentials(str(exc))
    try:
        rejected = recorded_load_errors(cursor.connection, started)
    except Exception as lookup:  # noqa: BLE001 - the session is gone: nothing more to learn
        said += f"\n(the load errors could not be read: {mask_credentials(str(lookup))})"
        rejected = []
    if rejected:
        return RedshiftLoadError(
            f"COPY rejected its input: {said}\n"
            + "\n".join(f"- {error.describe()}" for error in rejected)
            + f"\nStatement: {mask_credentials(statement)}"
        )
    return RedshiftCopyError(f"COPY failed: {said}\nStatement: {mask_credentials(statement)}")
