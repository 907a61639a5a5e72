"""The Serverless warehouse: a namespace (database, admin user, IAM role) and its workgroup
(compute in RPUs, network). There is no operator for either in the amazon provider, so this is
boto3's ``redshift-serverless`` client through the provider's AWS hook.

Serverless bills compute only while queries run (per RPU-second, from the base capacity up),
plus storage; there is nothing to pause. Its tags are ``{"key", "value"}`` pairs, not the
``{"Key", "Value"}`` of the other services.
"""

from __future__ import annotations

import logging
import time

from sparkify.warehouse_admin.names import TAG_KEY, TAG_VALUE

log = logging.getLogger(__name__)

TAGS = [{"key": TAG_KEY, "value": TAG_VALUE}]
POLL_SECONDS = 15.0
TIMEOUT_SECONDS = 3600.0


def _ours(client, arn: str) -> bool:
    tags = client.list_tags_for_resource(resourceArn=arn)["tags"]
    return {"key": TAG_KEY, "value": TAG_VALUE} in tags


def namespace(client, name: str) -> dict | None:
    try:
        return client.get_namespace(namespaceName=name)["namespace"]
    except client.exceptions.ResourceNotFoundException:
        return None


def workgroup(client, name: str) -> dict | None:
    try:
        return client.get_workgroup(workgroupName=name)["workgroup"]
    except client.exceptions.ResourceNotFoundException:
        return None


def _refuse_if_not_ours(client, found: dict | None, arn_key: str, what: str) -> None:
    if found is not None and not _ours(client, found[arn_key]):
        raise RuntimeError(f"{what} exists and was not made by this DAG")


def ensure(client, name: str, login: str, password: str, role_arn: str, base_capacity: int,
           security_group_id: str) -> dict:  # fmt: skip
    """The namespace and workgroup ``name``, made if missing, once the workgroup is available."""
    found = namespace(client, name)
    _refuse_if_not_ours(client, found, "namespaceArn", f"namespace {name}")
    if found is None:
        client.create_namespace(
            namespaceName=name,
            adminUsername=login,
            adminUserPassword=password,
            dbName="dev",
            iamRoles=[role_arn],
            defaultIamRoleArn=role_arn,
            tags=TAGS,
        )
        log.info("Created namespace %s", name)
    group = workgroup(client, name)
    _refuse_if_not_ours(client, group, "workgroupArn", f"workgroup {name}")
    if group is None:
        client.create_workgroup(
            workgroupName=name,
            namespaceName=name,
            baseCapacity=base_capacity,
            securityGroupIds=[security_group_id],
            publiclyAccessible=True,
            tags=TAGS,
        )
        log.info("Created workgroup %s (base capacity %d RPUs)", name, base_capacity)
    return _wait(client, name, until=lambda g: g is not None and g["status"] == "AVAILABLE")


def delete(client, name: str) -> bool:
    """Delete the workgroup, wait until it is gone, then the namespace; False if neither was."""
    group = workgroup(client, name)
    found = namespace(client, name)
    _refuse_if_not_ours(client, group, "workgroupArn", f"workgroup {name}")
    _refuse_if_not_ours(client, found, "namespaceArn", f"namespace {name}")
    if group is not None:
        if group["status"] != "DELETING":
            client.delete_workgroup(workgroupName=name)
        _wait(client, name, until=lambda g: g is None)
        log.info("Deleted workgroup %s", name)
    if found is not None:
        client.delete_namespace(namespaceName=name)
        log.info("Deleted namespace %s", name)
    return group is not None or found is not None


def _wait(client, name: str, until) -> dict | None:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while True:
        group = workgroup(client, name)
        if until(group):
            return group
        if time.monotonic() > deadline:
            raise TimeoutError(f"workgroup {name} still {group and group['status']}")
        log.info("Workgroup %s is %s", name, group and group["status"])
        time.sleep(POLL_SECONDS)


def summary(client, name: str) -> dict | None:
    """What a person needs to know of the warehouse, or None if there is none."""
    found, group = namespace(client, name), workgroup(client, name)
    if found is None and group is None:
        return None
    endpoint = (group or {}).get("endpoint") or {}
    return {
        "namespace": found and found["status"],
        "workgroup": group and group["status"],
        "base_capacity": group and group.get("baseCapacity"),
        "host": endpoint.get("address"),
        "port": endpoint.get("port"),
        "iam_roles": (found or {}).get("iamRoles", []),
    }
