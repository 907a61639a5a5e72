"""Whether a policy allows a call that moto's server cannot check for itself.

moto has no Redshift Serverless and no Data API sessions, and it never asks for the permissions
a call needs besides its own action (``iam:PassRole`` for a role handed to Redshift,
``redshift:GetClusterCredentials`` behind the Data API). For those, the tests evaluate the
repository's policy with moto's own evaluator, the one its server uses, given the action, the
resource's ARN and the request's condition keys as AWS documents them.
"""

from __future__ import annotations

from moto.iam.access_control import IAMPolicy, PermissionResult


def allows(policy: str, action: str, resource: str = "*", context: dict | None = None) -> bool:
    """Whether ``policy`` (JSON) allows ``action`` on ``resource`` with condition keys
    ``context``."""
    result = IAMPolicy(policy).is_action_permitted(
        action, resource, incoming_condition_values=context
    )
    return result is PermissionResult.PERMITTED
