"""The IAM role for COPY: read-only access to the source bucket, nothing else.

Redshift assumes it to read the objects; the Airflow workers assume it too, through connection
``aws_default``, to list and check the objects before each COPY. So it trusts two principals:
the Redshift service, and the identity the admin DAG runs as.
"""

from __future__ import annotations

import json
import logging

from sparkify.warehouse_admin import TAGS, is_ours

log = logging.getLogger(__name__)

POLICY_NAME = "read-source-bucket"


def principal_of(caller_arn: str) -> str:
    """The IAM principal behind an STS caller ARN: an assumed-role session is its role."""
    if ":assumed-role/" in caller_arn:
        account = caller_arn.split(":")[4]
        role = caller_arn.split(":assumed-role/")[1].split("/")[0]
        return f"arn:aws:iam::{account}:role/{role}"
    return caller_arn


def trust_policy(workers: str) -> str:
    """The Redshift service and the workers' principal may assume the role; nobody else."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "redshift.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                },
                {"Effect": "Allow", "Principal": {"AWS": workers}, "Action": "sts:AssumeRole"},
            ],
        }
    )


def read_policy(bucket: str) -> str:
    """List the bucket and get its objects: what COPY needs, and no more."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
                    "Resource": f"arn:aws:s3:::{bucket}",
                },
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket}/*",
                },
            ],
        }
    )


def ensure_role(iam, role_name: str, bucket: str, workers: str) -> str:
    """The role's ARN, made if missing; its policies are (re)set either way."""
    try:
        role = iam.get_role(RoleName=role_name)["Role"]
        if not is_ours(iam.list_role_tags(RoleName=role_name)["Tags"]):
            raise RuntimeError(f"IAM role {role_name} exists and was not made by this DAG")
        log.info("IAM role %s exists", role_name)
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(
            RoleName=role_name,
            AssumeRolePolicyDocument=trust_policy(workers),
            Description="Lets Redshift COPY read the Sparkify source bucket",
            Tags=TAGS,
        )["Role"]
        log.info("Created IAM role %s", role_name)
    iam.update_assume_role_policy(RoleName=role_name, PolicyDocument=trust_policy(workers))
    iam.put_role_policy(
        RoleName=role_name, PolicyName=POLICY_NAME, PolicyDocument=read_policy(bucket)
    )
    return role["Arn"]


def delete_role(iam, role_name: str) -> bool:
    """Delete the role and its inline policy if this DAG made it; False if there was none."""
    try:
        tags = iam.list_role_tags(RoleName=role_name)["Tags"]
    except iam.exceptions.NoSuchEntityException:
        log.info("No IAM role %s", role_name)
        return False
    if not is_ours(tags):
        raise RuntimeError(f"IAM role {role_name} was not made by this DAG; left as it is")
    for policy_name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=role_name, PolicyName=policy_name)
    iam.delete_role(RoleName=role_name)
    log.info("Deleted IAM role %s", role_name)
    return True
