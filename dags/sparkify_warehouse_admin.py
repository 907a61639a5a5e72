"""sparkify_warehouse_admin: create, inspect, pause, resume and delete the Redshift warehouse.

Triggered by hand from the UI's form (no schedule), for a provisioned cluster or a Serverless
namespace and workgroup. Built on the amazon provider: its cluster operators and sensor where
they exist, boto3 through its AWS hook for IAM, the security group and Serverless. It acts as
the admin identity, connection ``aws_admin``. Everything it creates carries the tag
``created-by: sparkify_warehouse_admin``, and delete removes only what carries it. This file is
the wiring; what each task decides is in ``sparkify.warehouse_admin``. See docs/aws.md.
"""

from __future__ import annotations

import datetime as dt

from airflow.providers.amazon.aws.operators.redshift_cluster import (
    RedshiftCreateClusterOperator,
    RedshiftDeleteClusterOperator,
    RedshiftPauseClusterOperator,
    RedshiftResumeClusterOperator,
)
from airflow.providers.amazon.aws.sensors.redshift_cluster import RedshiftClusterSensor
from airflow.sdk import DAG, BaseHook, task
from sparkify.aws_identities import ADMIN
from sparkify.warehouse_admin import cluster, form, iam_role, network, serverless, steps
from sparkify.warehouse_admin.names import MASTER_USER_CONN_ID, TAGS, WarehouseNames
from sparkify.warehouse_admin.pipeline_connections import (
    for_cluster,
    for_workgroup,
    print_and_set,
)
from sparkify.warehouse_admin.steps import admin_client

NONE_FAILED = "none_failed_min_one_success"
# What every provider operator of the DAG gets: the cluster, where it is, and as whom.
CLUSTER = {
    "cluster_identifier": "{{ params.cluster_id }}",
    "aws_conn_id": ADMIN.conn_id,
    "region_name": "{{ params.region }}",
}


def wait_for_status(task_id: str, status: str) -> RedshiftClusterSensor:
    """A sensor that waits for the cluster to reach ``status``, whichever branch came before."""
    return RedshiftClusterSensor(
        task_id=task_id, target_status=status, poke_interval=30, timeout=3600,
        trigger_rule=NONE_FAILED, **CLUSTER,
    )  # fmt: skip


def names(params) -> WarehouseNames:
    return WarehouseNames(params["cluster_id"])


