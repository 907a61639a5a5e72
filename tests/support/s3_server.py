"""Helpers for tests that put objects in moto's S3 server and reach it through Airflow."""

from __future__ import annotations

import json
from pathlib import Path

import boto3

ACCESS_KEY = "AKIATESTSPARKIFY0001"
SECRET_KEY = "test-secret/Sparkify+Key0001"


def aws_connection(endpoint: str, **extra) -> str:
    """AIRFLOW_CONN_AWS_DEFAULT for the server: static keys, plus ``extra`` fields."""
    return json.dumps(
        {
            "conn_type": "aws",
            "login": ACCESS_KEY,
            "password": SECRET_KEY,
            "extra": {"endpoint_url": endpoint, "region_name": "us-west-2", **extra},
        }
    )


def s3_client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-west-2",
    )


def upload_to_bucket(endpoint: str, bucket: str, root: Path, keys: list[str]):
    """Create ``bucket`` and upload ``root / key`` for every key; return the client."""
    s3 = s3_client(endpoint)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    for key in keys:
        s3.upload_file(str(root / key), bucket, key)
    return s3


def empty_bucket(s3, bucket: str) -> None:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"])
    s3.delete_bucket(Bucket=bucket)
