"""Redshift Serverless for the admin DAG's test: a botocore Stubber, since moto has none.

``python -m tests.support.serverless_stub CONF...`` runs ``dag.test()`` of the admin DAG once
per conf, in this process, with every ``redshift-serverless`` client the AWS hook makes replaced
by one stubbed client. The stub answers, in order, the calls a real warehouse's life takes
(create, create again, status, pause, delete, delete again, status), and checks each call's
name and parameters: botocore validates them, and the responses, against the service model.
IAM and EC2 are moto's server with IAM enforced, through the ``aws_admin`` connection as usual.
moto cannot check the Serverless calls against the admin identity's policy, so this does: every
operation the script expects, as its IAM action, and the COPY role handed to the namespace
(``iam:PassRole`` to Redshift Serverless). It prints one JSON line: the runs' states, the calls
the stub still expected (none, if all went as the script says), and the actions the admin
policy would refuse (none).
"""

from __future__ import annotations

import json
import os
import sys
from unittest import mock

import boto3
from botocore.stub import ANY, Stubber

NAME = "sparkify-serverless-test"
ACCOUNT = "123456789012"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{NAME}-s3-read"
NS_ARN = f"arn:aws:redshift-serverless:us-west-2:{ACCOUNT}:namespace/0000-ns"
WG_ARN = f"arn:aws:redshift-serverless:us-west-2:{ACCOUNT}:workgroup/0000-wg"
TAGS = [{"key": "created-by", "value": "sparkify_warehouse_admin"}]
ENDPOINT = {
    "address": f"{NAME}.{ACCOUNT}.us-west-2.redshift-serverless.amazonaws.com",
    "port": 5439,
}


def namespace(status="AVAILABLE"):
    described = {"namespaceName": NAME, "namespaceArn": NS_ARN, "status": status}
    return {"namespace": {**described, "iamRoles": [ROLE_ARN], "dbName": "dev"}}


def workgroup(status):
    described = {"workgroupName": NAME, "workgroupArn": WG_ARN, "status": status}
    return {
        "workgroup": {**described, "namespaceName": NAME, "baseCapacity": 8, "endpoint": ENDPOINT}
    }


def script(stub: Stubber, admin_login: str, admin_password: str) -> None:
    """Every call the runs should make, in order, with its answer."""
    by_name = {"namespaceName": NAME}
    wg_name = {"workgroupName": NAME}
    missing = "ResourceNotFoundException"

    def tags_of(arn):
        stub.add_response("list_tags_for_resource", {"tags": TAGS}, {"resourceArn": arn})

    # create: nothing there, so both are made; the workgroup is waited for.
    stub.add_client_error("get_namespace", missing, expected_params=by_name)
    stub.add_response(
        "create_namespace",
        namespace(),
        {"namespaceName": NAME, "adminUsername": admin_login,
         "adminUserPassword": admin_password, "dbName": "dev", "iamRoles": [ROLE_ARN],
         "defaultIamRoleArn": ROLE_ARN, "tags": TAGS},
    )  # fmt: skip
    stub.add_client_error("get_workgroup", missing, expected_params=wg_name)
    stub.add_response(
        "create_workgroup",
        workgroup("CREATING"),
        {"workgroupName": NAME, "namespaceName": NAME, "baseCapacity": 8,
         "securityGroupIds": [ANY], "publiclyAccessible": True, "tags": TAGS},
    )  # fmt: skip
    stub.add_response("get_workgroup", workgroup("CREATING"), wg_name)
    stub.add_response("get_workgroup", workgroup("AVAILABLE"), wg_name)
    stub.add_response("get_namespace", namespace(), by_name)
    stub.add_response("get_workgroup", workgroup("AVAILABLE"), wg_name)
    # create again: both found, both ours; nothing is made.
    stub.add_response("get_namespace", namespace(), by_name)
    tags_of(NS_ARN)
    stub.add_response("get_workgroup", workgroup("AVAILABLE"), wg_name)
    tags_of(WG_ARN)
    stub.add_response("get_workgroup", workgroup("AVAILABLE"), wg_name)
    stub.add_response("get_namespace", namespace(), by_name)
    stub.add_response("get_workgroup", workgroup("AVAILABLE"), wg_name)
    # status
    stub.add_response("get_namespace", namespace(), by_name)
    stub.add_response("get_workgroup", workgroup("AVAILABLE"), wg_name)
    # pause: refused before any call.
    # delete: the workgroup, waited out, then the namespace.
    stub.add_response("get_workgroup", workgroup("AVAILABLE"), wg_name)
    stub.add_response("get_namespace", namespace(), by_name)
    tags_of(WG_ARN)
    tags_of(NS_ARN)
    stub.add_response("delete_workgroup", workgroup("DELETING"), wg_name)
    stub.add_response("get_workgroup", workgroup("DELETING"), wg_name)
    stub.add_client_error("get_workgroup", missing, expected_params=wg_name)
    stub.add_response("delete_namespace", namespace("DELETING"), by_name)
    # delete again: nothing there.
    stub.add_client_error("get_workgroup", missing, expected_params=wg_name)
    stub.add_client_error("get_namespace", missing, expected_params=by_name)
    # status: none.
    stub.add_client_error("get_namespace", missing, expected_params=by_name)
    stub.add_client_error("get_workgroup", missing, expected_params=wg_name)


def main() -> None:
    import pendulum
    from airflow.dag_processing.dagbag import DagBag
    from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook
    from airflow.sdk import BaseHook
    from sparkify.warehouse_admin import serverless

    client = boto3.client(
        "redshift-serverless", region_name="us-west-2",
        aws_access_key_id="stub", aws_secret_access_key="stub",
    )  # fmt: skip
    stub = Stubber(client)
    admin = BaseHook.get_connection("redshift_admin")
    script(stub, admin.login, admin.password)
    refused = refused_by_admin_policy([call["operation_name"] for call in stub._queue])
    stub.activate()
    serverless.POLL_SECONDS = 0
    real_conn = AwsBaseHook.conn

    def conn(hook):
        return client if hook.client_type == "redshift-serverless" else real_conn.func(hook)

    dag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"]).dags[
        "sparkify_warehouse_admin"
    ]
    states = []
    with mock.patch.object(AwsBaseHook, "conn", property(conn)):
        for number, conf in enumerate(sys.argv[1:]):
            run = dag.test(
                logical_date=pendulum.datetime(2026, 1, 1).add(minutes=number),
                run_conf=json.loads(conf),
            )
            states.append(run.state)
    pending = len(stub._queue)
    print(json.dumps({"states": states, "calls_not_made": pending, "refused": refused}))


def refused_by_admin_policy(operations: list[str]) -> list[str]:
    """The actions among ``operations`` (and the PassRole CreateNamespace implies) that the
    admin identity's policy does not allow."""
    from sparkify.aws_identities import policy_document

    from tests.support.policy_check import allows

    policy = policy_document("admin-policy.json")
    actions = [(f"redshift-serverless:{operation}", "*", None) for operation in operations]
    passed_to = {"iam:PassedToService": "redshift-serverless.amazonaws.com"}
    actions.append(("iam:PassRole", ROLE_ARN, passed_to))
    return sorted({a for a, r, c in actions if not allows(policy, a, r, c)})


if __name__ == "__main__":
    main()