with DAG(
    dag_id="sparkify_warehouse_admin",
    description="Create, inspect, pause, resume or delete the Redshift warehouse",
    schedule=None,
    start_date=dt.datetime(2018, 11, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "sparkify", "retries": 0},
    tags=["sparkify", "admin"],
    doc_md=__doc__ + f"\n\n**Cost.** {form.COST_WARNING}",
    params=form.form_params(),
) as dag:

    @task.branch
    def choose_action(params=None) -> str:
        return steps.first_task(params)

    @task
    def ensure_role(params=None) -> str:
        """The IAM role Redshift assumes for COPY: read-only on the source bucket."""
        iam = admin_client("iam", params["region"])
        return iam_role.ensure_role(iam, names(params).role_name, params["source_bucket"])

    @task
    def ensure_security_group(params=None) -> str:
        """Port 5439 open to the CIDR given, and to nothing else."""
        ec2 = admin_client("ec2", params["region"])
        cidr = form.checked_cidr(params["allowed_cidr"])
        return network.ensure_security_group(ec2, names(params).security_group_name, cidr)

    def cluster_branch(action: str):
        """The branch after looking at the cluster, for ``action`` (see steps.next_cluster_task)."""

        @task.branch(task_id=f"cluster_to_{action}")
        def branch(params=None) -> str:
            return steps.next_cluster_task(action, params)

        return branch()

    @task(multiple_outputs=True)
    def cluster_spec(params=None) -> dict:
        """The node type and count, typed as the API wants them (templates render text)."""
        nodes = params["number_of_nodes"]
        return {
            "node_type": params["node_type"],
            "number_of_nodes": nodes,
            "cluster_type": "single-node" if nodes == 1 else "multi-node",
        }

    role_arn = ensure_role()
    security_group_id = ensure_security_group()
    spec = cluster_spec()
    create_cluster = RedshiftCreateClusterOperator(
        task_id="create_cluster",
        node_type=spec["node_type"],
        number_of_nodes=spec["number_of_nodes"],
        cluster_type=spec["cluster_type"],
        master_username=f"{{{{ conn.{MASTER_USER_CONN_ID}.login }}}}",
        master_user_password=f"{{{{ conn.{MASTER_USER_CONN_ID}.password }}}}",
        db_name="dev",
        vpc_security_group_ids=[security_group_id],
        iam_roles=[role_arn],
        publicly_accessible=True,
        encrypted=True,
        tags=TAGS,
        **CLUSTER,
    )
    wait_available = wait_for_status("wait_available", "available")

    @task(multiple_outputs=False)
    def print_connections(role_arn: str, params=None) -> dict:
        """The connections to set for the pipeline; the password stays in redshift_admin."""
        found = cluster.describe(admin_client("redshift", params["region"]), params["cluster_id"])
        print_and_set(params["set_connection"], *for_cluster(found, role_arn, params))
        return cluster.summary(found)

    @task(multiple_outputs=False)
    def create_serverless(role_arn: str, security_group_id: str, params=None) -> dict:
        """The namespace and workgroup, made if missing, once available; the connections."""
        admin = BaseHook.get_connection(MASTER_USER_CONN_ID)
        client = admin_client("redshift-serverless", params["region"])
        capacity = form.checked_base_capacity(params["base_capacity"])
        group = serverless.ensure(client, params["cluster_id"], admin.login, admin.password,
                                  role_arn, capacity, security_group_id)  # fmt: skip
        connections = for_workgroup(group, admin.login, role_arn, params)
        print_and_set(params["set_connection"], *connections)
        return serverless.summary(client, params["cluster_id"])

    @task
    def report_status(params=None) -> dict | None:
        """The warehouse's state, endpoint, role and network; None if there is none."""
        found = steps.warehouse_status(params)
        print(found if found else f"No {params['kind']} warehouse {params['cluster_id']}")
        return found

    pause_cluster = RedshiftPauseClusterOperator(task_id="pause_cluster", **CLUSTER)
    wait_paused = wait_for_status("wait_paused", "paused")
    resume_cluster = RedshiftResumeClusterOperator(task_id="resume_cluster", **CLUSTER)
    wait_resumed = wait_for_status("wait_resumed", "available")
    delete_cluster = RedshiftDeleteClusterOperator(
        task_id="delete_cluster", skip_final_cluster_snapshot=True, wait_for_completion=True,
        poll_interval=30, **CLUSTER,
    )  # fmt: skip

    @task
    def delete_serverless(params=None) -> bool:
        """The workgroup (waiting until it is gone), then the namespace, without a snapshot."""
        client = admin_client("redshift-serverless", params["region"])
        return serverless.delete(client, params["cluster_id"])

    @task(trigger_rule=NONE_FAILED)
    def delete_security_group(params=None) -> bool:
        ec2 = admin_client("ec2", params["region"])
        return network.delete_security_group(ec2, names(params).security_group_name)

    @task(trigger_rule=NONE_FAILED)
    def delete_role(params=None) -> bool:
        return iam_role.delete_role(admin_client("iam", params["region"]), names(params).role_name)

    choose = choose_action()
    to_create, to_pause, to_resume, to_delete = (
        cluster_branch(action) for action in ("create", "pause", "resume", "delete")
    )
    status = report_status()
    removed_group = delete_security_group()
    choose >> [role_arn, status, to_pause, to_resume, to_delete]
    role_arn >> security_group_id >> spec >> to_create >> [create_cluster, wait_available]
    create_cluster >> wait_available >> print_connections(role_arn)
    to_create >> create_serverless(role_arn, security_group_id)
    to_pause >> [pause_cluster, wait_paused]
    pause_cluster >> wait_paused
    to_resume >> [resume_cluster, wait_resumed]
    resume_cluster >> wait_resumed
    removed_serverless = delete_serverless()
    to_delete >> [delete_cluster, removed_serverless, removed_group]
    [delete_cluster, removed_serverless] >> removed_group >> delete_role()
