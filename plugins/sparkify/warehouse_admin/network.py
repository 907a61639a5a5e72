"""The security group that opens Redshift's port to one CIDR the user names, and no wider."""

from __future__ import annotations

import ipaddress
import logging

from sparkify.errors import PipelineConfigError
from sparkify.warehouse_admin import TAGS, is_ours

log = logging.getLogger(__name__)

PORT = 5439


def checked_cidr(cidr: str | None) -> str:
    """The CIDR in its normal form; there is no default, and 0.0.0.0/0 must be asked for."""
    if not cidr:
        raise PipelineConfigError(
            "allowed_cidr is required to create a warehouse: the address range that may reach "
            f"port {PORT}, e.g. your own address as 203.0.113.7/32"
        )
    try:
        return str(ipaddress.ip_network(cidr, strict=False))
    except ValueError as exc:
        raise PipelineConfigError(f"allowed_cidr {cidr!r} is not a CIDR: {exc}") from None


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
        r["CidrIp"]
        for p in group.get("IpPermissions", [])
        if p.get("FromPort") == PORT
        for r in p.get("IpRanges", [])
    }
    for stale in opened - {cidr}:
        ec2.revoke_security_group_ingress(
            GroupId=group_id, IpProtocol="tcp", FromPort=PORT, ToPort=PORT, CidrIp=stale
        )
        log.info("Closed port %d to %s", PORT, stale)
    if cidr not in opened:
        ec2.authorize_security_group_ingress(
            GroupId=group_id,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": PORT,
                    "ToPort": PORT,
                    "IpRanges": [{"CidrIp": cidr, "Description": "Sparkify warehouse clients"}],
                }
            ],
        )
        log.info("Opened port %d to %s", PORT, cidr)
    return group_id


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
