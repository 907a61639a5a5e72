"""Each AWS identity can do its job and nothing else, under IAM enforced by moto's server.

The identities are made as docs/aws.md says, each with exactly its policy from include/iam/
(tests/support/aws_account.py). The hourly DAG stages from S3 as the workers, who act through
their role; what they may not do, and what the COPY role may not do, is refused by IAM. The
admin identity's whole cycle is tests/test_warehouse_admin.py; the reports and alerts, written
and sent as the workers, are in tests/test_daily_report.py and tests/test_alerts.py.
"""

from __future__ import annotations

import json
import re

import pytest
from botocore.exceptions import ClientError
from sparkify.aws_identities import policy_document

from tests.conftest import PROJECT
from tests.support.aws_account import SOURCE_BUCKET, Keys
from tests.support.dags_test import dags_test_of
from tests.support.raw_counts import actual_warehouse, expected_warehouse
from tests.support.shared_values import HOUR
from tools.airflow_env import airflow_environment, migrate_metadata_db
from tools.redshift_sql.dry_run import record_hour
from tools.task_runner import run_hour

DAY_KEY = "log_data/2018/11/2018-11-15-events.json"
CAN_ASSUME_ROLES = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
    }
)


def refused(call) -> str:
    """The error code of a call IAM must refuse (the test fails if it is allowed)."""
    with pytest.raises(ClientError) as failure:
        call()
    return failure.value.response["Error"]["Code"]


@pytest.fixture(scope="module")
def source(aws, real_data):
    """The real sample's catalogue and one day file in the source bucket, put by the owner."""
    s3 = aws.account.client("s3")
    keys = [DAY_KEY, "log_json_path.json"]
    keys += [str(p.relative_to(real_data)) for p in (real_data / "song_data").rglob("*.json")]
    for key in keys:
        s3.upload_file(str(real_data / key), SOURCE_BUCKET, key)
    return f"s3://{SOURCE_BUCKET}"


@pytest.fixture(scope="module")
def workers(aws):
    """A session as the workers' role, assumed from the worker machine's credentials."""
    return aws.account.assumed(aws.workers_role, aws.worker_machine)


def test_the_hourly_dag_stages_from_s3_as_the_workers_through_their_role(
    dag, warehouse, real_data, aws, source, monkeypatch
):
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", aws.aws_default)
    run_hour(dag, HOUR, source)
    assert actual_warehouse(warehouse) == expected_warehouse(real_data, [HOUR])


def test_the_worker_machine_alone_can_do_nothing_but_become_the_workers(aws, source):
    s3 = aws.account.client("s3", aws.worker_machine)
    assert refused(lambda: s3.list_objects_v2(Bucket=SOURCE_BUCKET)) == "AccessDenied"


def test_the_workers_cannot_provision_or_delete_a_warehouse(aws, workers):
    redshift = aws.account.client("redshift", session=workers)
    create = lambda: redshift.create_cluster(  # noqa: E731
        ClusterIdentifier="sparkify-by-workers",
        NodeType="ra3.large",
        MasterUsername="admin",
        MasterUserPassword="Passw0rd-not-used",
        ClusterType="single-node",
    )
    assert refused(create) == "AccessDenied"
    assert refused(lambda: redshift.describe_clusters()) == "AccessDenied"
    assert (
        refused(
            lambda: redshift.delete_cluster(ClusterIdentifier="any", SkipFinalClusterSnapshot=True)
        )
        == "AccessDenied"
    )
    iam = aws.account.client("iam", session=workers)
    assert (
        refused(lambda: iam.create_role(RoleName="escalate-s3-read", AssumeRolePolicyDocument="{}"))
        == "AccessDenied"
    )
    ec2 = aws.account.client("ec2", session=workers)
    # AWS says UnauthorizedOperation for EC2; moto says AccessDenied.
    assert refused(ec2.describe_security_groups) in ("UnauthorizedOperation", "AccessDenied")


def test_the_workers_read_the_source_and_write_reports_and_no_more(aws, workers, source):
    s3 = aws.account.client("s3", session=workers)
    assert s3.get_object(Bucket=SOURCE_BUCKET, Key=DAY_KEY)["ContentLength"] > 0
    assert (
        refused(lambda: s3.put_object(Bucket=SOURCE_BUCKET, Key=DAY_KEY, Body=b"{}"))
        == "AccessDenied"
    )
    assert refused(lambda: s3.delete_object(Bucket=SOURCE_BUCKET, Key=DAY_KEY)) == "AccessDenied"
    assert refused(lambda: s3.list_objects_v2(Bucket="someone-elses-bucket")) == "AccessDenied"


def copy_role_twin(aws, name: str) -> tuple[str, Keys]:
    """The COPY role's exact permission policy on a role a tester may assume.

    The COPY role itself trusts the Redshift service alone, which no test can act as; its twin
    differs only in whom it trusts.
    """
    tester = aws.account.user(f"{name}-tester", CAN_ASSUME_ROLES)
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": tester.arn}, "Action": "sts:AssumeRole"}
            ],
        }
    )
    policy = policy_document("copy-role-policy.json", source_bucket=SOURCE_BUCKET)
    return aws.account.role(name, trust, policy), tester


def test_the_copy_role_reads_the_source_and_cannot_write_it_or_read_another(aws, source):
    role, tester = copy_role_twin(aws, "copy-twin-s3-read")
    s3 = aws.account.client("s3", session=aws.account.assumed(role, tester))
    assert s3.get_object(Bucket=SOURCE_BUCKET, Key=DAY_KEY)["ContentLength"] > 0
    assert s3.list_objects_v2(Bucket=SOURCE_BUCKET, Prefix="song_data/")["KeyCount"] > 0
    assert (
        refused(
            lambda: s3.put_object(Bucket=SOURCE_BUCKET, Key="log_data/planted.json", Body=b"{}")
        )
        == "AccessDenied"
    )
    assert refused(lambda: s3.delete_object(Bucket=SOURCE_BUCKET, Key=DAY_KEY)) == "AccessDenied"
    assert refused(lambda: s3.list_objects_v2(Bucket="someone-elses-bucket")) == "AccessDenied"
    assert (
        refused(lambda: s3.get_object(Bucket="someone-elses-bucket", Key="anything"))
        == "AccessDenied"
    )


