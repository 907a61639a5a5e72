"""Build Redshift's server-side ``COPY ... FROM 's3://...'`` for a stage.

Credentials come from the aws connection, in this order: the IAM role in its extra
``role_arn``; else the access key, secret and session token the connection resolves to. The
statement carries them, so it is never logged as is: ``mask_credentials`` gives the loggable
form.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sparkify.copy_options import CopyOptions
from sparkify.identifiers import quote_identifier


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


def credentials_from_aws_connection(aws_conn_id: str) -> CopyCredentials:
    """The COPY credentials an aws connection stands for."""
    from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

    hook = AwsBaseHook(aws_conn_id=aws_conn_id, client_type="sts")
    role_arn = hook.conn_config.extra_config.get("role_arn")
    if role_arn:
        return CopyCredentials(iam_role=role_arn)
    frozen = hook.get_credentials()
    return CopyCredentials(
        access_key_id=frozen.access_key,
        secret_access_key=frozen.secret_key,
        session_token=frozen.token,
    )


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


_SECRET_CLAUSE = re.compile(
    r"\b(IAM_ROLE|ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)\s+'(?:[^']|'')*'"
)


def mask_credentials(statement: str) -> str:
    """The statement with every credential replaced by ``'***'``, for logs and errors."""
    return _SECRET_CLAUSE.sub(lambda m: f"{m.group(1)} '***'", statement)
