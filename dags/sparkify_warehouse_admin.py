"""sparkify_warehouse_admin: create, inspect, pause, resume and delete the Redshift warehouse.

Triggered by hand from the UI's form (no schedule), for a provisioned cluster or a Serverless
namespace and workgroup. Built on the amazon provider: its cluster operators and sensor where
they exist, boto3 through its AWS hook for IAM, the security group and Serverless. Everything
it creates carries the tag ``created-by: sparkify_warehouse_admin``, and delete removes only what
carries it. See docs/aws.md.
"""

from __future__ import annotations

import datetime as dt

from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook
from airflow.providers.amazon.aws.operators.redshift_cluster import (
    RedshiftCreateClusterOperator,
    RedshiftDeleteClusterOperator,
    RedshiftPauseClusterOperator,
    RedshiftResumeClusterOperator,
)
from airflow.providers.amazon.aws.sensors.redshift_cluster import RedshiftClusterSensor
from airflow.sdk import DAG, BaseHook, Param, task
from sparkify.aws_identities import ADMIN
from sparkify.warehouse_admin import cluster, form, iam_role, network, serverless
from sparkify.warehouse_admin.airflow_connections import API_CONN_ID
from sparkify.warehouse_admin.names import TAGS, WarehouseNames
from sparkify.warehouse_admin.pipeline_connections import (
    connection_settings,
    data_api_connection,
    print_and_set,
)

AWS_CONN_ID = ADMIN.conn_id  # the admin identity: include/iam/admin-policy.json
ADMIN_CONN_ID = "redshift_admin"  # login and password of the cluster's master user
COST_WARNING = (
    "A provisioned cluster bills for every hour it exists and is not paused; a paused one "
    "still bills for its storage. Serverless bills compute only while queries run, from its "
    "base capacity up, and storage. Delete what you created when you are done."
)
NONE_FAILED = "none_failed_min_one_success"
CLUSTER = "{{ params.cluster_id }}"
REGION = "{{ params.region }}"


def _client(service: str, region: str):
    return AwsBaseHook(aws_conn_id=AWS_CONN_ID, client_type=service, region_name=region).conn


def _redshift(params):
    return _client("redshift", params["region"])


def _wait_for_status(task_id: str, status: str) -> RedshiftClusterSensor:
    """A sensor that waits for the cluster to reach ``status``, whichever branch came before."""
    return RedshiftClusterSensor(
        task_id=task_id,
        cluster_identifier=CLUSTER,
        target_status=status,
        poke_interval=30,
        timeout=3600,
        aws_conn_id=AWS_CONN_ID,
        region_name=REGION,
        trigger_rule=NONE_FAILED,
    )