def test_nobody_in_airflow_can_assume_the_copy_role(aws):
    """Its trust policy names the Redshift service alone: the workers, even allowed to assume
    roles, and the admin that made it, are refused."""
    trust = policy_document("copy-role-trust.json")
    role = aws.account.role(
        "trusted-by-redshift-s3-read",
        trust,
        policy_document("copy-role-policy.json", source_bucket=SOURCE_BUCKET),
    )
    anyone = aws.account.user("allowed-to-assume", CAN_ASSUME_ROLES)
    for keys in (anyone, aws.admin, aws.worker_machine):
        sts = aws.account.client("sts", keys)
        assume = lambda sts=sts: sts.assume_role(RoleArn=role, RoleSessionName="try")  # noqa: E731
        assert refused(assume) == "AccessDenied"


def test_the_admin_identity_cannot_read_the_data(aws, source):
    s3 = aws.account.client("s3", aws.admin)
    assert refused(lambda: s3.get_object(Bucket=SOURCE_BUCKET, Key=DAY_KEY)) == "AccessDenied"
    iam = aws.account.client("iam", aws.admin)
    assert refused(lambda: iam.get_role(RoleName="sparkify-workers")) == "AccessDenied"


def by_hand_steps() -> list[str]:
    """docs/aws.md's numbered steps of "By hand", in order."""
    text = (PROJECT / "docs" / "aws.md").read_text()
    section = text.split("## By hand")[1].split("\n## ")[0]
    return re.findall(r"^\d+\. (.*?)(?=^\d+\. |\Z)", section, flags=re.M | re.S)


@pytest.mark.slow
def test_following_docs_aws_md_by_hand_the_admin_dag_creates_and_deletes_and_the_dag_stages(
    dag, warehouse, real_data, aws, source, tmp_path, monkeypatch
):
    """The steps as written, with the identities the `aws` fixture made by steps 1 and 2."""
    steps = by_hand_steps()
    assert len(steps) == 9
    for number, names in enumerate(
        [
            ["admin-policy.json", "`aws_admin`"],
            ["workers-policy.json", "`aws_default`", "role_arn"],
            ["`action=create`", "copy-role-trust.json", "copy-role-policy.json"],
            ["`aws_redshift_copy`", "AIRFLOW_CONN_AWS_REDSHIFT_COPY"],
            ["`redshift`", "`aws_redshift_data`"],
            ["`sparkify_source_url`"],
        ]
    ):
        for name in names:
            assert name in steps[number], (number + 1, name)

    # Step 3: the admin DAG, as the admin identity.
    env = airflow_environment(tmp_path / "airflow", "{}", "file:///unused")
    migrate_metadata_db(env)
    env["AIRFLOW_CONN_AWS_ADMIN"] = aws.aws_admin
    env["AIRFLOW_CONN_REDSHIFT_ADMIN"] = json.dumps(
        {"conn_type": "generic", "login": "sparkify_admin", "password": "Docs-Walk-Pa55word"}
    )
    form = {"cluster_id": "sparkify-docs", "region": "us-west-2", "source_bucket": SOURCE_BUCKET}
    created = admin(env, action="create", allowed_cidr="203.0.113.7/32", **form)
    # Step 4: the COPY role's connection, as printed.
    copy_role = created.split("AIRFLOW_CONN_AWS_REDSHIFT_COPY='")[1].split("'")[0]
    role_arn = json.loads(copy_role)["extra"]["role_arn"]
    assert role_arn.endswith(":role/sparkify-docs-s3-read")
    # Steps 5 and 6, with PostgreSQL for the cluster: the hour staged from S3 as the workers.
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", aws.aws_default)
    monkeypatch.setenv("AIRFLOW_CONN_AWS_REDSHIFT_COPY", copy_role)
    run_hour(dag, HOUR, source)
    assert actual_warehouse(warehouse) == expected_warehouse(real_data, [HOUR])
    # ... and on Redshift (the recording connection): the workers list the bucket, and COPY is
    # handed the role the admin DAG made.
    monkeypatch.setenv("AIRFLOW_CONN_REDSHIFT", RECORDED_REDSHIFT)
    recording = record_hour(dag, HOUR, source)
    copies = [s for _, s in recording.statements if s.startswith("COPY")]
    assert len(copies) == 2
    assert all(f"IAM_ROLE '{role_arn}'" in copy for copy in copies)
    # Step 9: delete; nothing of the warehouse is left.
    admin(env, action="delete", **form)
    assert "No provisioned warehouse sparkify-docs" in admin(env, action="status", **form)
    roles = aws.account.client("iam").list_roles()["Roles"]
    assert not [r for r in roles if r["RoleName"].startswith("sparkify-docs")]


RECORDED_REDSHIFT = json.dumps(
    {
        "conn_type": "redshift",
        "host": "sparkify-docs.abc123xyz.us-west-2.redshift.amazonaws.com",
        "port": 5439,
        "login": "sparkify_admin",
        "password": "not-sent-anywhere",
        "schema": "dev",
    }
)


def admin(env: dict[str, str], **conf) -> str:
    """One successful run of the admin DAG with ``conf``; its output."""
    result = dags_test_of(env, "sparkify_warehouse_admin", conf=conf)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    return output
