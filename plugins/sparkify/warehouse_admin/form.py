"""The admin DAG's form, checked against AWS's own rules before any call is made.

AWS would refuse these values too, but only halfway through a create, after the role and the
security group exist, and in words that do not say what to type instead. Each rule here is
stated as AWS's documentation states it (the CreateCluster, CreateNamespace, CreateWorkgroup
and CreateRole references, and "Compute capacity for Amazon Redshift Serverless").
"""

from __future__ import annotations

import ipaddress
import re

from airflow.sdk import Param

from sparkify.errors import PipelineConfigError
from sparkify.warehouse_admin.airflow_connections import API_CONN_ID
from sparkify.warehouse_admin.names import MASTER_USER_CONN_ID, ROLE_NAME_MAX, WarehouseNames

CLUSTER_ID = re.compile(r"[a-z](-?[a-z0-9])*")
CLUSTER_ID_MAX = 63
SERVERLESS_NAME = re.compile(r"[a-z0-9-]+")
SERVERLESS_NAME_LENGTHS = (3, 64)
# The longest name of either kind whose COPY role's name still fits IAM's limit.
NAME_MAX = ROLE_NAME_MAX - len(WarehouseNames("").role_name)
PORT = 5439
COST_WARNING = (
    "A provisioned cluster bills for every hour it exists and is not paused; a paused one "
    "still bills for its storage. Serverless bills compute only while queries run, from its "
    "base capacity up, and storage. Delete what you created when you are done."
)


def form_params() -> dict[str, Param]:
    """The form the UI shows when the admin DAG is triggered: each field, its default and rule."""
    return {
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
            maxLength=NAME_MAX,
            description="The cluster (or Serverless namespace and workgroup) name: lowercase "
            "letters, digits and hyphens; a cluster's starts with a letter and has no hyphen "
            "at the end or two in a row, a Serverless name has at least 3 characters; at most "
            f"{NAME_MAX} characters, so that its COPY role's name fits IAM's 64",
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
            f"password of {MASTER_USER_CONN_ID} (driver), or through the Redshift Data API "
            "(data_api). 'no' only prints them.",
        ),
    }


def checked_name(kind: str, name: str) -> str:
    """The cluster id (or Serverless namespace and workgroup name), refused with its rule."""
    if kind == "serverless":
        least, most = SERVERLESS_NAME_LENGTHS
        if not (least <= len(name) <= most and SERVERLESS_NAME.fullmatch(name)):
            raise PipelineConfigError(
                f"cluster_id {name!r}: a Serverless namespace and workgroup name is {least} to "
                f"{most} characters, lowercase letters, digits and hyphens"
            )
    elif not (len(name) <= CLUSTER_ID_MAX and CLUSTER_ID.fullmatch(name)):
        raise PipelineConfigError(
            f"cluster_id {name!r}: a cluster identifier is 1 to {CLUSTER_ID_MAX} lowercase "
            "letters, digits and hyphens, starts with a letter, and neither ends with a hyphen "
            "nor has two in a row"
        )
    role = WarehouseNames(name).role_name
    if len(role) > ROLE_NAME_MAX:
        raise PipelineConfigError(
            f"cluster_id {name!r} is too long: its COPY role would be {role!r} "
            f"({len(role)} characters), and an IAM role name has at most {ROLE_NAME_MAX}; "
            f"use at most {ROLE_NAME_MAX - len(role) + len(name)} characters"
        )
    return name


def checked_base_capacity(rpus) -> int:
    """Serverless base capacity: 4, or 8 to 512 in steps of 8, or 512 to 1024 in steps of 32."""
    if isinstance(rpus, int) and not isinstance(rpus, bool) and is_base_capacity(rpus):
        return rpus
    raise PipelineConfigError(
        f"base_capacity {rpus!r}: Redshift Serverless takes 4 RPUs, or 8 to 512 in steps of 8, "
        "or 512 to 1024 in steps of 32 (above 512 only in some regions)"
    )


def is_base_capacity(rpus: int) -> bool:
    steps_of_8 = 8 <= rpus <= 512 and rpus % 8 == 0
    steps_of_32 = 512 < rpus <= 1024 and rpus % 32 == 0
    return rpus == 4 or steps_of_8 or steps_of_32


def checked_cidr(cidr: str | None) -> str:
    """The CIDR in its normal form, IPv4 or IPv6; there is no default, and 0.0.0.0/0 (or ::/0)
    must be asked for."""
    if not cidr:
        raise PipelineConfigError(
            "allowed_cidr is required to create a warehouse: the address range that may reach "
            f"port {PORT}, e.g. your own address as 203.0.113.7/32 (or an IPv6 /128)"
        )
    try:
        return str(ipaddress.ip_network(cidr, strict=False))
    except ValueError as exc:
        raise PipelineConfigError(f"allowed_cidr {cidr!r} is not a CIDR: {exc}") from None


def checked_form(params) -> None:
    """Every field the chosen action uses, before the first call to AWS."""
    checked_name(params["kind"], params["cluster_id"])
    if params["action"] != "create":
        return
    checked_cidr(params["allowed_cidr"])
    if params["kind"] == "serverless":
        checked_base_capacity(params["base_capacity"])
