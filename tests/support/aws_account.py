"""An AWS account in moto with IAM enforced, holding the project's identities as docs/aws.md
makes them, each with exactly its policy from include/iam/ (the placeholders filled).

- ``owner``: the account's administrator (every action), for the tests' own set-up and checks;
- ``admin``: IAM user with include/iam/admin-policy.json (connection ``aws_admin``);
- ``workers``: the role ``sparkify-workers`` with include/iam/workers-policy.json, assumed from
  the IAM user ``airflow-workers``, whose only permission is to assume it (connection
  ``aws_default`` with the user's keys and the role's ``role_arn``): how a worker machine's own
  credentials become the workers' identity;
- the source and reports buckets and the alerts topic the workers' policy names.

The COPY role is not here: the admin DAG makes it, from include/iam/copy-role-*.json.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import boto3
from sparkify.aws_identities import policy_document

from tests.support.enforced_moto import ACCOUNT, EnforcedMoto

REGION = "us-west-2"
SOURCE_BUCKET = "sparkify-least-privilege-source"
REPORTS_BUCKET = "sparkify-least-privilege-reports"
REPORTS_PREFIX = "daily/"
TOPIC_NAME = "sparkify-alerts"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:{TOPIC_NAME}"
EVERYTHING = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


def workers_policy() -> str:
    return policy_document(
        "workers-policy.json",
        source_bucket=SOURCE_BUCKET,
        reports_bucket=REPORTS_BUCKET,
        reports_prefix=REPORTS_PREFIX,
        alerts_topic_arn=TOPIC_ARN,
    )


@dataclass(frozen=True)
class Keys:
    """An IAM user's access key, and the user's ARN."""

    access_key_id: str
    secret_access_key: str
    arn: str


class Account:
    """The enforced server and what was made in it."""

    def __init__(self, moto: EnforcedMoto) -> None:
        self.moto = moto
        self.endpoint = moto.endpoint
        self.owner: Keys | None = None

    def client(self, service: str, keys: Keys | None = None, session=None):
        """A boto3 client as ``keys`` (default: the owner), or with a session's credentials."""
        if session is not None:
            return session.client(service, endpoint_url=self.endpoint, region_name=REGION)
        keys = keys or self.owner
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=keys.access_key_id,
            aws_secret_access_key=keys.secret_access_key,
        )

    def user(self, name: str, policy: str) -> Keys:
        """An IAM user with ``policy`` inline, and an access key of it."""
        iam = self.client("iam") if self.owner else _unsigned_iam(self.endpoint)
        arn = iam.create_user(UserName=name)["User"]["Arn"]
        iam.put_user_policy(UserName=name, PolicyName=f"{name}-policy", PolicyDocument=policy)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return Keys(key["AccessKeyId"], key["SecretAccessKey"], arn)

    def role(self, name: str, trust: str, policy: str, path: str = "/") -> str:
        """An IAM role trusted as ``trust``, with ``policy`` inline; its ARN."""
        iam = self.client("iam")
        arn = iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=trust)["Role"][
            "Arn"
        ]
        iam.put_role_policy(RoleName=name, PolicyName=f"{name}-policy", PolicyDocument=policy)
        return arn

    def assumed(self, role_arn: str, keys: Keys):
        """A boto3 session as ``role_arn``, assumed by ``keys`` (raises if refused)."""
        credentials = self.client("sts", keys).assume_role(
            RoleArn=role_arn, RoleSessionName="sparkify-test"
        )["Credentials"]
        return boto3.session.Session(
            credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
        )

    def connection(self, keys: Keys, **extra) -> str:
        """An ``AIRFLOW_CONN_*`` value (JSON) acting as ``keys`` through this server.

        With ``role_arn``, the provider assumes the role through STS, for which it ignores
        ``endpoint_url`` (real STS, always): ``service_config`` points it here instead.
        """
        extra = {"endpoint_url": self.endpoint, "region_name": REGION, **extra}
        if "role_arn" in extra:
            extra["service_config"] = {"sts": {"endpoint_url": self.endpoint}}
        return json.dumps(
            {
                "conn_type": "aws",
                "login": keys.access_key_id,
                "password": keys.secret_access_key,
                "extra": extra,
            }
        )


def _unsigned_iam(endpoint: str):
    return boto3.client(
        "iam",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="AKIASETUP0000000",
        aws_secret_access_key="set-up-before-iam-is-enforced",
    )


@dataclass(frozen=True)
class Identities:
    """The project's identities in the account, as their Airflow connections."""

    account: Account
    admin: Keys
    worker_machine: Keys  # the worker's own credentials: may only assume the workers' role
    workers_role: str

    @property
    def aws_admin(self) -> str:
        return self.account.connection(self.admin)

    @property
    def aws_default(self) -> str:
        return self.account.connection(self.worker_machine, role_arn=self.workers_role)


def make_identities(moto: EnforcedMoto) -> Identities:
    """Everything docs/aws.md has a user make before the DAGs run, then IAM enforced."""
    account = Account(moto)
    account.owner = account.user("account-owner", EVERYTHING)
    s3 = account.client("s3")
    for bucket in (SOURCE_BUCKET, REPORTS_BUCKET, "someone-elses-bucket"):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    account.client("sns").create_topic(Name=TOPIC_NAME)
    admin = account.user("sparkify-admin", policy_document("admin-policy.json"))
    machine = account.user(
        "airflow-workers",
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "sts:AssumeRole",
                        "Resource": f"arn:aws:iam::{ACCOUNT}:role/sparkify-workers",
                    }
                ],
            }
        ),
    )
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": machine.arn}, "Action": "sts:AssumeRole"}
            ],
        }
    )
    workers_role = account.role("sparkify-workers", trust, workers_policy())
    moto.enforce()
    return Identities(account, admin, machine, workers_role)
