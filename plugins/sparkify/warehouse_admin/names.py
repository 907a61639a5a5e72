"""What the admin DAG names and tags: everything one warehouse is made of.

Every name derives from the form's ``cluster_id``. What the DAG creates carries the tag
``created-by: sparkify_warehouse_admin``, and it deletes only what carries it. The COPY role's
name ends with ``-s3-read``: the admin identity's policy (include/iam/admin-policy.json) lets it
manage those roles and no others.
"""

from __future__ import annotations

from dataclasses import dataclass

TAG_KEY = "created-by"
TAG_VALUE = "sparkify_warehouse_admin"
TAGS = [{"Key": TAG_KEY, "Value": TAG_VALUE}]
ROLE_NAME_MAX = 64  # IAM's limit on a role name (the path is not part of it)
# The connection whose login and password become the warehouse's admin (master) user.
MASTER_USER_CONN_ID = "redshift_admin"


def is_ours(tags: list[dict] | None) -> bool:
    """Whether AWS tags (``[{"Key": ..., "Value": ...}]``) say the admin DAG made this."""
    return any(t.get("Key") == TAG_KEY and t.get("Value") == TAG_VALUE for t in tags or [])


@dataclass(frozen=True)
class WarehouseNames:
    """The names of everything one warehouse is made of, derived from its cluster id."""

    cluster_id: str

    @property
    def role_name(self) -> str:
        return f"{self.cluster_id}-s3-read"

    @property
    def security_group_name(self) -> str:
        return f"{self.cluster_id}-ingress"
