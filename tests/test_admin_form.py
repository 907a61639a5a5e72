"""The admin DAG's form against AWS's rules: refused before any call, saying the rule."""

from __future__ import annotations

import pytest
from sparkify.errors import PipelineConfigError
from sparkify.warehouse_admin.form import (
    checked_base_capacity,
    checked_cidr,
    checked_form,
    checked_name,
)
from sparkify.warehouse_admin.names import WarehouseNames


@pytest.mark.parametrize("name", ["a", "sparkify-warehouse", "s3-2018", "a" * 56, "x1-y2-z3"])
def test_cluster_ids_aws_accepts(name):
    assert checked_name("provisioned", name) == name
    assert len(WarehouseNames(name).role_name) <= 64


@pytest.mark.parametrize(
    "name, rule",
    [
        ("", "1 to 63 lowercase letters"),
        ("Sparkify", "1 to 63 lowercase letters"),
        ("1sparkify", "starts with a letter"),
        ("sparkify-", "neither ends with a hyphen"),
        ("spark--ify", "nor has two in a row"),
        ("spark_ify", "1 to 63 lowercase letters"),
        ("a" * 64, "1 to 63"),
        ("a" * 57, "its COPY role would be"),  # a cluster id AWS takes, but the role's name not
    ],
)
def test_cluster_ids_aws_refuses(name, rule):
    with pytest.raises(PipelineConfigError, match=rule):
        checked_name("provisioned", name)


@pytest.mark.parametrize("name", ["abc", "9lives", "trailing-", "double--hyphen", "a" * 56])
def test_serverless_names_aws_accepts(name):
    assert checked_name("serverless", name) == name


@pytest.mark.parametrize(
    "name, rule",
    [
        ("ab", "3 to 64 characters"),
        ("Abc", "lowercase letters, digits and hyphens"),
        ("a_b_c", "lowercase letters, digits and hyphens"),
        ("a" * 57, "at most 64; use at most 56"),
    ],
)
def test_serverless_names_aws_refuses(name, rule):
    with pytest.raises(PipelineConfigError, match=rule):
        checked_name("serverless", name)


@pytest.mark.parametrize("rpus", [4, 8, 16, 24, 128, 512, 544, 1024])
def test_base_capacities_aws_accepts(rpus):
    assert checked_base_capacity(rpus) == rpus


@pytest.mark.parametrize("rpus", [0, 2, 5, 6, 12, 20, 513, 520, 1056, True, "8", 8.0])
def test_base_capacities_aws_refuses(rpus):
    with pytest.raises(PipelineConfigError, match="4 RPUs, or 8 to 512 in steps of 8"):
        checked_base_capacity(rpus)


@pytest.mark.parametrize(
    "cidr, normal",
    [
        ("203.0.113.7/32", "203.0.113.7/32"),
        ("203.0.113.7/24", "203.0.113.0/24"),
        ("0.0.0.0/0", "0.0.0.0/0"),
        ("2001:DB8:ABCD:0::/48", "2001:db8:abcd::/48"),
        ("2001:db8::1/128", "2001:db8::1/128"),
    ],
)
def test_cidrs_in_their_normal_form(cidr, normal):
    assert checked_cidr(cidr) == normal


@pytest.mark.parametrize(
    "cidr, rule",
    [
        ("", "allowed_cidr is required"),
        (None, "allowed_cidr is required"),
        ("203.0.113.7/33", "is not a CIDR"),
        ("2001:db8::/129", "is not a CIDR"),
        ("my-laptop", "is not a CIDR"),
    ],
)
def test_cidrs_refused(cidr, rule):
    with pytest.raises(PipelineConfigError, match=rule):
        checked_cidr(cidr)


def test_only_what_the_action_uses_is_checked():
    """A status or delete needs a valid name only; a create, its range and capacity too."""
    form = {"action": "status", "kind": "serverless", "cluster_id": "sparkify",
            "allowed_cidr": "", "base_capacity": 12}  # fmt: skip
    checked_form(form)
    with pytest.raises(PipelineConfigError, match="allowed_cidr is required"):
        checked_form({**form, "action": "create"})
    with pytest.raises(PipelineConfigError, match="base_capacity 12"):
        checked_form({**form, "action": "create", "allowed_cidr": "203.0.113.7/32"})
    checked_form({**form, "action": "create", "allowed_cidr": "::/0", "base_capacity": 4})
    with pytest.raises(PipelineConfigError, match="two in a row"):
        checked_form({**form, "kind": "provisioned", "cluster_id": "a--b"})
