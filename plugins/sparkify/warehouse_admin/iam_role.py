"""The IAM role for COPY: Redshift alone may assume it, to read the source bucket and no more.

Its trust and permission policies are the repository's own (include/iam/copy-role-trust.json
and copy-role-policy.json, the bucket filled in). Nothing in Airflow assumes it: the workers
list the bucket as themselves (connection ``aws_default``), and the pipeline only hands the
role's ARN to Redshift (connection ``aws_redshift_copy``). Its name ends with ``-s3-read``,
the only roles the admin identity may manage.
"""

from __future__ import annotations

import logging

from sparkify.aws_identities import policy_document
from sparkify.warehouse_admin.names import TAGS, is_ours

log = logging.getLogger(__name__)

POLICY_NAME = "read-source-bucket"


def trust_policy() -> str:
    """Only the Redshift service may assume the role."""
    return policy_document("copy-role-trust.json")


def read_policy(bucket: str) -> str:
    """List the bucket and get its objects: what COPY needs, and no more."""
    return policy_document("copy-role-policy.json", source_bucket=bucket)


def ensure_role(iam, role_name: str, bucket: str) -> str:
    """The role's ARN, made if missing; its policies are (re)set either way."""
    try:
        role = iam.get_role(RoleName=role_name)["Role"]
        if not is_ours(iam.list_role_tags(RoleName=role_name)["Tags"]):
            raise RuntimeError(f"IAM role {role_name} exists and was not made by this DAG")
        log.info("IAM role %s exists", role["Arn"])
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(
            RoleName=role_name,
            AssumeRolePolicyDocument=trust_policy(),
            Description="Lets Redshift COPY read the Sparkify source bucket",
            Tags=TAGS,
        )["Role"]
        log.info("Created IAM role %s", role["Arn"])
    iam.update_assume_role_policy(RoleName=role_name, PolicyDocument=trust_policy())
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