with DAG(
    dag_id="sparkify_warehouse_admin",
    description="Create, inspect, pause, resume or delete the Redshift warehouse",
    schedule=None,
    start_date=dt.datetime(2018, 11, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "sparkify", "retries": 0},
    tags=["sparkify", "admin"],
    doc_md=__doc__ + f"\n\n**Cost.** {COST_WARNING}",
    params={
        "action": Param(
            "status",
            enum=["create", "status", "pause", "resume", "delete"],
            description="What to do. " + COST_WARNING,
        ),
        "kind": Param(
            "provisioned",
            enum=["provisioned", "serverless"],
            description="A provisioned cluster, or a Serverless namespace and workgroup",
        ),
        "cluster_id": Param(
            "sparkify-warehouse",
            type="string",
            pattern="^[a-z0-9-]+$",
            maxLength=form.NAME_MAX,
            description="The cluster (or Serverless namespace and workgroup) name: lowercase "
            "letters, digits and hyphens; a cluster's starts with a letter and has no hyphen "
            "at the end or two in a row, a Serverless name has at least 3 characters; at most "
            f"{form.NAME_MAX} characters, so that its COPY role's name fits IAM's 64",
        ),
        "region": Param("us-west-2", type="string", description="Where the warehouse lives"),
        "node_type": Param("ra3.large", type="string", description="create: the node type"),
        "number_of_nodes": Param(
            1, type="integer", minimum=1, description="create: 1 is single-node"
        ),
        "base_capacity": Param(
            8,
            type="integer",
            minimum=4,
            maximum=1024,
            description="create, serverless: base RPUs: 4, or 8 to 512 in steps of 8, or 512 "
            "to 1024 in steps of 32 (above 512 only in some regions)",
        ),
        "allowed_cidr": Param(
            "",
            type="string",
            description="create: the only address range that may reach port 5439, IPv4 or "
            "IPv6, e.g. 203.0.113.7/32. Required; 0.0.0.0/0 only if you write it.",
        ),
        "source_bucket": Param(
            "udacity-dend", type="string", description="create: the bucket COPY may read"
        ),
        "source_region": Param("us-west-2", type="string", description="the bucket's region"),
        "set_connection": Param(
            "no",
            enum=["no", "driver", "data_api"],
            description=f"create: also set connections redshift and aws_redshift_copy, through "
            f"Airflow's REST API as connection {API_CONN_ID}: redshift to the endpoint with the "
            f"password of {ADMIN_CONN_ID} (driver), or through the Redshift Data API "
            "(data_api). 'no' only prints them.",
        ),
    },
) as dag:

    @task.branch
    def choose_action(params=None) -> str:
        """The first task of the chosen action. Nothing reaches AWS unless the admin identity's
        connection exists and the form holds values AWS accepts."""
        ADMIN.connection()
        form.checked_form(params)
        return {
            "create": "ensure_role",
            "status": "report_status",
            "pause": "cluster_to_pause",
            "resume": "cluster_to_resume",
            "delete": "cluster_to_delete",
        }[params["action"]]

    @task
    def ensure_role(params=None) -> str:
        """The IAM role Redshift assumes for COPY: read-only on the source bucket."""
        return iam_role.ensure_role(
            _client("iam", params["region"]),
            WarehouseNames(params["cluster_id"]).role_name,
            params["source_bucket"],
        )

    @task
    def ensure_security_group(params=None) -> str:
        """Port 5439 open to the CIDR given, and to nothing else."""
        return network.ensure_security_group(
            _client("ec2", params["region"]),
            WarehouseNames(params["cluster_id"]).security_group_name,
            form.checked_cidr(params["allowed_cidr"]),
        )

    @task.branch
    def cluster_to_create(params=None) -> str:
        """Create the cluster unless it exists already (a second create only waits for it)."""
        if params["kind"] == "serverless":
            return "create_serverless"
        found = cluster.ours_or_none(_redshift(params), params["cluster_id"])
        return "wait_available" if found else "create_cluster"

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
        cluster_identifier=CLUSTER,
        node_type=spec["node_type"],
        number_of_nodes=spec["number_of_nodes"],
        cluster_type=spec["cluster_type"],
        master_username=f"{{{{ conn.{ADMIN_CONN_ID}.login }}}}",
        master_user_password=f"{{{{ conn.{ADMIN_CONN_ID}.password }}}}",
        db_name="dev",
        vpc_security_group_ids=[security_group_id],
        iam_roles=[role_arn],
        publicly_accessible=True,
        encrypted=True,
        tags=TAGS,
        aws_conn_id=AWS_CONN_ID,
        region_name=REGION,
    )
    wait_available = _wait_for_status("wait_available", "available")

    @task(multiple_outputs=False)
    def print_connections(role_arn: str, params=None) -> dict:
        """The connections to set for the pipeline; the password stays in redshift_admin."""
        found = cluster.describe(_redshift(params), params["cluster_id"])
        print_and_set(
            params["set_connection"],
            connection_settings(
                found["Endpoint"]["Address"],
                found["Endpoint"]["Port"],
                found["DBName"],
                found["MasterUsername"],
                role_arn,
                params["source_region"],
            ),
            data_api_connection(
                found["DBName"],
                params["region"],
                cluster_id=params["cluster_id"],
                login=found["MasterUsername"],
            ),
        )
        return cluster.summary(found)

    @task(multiple_outputs=False)
    def create_serverless(role_arn: str, security_group_id: str, params=None) -> dict:
        """The namespace and workgroup, made if missing, once available; the connections."""
        admin = BaseHook.get_connection(ADMIN_CONN_ID)
        client = _client("redshift-serverless", params["region"])
        group = serverless.ensure(
            client,
            params["cluster_id"],
            admin.login,
            admin.password,
            role_arn,
            form.checked_base_capacity(params["base_capacity"]),
            security_group_id,
        )
        endpoint = group["endpoint"]
        print_and_set(
            params["set_connection"],
            connection_settings(
                endpoint["address"],
                endpoint["port"],
                "dev",
                admin.login,
                role_arn,
                params["source_region"],
            ),
            data_api_connection("dev", params["region"], workgroup=params["cluster_id"]),
        )
        return serverless.summary(client, params["cluster_id"])

    @task
    def report_status(params=None) -> dict | None:
        """The warehouse's state, endpoint, role and network; None if there is none."""
        if params["kind"] == "serverless":
            found = serverless.summary(
                _client("redshift-serverless", params["region"]), params["cluster_id"]
            )
        else:
            described = cluster.describe(_redshift(params), params["cluster_id"])
            found = cluster.summary(described) if described else None
        print(found if found else f"No {params['kind']} warehouse {params['cluster_id']}")
        return found

    def _refuse_serverless(params, action: str) -> None:
        if params["kind"] == "serverless":
            raise ValueError(f"Serverless cannot {action}: it bills compute only while queries run")

    @task.branch
    def cluster_to_pause(params=None) -> str:
        _refuse_serverless(params, "pause")
        found = cluster.ours_or_none(_redshift(params), params["cluster_id"])
        if found is None:
            raise RuntimeError(f"no cluster {params['cluster_id']} to pause")
        return "pause_cluster" if found["ClusterStatus"] != "paused" else "wait_paused"

    @task.branch
    def cluster_to_resume(params=None) -> str:
        _refuse_serverless(params, "resume")
        found = cluster.ours_or_none(_redshift(params), params["cluster_id"])
        if found is None:
            raise RuntimeError(f"no cluster {params['cluster_id']} to resume")
        return "resume_cluster" if found["ClusterStatus"] == "paused" else "wait_resumed"

    @task.branch
    def cluster_to_delete(params=None) -> str:
        """Delete the cluster if there is one; the role and group go either way."""
        if params["kind"] == "serverless":
            return "delete_serverless"
        found = cluster.ours_or_none(_redshift(params), params["cluster_id"])
        return "delete_cluster" if found else "delete_security_group"

    pause_cluster = RedshiftPauseClusterOperator(
        task_id="pause_cluster",
        cluster_identifier=CLUSTER,
        aws_conn_id=AWS_CONN_ID,
        region_name=REGION,
    )
    wait_paused = _wait_for_status("wait_paused", "paused")
    resume_cluster = RedshiftResumeClusterOperator(
        task_id="resume_cluster",
        cluster_identifier=CLUSTER,
        aws_conn_id=AWS_CONN_ID,
        region_name=REGION,
    )
    wait_resumed = _wait_for_status("wait_resumed", "available")
    delete_cluster = RedshiftDeleteClusterOperator(
        task_id="delete_cluster",
        cluster_identifier=CLUSTER,
        skip_final_cluster_snapshot=True,
        wait_for_completion=True,
        poll_interval=30,
        aws_conn_id=AWS_CONN_ID,
        region_name=REGION,
    )

    @task
    def delete_serverless(params=None) -> bool:
        """The workgroup (waiting until it is gone), then the namespace, without a snapshot."""
        return serverless.delete(
            _client("redshift-serverless", params["region"]), params["cluster_id"]
        )

    @task(trigger_rule=NONE_FAILED)
    def delete_security_group(params=None) -> bool:
        return network.delete_security_group(
            _client("ec2", params["region"]),
            WarehouseNames(params["cluster_id"]).security_group_name,
        )

    @task(trigger_rule=NONE_FAILED)
    def delete_role(params=None) -> bool:
        return iam_role.delete_role(
            _client("iam", params["region"]), WarehouseNames(params["cluster_id"]).role_name
        )

    choose = choose_action()
    to_create, to_pause, to_resume, to_delete = (
        cluster_to_create(),
        cluster_to_pause(),
        cluster_to_resume(),
        cluster_to_delete(),
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
