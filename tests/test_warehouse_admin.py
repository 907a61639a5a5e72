"""The admin DAG, end to end through ``airflow dags test``, against moto's server with IAM
enforced.

moto stands in for Redshift, IAM, EC2 and STS on one loopback endpoint, so nothing here can
reach AWS. The DAG acts as the admin identity (connection ``aws_admin``): an IAM user whose only
permissions are include/iam/admin-policy.json, which moto checks on every call (see
tests/support/aws_account.py). Each action is a whole DAG run with the form's parameters as its
conf; what it left behind is read back as the account's owner. moto has no Redshift
Serverless: there, a botocore Stubber checks every call against the service model, and each
call's action is checked against the admin policy (tests/support/serverless_stub.py).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from airflow.models.connection import Connection
from sparkify.aws_identities import policy_document
from sparkify.warehouse.data_api import DataApiTarget

from tests.conftest import PROJECT
from tests.support import serverless_stub
from tests.support.dags_test import dags_test_of
from tools.airflow_api import AirflowApi
from tools.airflow_env import AIRFLOW, airflow_environment, migrate_metadata_db

pytestmark = pytest.mark.slow  # a whole airflow dags test per action: not in make check

CLUSTER = "sparkify-admin-test"
MASTER_PASSWORD = "Master-Pa55word-never-logged"
CIDR = "203.0.113.7/32"
CIDR_V6 = "2001:DB8:ABCD:0::/48"


@pytest.fixture(scope="module")
def admin_env(tmp_path_factory, aws):
    home = tmp_path_factory.mktemp("admin-airflow")
    env = airflow_environment(home, "{}", "file:///unused")
    migrate_metadata_db(env)
    env["AIRFLOW_CONN_AWS_ADMIN"] = aws.aws_admin
    env["AIRFLOW_CONN_REDSHIFT_ADMIN"] = json.dumps(
        {"conn_type": "generic", "login": "sparkify_admin", "password": MASTER_PASSWORD}
    )
    return env


@pytest.fixture(scope="module")
def account(aws):
    return aws.account


def run(env, **conf):
    """One run of the admin DAG with ``conf``; its output, after asserting how it ended."""
    expect = conf.pop("expect", "success")
    conf = {"cluster_id": CLUSTER, "region": "us-west-2", **conf}
    result = dags_test_of(env, "sparkify_warehouse_admin", conf=conf)
    output = result.stdout + result.stderr
    assert (result.returncode == 0) == (expect == "success"), output[-4000:]
    assert MASTER_PASSWORD not in output
    return output


def data_api_target(output: str) -> DataApiTarget:
    """The Data API connection the admin DAG printed second, as the pipeline reads it."""
    printed = output.split("# or, through the Redshift Data API")[1]
    uri = printed.split("AIRFLOW_CONN_REDSHIFT='")[1].split("'")[0]
    return DataApiTarget.from_connection(Connection(conn_id="redshift", **json.loads(uri)))


def ours(tags) -> bool:
    return {"Key": "created-by", "Value": "sparkify_warehouse_admin"} in (tags or [])


def left_behind(account, name: str = CLUSTER) -> dict:
    redshift, iam, ec2 = (account.client(s) for s in ("redshift", "iam", "ec2"))
    clusters = [c for c in redshift.describe_clusters()["Clusters"] if ours(c.get("Tags"))]
    roles = [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"].startswith(name)]
    groups = [
        g
        for g in ec2.describe_security_groups()["SecurityGroups"]
        if g["GroupName"].startswith(name)
    ]
    return {"clusters": clusters, "roles": roles, "groups": groups}


def test_create_requires_a_cidr_and_creates_nothing_without_one(admin_env, account):
    output = run(admin_env, action="create", expect="failed")
    assert "allowed_cidr is required" in output
    assert left_behind(account) == {"clusters": [], "roles": [], "groups": []}


def ingress(group: dict) -> list[tuple[int, str]]:
    """The ranges the group lets in, IPv4 and IPv6, with their port."""
    return [
        (p["FromPort"], r.get("CidrIp") or r.get("CidrIpv6"))
        for p in group["IpPermissions"]
        for r in p.get("IpRanges", []) + p.get("Ipv6Ranges", [])
    ]


def test_create_status_pause_resume_delete_twice_each(admin_env, account):
    # First for an IPv6 range (not yet in its normal form), then for an IPv4 one: each time
    # the group ends with that range alone.
    run(admin_env, action="create", allowed_cidr=CIDR_V6, source_bucket="sparkify-src")
    (group,) = left_behind(account)["groups"]
    assert ingress(group) == [(5439, "2001:db8:abcd::/48")]
    created = run(admin_env, action="create", allowed_cidr=CIDR, source_bucket="sparkify-src")
    found = left_behind(account)
    assert len(found["clusters"]) == 1 and found["roles"] == [f"{CLUSTER}-s3-read"]
    (cluster,) = found["clusters"]
    assert cluster["ClusterIdentifier"] == CLUSTER and cluster["Encrypted"] is True
    assert cluster["NumberOfNodes"] == 1 and cluster["MasterUsername"] == "sparkify_admin"
    (group,) = found["groups"]
    assert [g["VpcSecurityGroupId"] for g in cluster["VpcSecurityGroups"]] == [group["GroupId"]]
    assert ingress(group) == [(5439, CIDR)]  # the CIDR given, once, and nothing wider
    role = account.client("iam").get_role(RoleName=f"{CLUSTER}-s3-read")["Role"]
    assert [r["IamRoleArn"] for r in cluster["IamRoles"]] == [role["Arn"]]
    # The COPY role: trusted by Redshift alone, reading the bucket alone, with exactly the
    # repository's policies.
    assert role["AssumeRolePolicyDocument"] == json.loads(policy_document("copy-role-trust.json"))
    policy = account.client("iam").get_role_policy(
        RoleName=f"{CLUSTER}-s3-read", PolicyName="read-source-bucket"
    )["PolicyDocument"]
    assert policy == json.loads(
        policy_document("copy-role-policy.json", source_bucket="sparkify-src")
    )
    resources = {r for s in policy["Statement"] for r in [s["Resource"]]}
    assert resources == {"arn:aws:s3:::sparkify-src", "arn:aws:s3:::sparkify-src/*"}
    # The connections to set, printed: the endpoint and role, never the password.
    printed = json.loads(created.split("AIRFLOW_CONN_REDSHIFT='")[1].split("'")[0])
    assert printed["host"] == cluster["Endpoint"]["Address"] and printed["port"] == 5439
    printed_copy_role = created.split("AIRFLOW_CONN_AWS_REDSHIFT_COPY='")[1].split("'")[0]
    assert json.loads(printed_copy_role) == {
        "conn_type": "aws",
        "extra": {"role_arn": role["Arn"], "region_name": "us-west-2"},
    }
    assert data_api_target(created) == DataApiTarget(
        database="dev",
        cluster_identifier=CLUSTER,
        db_user="sparkify_admin",
        region_name="us-west-2",
    )
    # What the UI shows as the task's rendered template: the master user, masked password.
    metadata = sqlite3.connect(Path(admin_env["AIRFLOW_HOME"]) / "airflow.db")
    rendered = metadata.execute(
        "SELECT rendered_fields FROM rendered_task_instance_fields WHERE task_id = 'create_cluster'"
    ).fetchall()
    assert rendered and "sparkify_admin" in str(rendered)
    assert MASTER_PASSWORD not in str(rendered)

    assert "'status': 'available'" in run(admin_env, action="status")
    for _ in range(2):
        run(admin_env, action="pause")
        assert cluster_status(account) == "paused"
    for _ in range(2):
        run(admin_env, action="resume")
        assert cluster_status(account) == "available"

    for _ in range(2):
        run(admin_env, action="delete")
        assert left_behind(account) == {"clusters": [], "roles": [], "groups": []}
    assert f"No provisioned warehouse {CLUSTER}" in run(admin_env, action="status")


@pytest.mark.parametrize(
    "conf, rule",
    [
        ({"cluster_id": "sparkify--warehouse"}, "nor has two in a row"),
        ({"kind": "serverless", "base_capacity": 12}, "4 RPUs, or 8 to 512 in steps of 8"),
    ],
)
def test_a_form_aws_would_refuse_stops_before_any_call(admin_env, account, conf, rule):
    """Refused by the first task, saying the rule, before anything exists to clean up (every
    rule: tests/test_admin_form.py)."""
    conf = {"cluster_id": CLUSTER, "allowed_cidr": CIDR, **conf}
    output = run(admin_env, action="create", expect="failed", **conf)
    assert rule in output
    assert left_behind(account, conf["cluster_id"]) == {
        "clusters": [],
        "roles": [],
        "groups": [],
    }


def test_without_its_own_connection_the_admin_dag_says_what_to_set(admin_env, aws):
    """A setup of one connection, aws_default, as earlier versions had: refused, naming what
    to change, before any call (AWS would refuse it anyway if aws_default held the COPY role)."""
    env = {k: v for k, v in admin_env.items() if k != "AIRFLOW_CONN_AWS_ADMIN"}
    env["AIRFLOW_CONN_AWS_DEFAULT"] = aws.aws_admin
    output = run(env, action="status", expect="failed")
    assert "connection 'aws_admin' is not set" in output
    assert "include/iam/admin-policy.json" in output
    assert "Earlier versions used aws_default for this" in output


def test_delete_leaves_what_it_did_not_create(admin_env, account):
    ec2 = account.client("ec2")
    group_id = ec2.create_security_group(
        GroupName=f"{CLUSTER}-ingress", Description="someone else's"
    )["GroupId"]
    try:
        output = run(admin_env, action="delete", expect="failed")
        assert "was not made by this DAG" in output
        assert ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    finally:
        ec2.delete_security_group(GroupId=group_id)


def cluster_status(account) -> str:
    redshift = account.client("redshift")
    return redshift.describe_clusters(ClusterIdentifier=CLUSTER)["Clusters"][0]["ClusterStatus"]


def test_the_form_warns_of_the_cost(admin_env):
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=os.path.join(os.path.dirname(__file__), "..", "dags")).dags[
        "sparkify_warehouse_admin"
    ]
    assert "bills for every hour" in dag.params.get_param("action").description
    assert dag.params["allowed_cidr"] == ""  # no default range, let alone 0.0.0.0/0


def test_serverless_create_twice_status_pause_refused_delete_twice(admin_env, account):
    name = serverless_stub.NAME
    create = {"action": "create", "allowed_cidr": CIDR, "source_bucket": "sparkify-src"}
    actions = [create, create, {"action": "status"}, {"action": "pause"}]
    actions += [{"action": "delete"}, {"action": "delete"}, {"action": "status"}]
    confs = [
        {"kind": "serverless", "cluster_id": name, "region": "us-west-2", **a} for a in actions
    ]
    result = subprocess.run(
        [sys.executable, "-m", "tests.support.serverless_stub", *map(json.dumps, confs)],
        env={**admin_env, "PYTHONPATH": os.pathsep.join([str(PROJECT), str(PROJECT / "plugins")])},
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    # Every call the stub expected was made, with the parameters it expected, in order.
    assert outcome == {
        "states": ["success", "success", "success", "failed", "success", "success", "success"],
        "calls_not_made": 0,
        "refused": [],  # every Serverless call's action is in the admin identity's policy
    }, output[-4000:]
    assert "Serverless cannot pause" in output
    printed = json.loads(output.split("AIRFLOW_CONN_REDSHIFT='")[1].split("'")[0])
    assert printed["host"] == serverless_stub.ENDPOINT["address"] and printed["port"] == 5439
    assert data_api_target(output) == DataApiTarget(
        database="dev", workgroup_name=name, region_name="us-west-2"
    )
    assert f"No serverless warehouse {name}" in output
    assert MASTER_PASSWORD not in output
    assert left_behind(account, name) == {"clusters": [], "roles": [], "groups": []}


@pytest.fixture
def api_server(admin_env):
    """Airflow's real api-server on the admin runs' metadata database: (url, admin password)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    home = Path(admin_env["AIRFLOW_HOME"])
    env = {
        **admin_env,
        "AIRFLOW__CORE__AUTH_MANAGER": (
            "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
        ),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__WORKERS": "1",
    }
    url = f"http://127.0.0.1:{port}"
    with (home / "api-server.log").open("ab") as log:
        server = subprocess.Popen(
            [AIRFLOW, "api-server"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, (home / "api-server.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"{url}/api/v2/monitor/health", timeout=5):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                assert time.monotonic() < deadline, "the api-server did not answer in 120 s"
                time.sleep(1)
        generated = home / "simple_auth_manager_passwords.json.generated"
        yield url, json.loads(generated.read_text())["admin"]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


def stored_connection(env) -> dict:
    """Connection redshift as the metadata database holds it, password included."""
    exported = subprocess.run(
        [AIRFLOW, "connections", "export", "-", "--file-format", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(exported)["redshift"]


def test_create_sets_the_connection_through_the_rest_api_when_asked(admin_env, api_server, account):
    url, password = api_server
    api_connection = {"conn_type": "http", "host": url, "login": "admin", "password": password}
    env = {**admin_env, "AIRFLOW_CONN_AIRFLOW_API": json.dumps(api_connection)}
    api = AirflowApi(url, "admin", password)
    try:
        output = run(env, action="create", allowed_cidr=CIDR, set_connection="driver")
        assert "Connection redshift created through the REST API (driver)" in output
        assert "Connection aws_redshift_copy created through the REST API (driver)" in output
        copy_role = api.call("GET", "/connections/aws_redshift_copy")
        role = account.client("iam").get_role(RoleName=f"{CLUSTER}-s3-read")["Role"]
        assert json.loads(copy_role["extra"]) == {
            "role_arn": role["Arn"],
            "region_name": "us-west-2",
        }
        endpoint = account.client("redshift").describe_clusters(ClusterIdentifier=CLUSTER)[
            "Clusters"
        ][0]["Endpoint"]
        stored = api.call("GET", "/connections/redshift")
        assert (stored["conn_type"], stored["host"], stored["port"]) == (
            "redshift",
            endpoint["Address"],
            5439,
        )
        assert (stored["schema"], stored["login"]) == ("dev", "sparkify_admin")
        assert stored_connection(env)["password"] == MASTER_PASSWORD

        output = run(env, action="create", allowed_cidr=CIDR, set_connection="data_api")
        assert "Connection redshift replaced through the REST API (data_api)" in output
        stored = api.call("GET", "/connections/redshift")
        assert json.loads(stored["extra"]) == {
            "data_api": True,
            "region": "us-west-2",
            "cluster_identifier": CLUSTER,
        }
        assert stored["host"] is None
        assert not stored_connection(env).get("password")  # the old password is gone
    finally:
        run(admin_env, action="delete")
