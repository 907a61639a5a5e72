"""The provisioned cluster as the admin DAG sees it, and the connection that reaches it."""

from __future__ import annotations

from sparkify.warehouse_admin.names import is_ours


def describe(redshift, cluster_id: str) -> dict | None:
    """The cluster's description, or None if there is no such cluster."""
    try:
        return redshift.describe_clusters(ClusterIdentifier=cluster_id)["Clusters"][0]
    except redshift.exceptions.ClusterNotFoundFault:
        return None


def ours_or_none(redshift, cluster_id: str) -> dict | None:
    """The cluster if this DAG made it, None if there is none; refuses anyone else's."""
    cluster = describe(redshift, cluster_id)
    if cluster is not None and not is_ours(cluster.get("Tags")):
        raise RuntimeError(f"cluster {cluster_id} exists and was not made by this DAG")
    return cluster


def summary(cluster: dict) -> dict:
    """What a person needs to know of the cluster, for the log and XCom (no secrets)."""
    endpoint = cluster.get("Endpoint") or {}
    return {
        "cluster_id": cluster["ClusterIdentifier"],
        "status": cluster["ClusterStatus"],
        "node_type": cluster["NodeType"],
        "nodes": cluster["NumberOfNodes"],
        "host": endpoint.get("Address"),
        "port": endpoint.get("Port"),
        "database": cluster.get("DBName"),
        "iam_roles": [r["IamRoleArn"] for r in cluster.get("IamRoles", [])],
        "security_groups": [g["VpcSecurityGroupId"] for g in cluster.get("VpcSecurityGroups", [])],
    }
