"""What each of the admin DAG's decisions takes, from the form and from what AWS says.

The DAG (dags/sparkify_warehouse_admin.py) is the wiring: which task follows which. The
choices it branches on are made here, each looking before it acts: which task an action starts
with, what a create, pause, resume or delete of a cluster still has to do, and what exists.
Every AWS call is made as the admin identity (connection ``aws_admin``).
"""

from __future__ import annotations

from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

from sparkify.aws_identities import ADMIN
from sparkify.warehouse_admin import cluster, form, serverless

# The task each action starts with.
FIRST_TASKS = {
    "create": "ensure_role",
    "status": "report_status",
    "pause": "cluster_to_pause",
    "resume": "cluster_to_resume",
    "delete": "cluster_to_delete",
}


def admin_client(service: str, region: str):
    """A boto3 client of ``service`` in ``region``, as the admin identity."""
    return AwsBaseHook(aws_conn_id=ADMIN.conn_id, client_type=service, region_name=region).conn


def first_task(params) -> str:
    """The chosen action's first task. Nothing reaches AWS unless the admin identity's
    connection exists and the form holds values AWS accepts."""
    ADMIN.connection()
    form.checked_form(params)
    return FIRST_TASKS[params["action"]]


def next_cluster_task(action: str, params) -> str:
    """After looking at the cluster: the task that does what ``action`` still needs, or the
    one that only waits (a second create, a pause of a paused cluster) or goes on."""
    serverless_task = {"create": "create_serverless", "delete": "delete_serverless"}
    if params["kind"] == "serverless":
        if action in serverless_task:
            return serverless_task[action]
        raise ValueError(f"Serverless cannot {action}: it bills compute only while queries run")
    found = cluster.ours_or_none(admin_client("redshift", params["region"]), params["cluster_id"])
    if action == "create":
        return "wait_available" if found else "create_cluster"
    if action == "delete":  # the role and group go either way
        return "delete_cluster" if found else "delete_security_group"
    if found is None:
        raise RuntimeError(f"no cluster {params['cluster_id']} to {action}")
    paused = found["ClusterStatus"] == "paused"
    if action == "pause":
        return "wait_paused" if paused else "pause_cluster"
    return "resume_cluster" if paused else "wait_resumed"


def warehouse_status(params) -> dict | None:
    """The warehouse's state, endpoint, role and network; None if there is none."""
    if params["kind"] == "serverless":
        client = admin_client("redshift-serverless", params["region"])
        return serverless.summary(client, params["cluster_id"])
    found = cluster.describe(admin_client("redshift", params["region"]), params["cluster_id"])
    return cluster.summary(found) if found else None
