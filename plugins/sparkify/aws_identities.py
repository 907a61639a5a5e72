"""The AWS identities the project acts as: one Airflow connection and one policy each.

Four jobs, four identities, so that each holds only what its job needs (the policies are in
``include/iam/``, explained in docs/security.md):

- the **admin** (``aws_admin``) creates, pauses, resumes and deletes the warehouse: the admin
  DAG, and nothing else, acts as it;
- the **workers** (``aws_default``, the providers' default) list and read the source, write the
  daily report to S3 and publish alerts to SNS;
- the **COPY role** (``aws_redshift_copy``) is the IAM role Redshift assumes to read the source
  for ``COPY ... IAM_ROLE``; the connection only carries its ARN (extra ``role_arn``) and the
  bucket's region (``region_name``), and nothing in Airflow acts as it;
- the **Data API caller** (``aws_redshift_data``) runs the pipeline's SQL through the Redshift
  Data API when connection ``redshift`` says ``"data_api": true``.

One connection used to do all of this: ``aws_default`` with the COPY role's ``role_arn``. The
amazon provider then assumes that role for every client the connection makes, so the admin
DAG could not delete the cluster it made. A connection that is missing fails here, naming its
job, its policy, and what to move from ``aws_default`` if that is where it used to be.
"""

from __future__ import annotations

import json
import re
import string
from dataclasses import dataclass
from pathlib import Path

from airflow.sdk import BaseHook, Connection
from airflow.sdk.exceptions import AirflowNotFoundException

from sparkify.errors import PipelineConfigError

POLICIES = Path(__file__).resolve().parents[2] / "include" / "iam"
_PLACEHOLDER = re.compile(r"\$\{([a-z_]+)\}")


@dataclass(frozen=True)
class Identity:
    """An AWS identity of the project: its connection, its job and its policy document."""

    conn_id: str
    job: str
    policy: str
    # What an existing setup of one connection, aws_default, has to change.
    moved_from_default: str | None = None

    def connection(self, conn_id: str | None = None) -> Connection:
        """Connection ``conn_id`` (default: this identity's), or a message saying what to set."""
        conn_id = conn_id or self.conn_id
        try:
            return BaseHook.get_connection(conn_id)
        except AirflowNotFoundException:
            message = (
                f"connection {conn_id!r} is not set: it is the AWS identity that {self.job}, "
                f"with the permissions of {self.policy} (see docs/security.md)."
            )
            if self.moved_from_default and conn_id == self.conn_id:
                message += f" {self.moved_from_default}"
            raise PipelineConfigError(message) from None


ADMIN = Identity(
    "aws_admin",
    "provisions, pauses, resumes and deletes the warehouse (the admin DAG)",
    "include/iam/admin-policy.json",
    "Earlier versions used aws_default for this: give aws_admin the credentials that "
    "aws_default had, without the COPY role's role_arn.",
)
WORKERS = Identity(
    "aws_default",
    "lists and reads the source, writes the daily report to S3 and publishes alerts to SNS",
    "include/iam/workers-policy.json",
)
COPY_ROLE = Identity(
    "aws_redshift_copy",
    "Redshift assumes for COPY (its extra role_arn; region_name is the bucket's region)",
    "include/iam/copy-role-policy.json, trusted as include/iam/copy-role-trust.json",
    "Earlier versions read the role from aws_default: move role_arn and region_name from "
    "aws_default's extra to aws_redshift_copy's, and let aws_default be the workers' own "
    "credentials.",
)
DATA_API = Identity(
    "aws_redshift_data",
    "calls the Redshift Data API for connection redshift",
    "include/iam/data-api-cluster-policy.json or data-api-serverless-policy.json",
    "Earlier versions called it as aws_default: create aws_redshift_data, or name the "
    'connection to use in redshift\'s extra as "aws_conn_id".',
)


def policy_document(name: str, **values: str) -> str:
    """Policy ``include/iam/<name>`` with its ``${placeholders}`` filled, as compact JSON.

    IAM's own policy variables (``${aws:userid}``) are left for IAM; a placeholder of ours
    without a value is an error, so no policy leaves here half-written.
    """
    filled = string.Template((POLICIES / name).read_text()).safe_substitute(values)
    missing = _PLACEHOLDER.findall(filled)
    if missing:
        raise ValueError(f"{name}: no value for {sorted(set(missing))}")
    return json.dumps(json.loads(filled), separators=(",", ":"))
