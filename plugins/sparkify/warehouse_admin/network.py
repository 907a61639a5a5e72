"""The security group that opens Redshift's port to one CIDR the user names, and no wider.

The CIDR may be IPv4 or IPv6 (EC2 keeps them apart: ``IpRanges`` with ``CidrIp``,
``Ipv6Ranges`` with ``CidrIpv6``); the group ends with that one range open, whichever kind
the ranges it had before were.
"""

from __future__ import annotations

import ipaddress
import logging

from sparkify.warehouse_admin.form import PORT
from sparkify.warehouse_admin.names import TAGS, is_ours

log = logging.getLogger(__name__)


def _find(ec2, name: str) -> dict | None:
    groups = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [name]}])
    return next(iter(groups["SecurityGroups"]), None)


def ensure_security_group(ec2, name: str, cidr: str) -> str:
    """The group's id, made if missing, with ingress on the port from ``cidr`` alone."""
    group = _find(ec2, name)
    if group is None:
        group_id = ec2.create_security_group(
            GroupName=name,
            Description=f"Redshift port {PORT} for the Sparkify warehouse",
            TagSpecifications=[{"ResourceType": "security-group", "Tags": TAGS}],
        )["GroupId"]
        log.info("Created security group %s (%s)", name, group_id)
        group = {"GroupId": group_id, "IpPermissions": [], "Tags": TAGS}
    elif not is_ours(group.get("Tags")):
        raise RuntimeError(f"security group {name} exists and was not made by this DAG")
    group_id = group["GroupId"]
    opened = {
        opened_range
        for permission in group.get("IpPermissions", [])
        if permission.get("FromPort") == PORT
        for opened_range in _cidrs(permission)
    }
    for stale in opened - {cidr}:
        ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=[_permission(stale)])
        log.info("Closed port %d to %s", PORT, stale)
    if cidr not in opened:
        ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[_permission(cidr)])
        log.info("Opened port %d to %s", PORT, cidr)
    return group_id


def _cidrs(permission: dict) -> list[str]:
    return [r["CidrIp"] for r in permission.get("IpRanges", [])] + [
        r["CidrIpv6"] for r in permission.get("Ipv6Ranges", [])
    ]


def _permission(cidr: str) -> dict:
    """Ingress on the port from ``cidr``, in the field its IP version goes in."""
    permission = {"IpProtocol": "tcp", "FromPort": PORT, "ToPort": PORT}
    description = "Sparkify warehouse clients"
    if ipaddress.ip_network(cidr).version == 6:
        permission["Ipv6Ranges"] = [{"CidrIpv6": cidr, "Description": description}]
    else:
        permission["IpRanges"] = [{"CidrIp": cidr, "Description": description}]
    return permission


def delete_security_group(ec2, name: str) -> bool:
    """Delete the group if this DAG made it; False if there was none."""
    group = _find(ec2, name)
    if group is None:
        log.info("No security group %s", name)
        return False
    if not is_ours(group.get("Tags")):
        raise RuntimeError(f"security group {name} was not made by this DAG; left as it is")
    ec2.delete_security_group(GroupId=group["GroupId"])
    log.info("Deleted security group %s", name)
    return True
