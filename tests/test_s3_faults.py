"""S3 failing in the middle of a day file's read, with the real parts.

moto's S3 server holds the data; a fault-injecting proxy (tests/support/s3_fault_proxy.py)
stands between it and the pipeline and answers GETs of the day file with S3's errors, or cuts
or stalls the body half-way. The day file (65 MB) is larger than the block s3fs reads at once
(50 MB), so the first GET is let through: its rows are already in the stage's COPY when the
second GET meets the fault, in the middle of the file's read.

Each case is a whole hour through ``airflow dags test`` (the DAG's 3 retries; the delay
shortened through Airflow's configuration). What the clients retry themselves (botocore 5
attempts, s3fs on top for throttling), they absorb; what outlasts them fails the stage, whose
COPY had already taken the first block, and Airflow's retry loads the file.
Either way the run succeeds and the warehouse equals the hour computed from the raw JSON, with
every event of the day file staged once.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest

from tests.support.dags_test import dags_test, task_tries
from tests.support.raw_counts import actual_warehouse, expected_warehouse
from tests.support.s3_fault_proxy import S3FaultProxy
from tests.support.s3_server import aws_connection, empty_bucket, upload_to_bucket
from tests.support.shared_values import HOUR
from tools.airflow_env import airflow_environment, migrate_metadata_db
from tools.sample_data import write_sample_dataset

pytestmark = pytest.mark.slow  # airflow dags test with faults, and retries: not in make check

DAY = dt.date(2018, 11, 15)
LOGICAL_DATE = "2018-11-15T14:00:00+00:00"
BUCKET = "sparkify-s3-faults"
DAY_KEY = "log_data/2018/11/2018-11-15-events.json"


@pytest.fixture(scope="module")
def dataset(tmp_path_factory, s3_endpoint):
    """A generated day (about 140,000 events, 65 MB) and catalogue, in moto's S3."""
    root = write_sample_dataset(
        tmp_path_factory.mktemp("s3-faults"), start=DAY, days=1, sessions_per_day=20000
    )
    keys = [str(path.relative_to(root)) for path in root.rglob("*.json")]
    s3 = upload_to_bucket(s3_endpoint, BUCKET, root, keys)
    yield root
    empty_bucket(s3, BUCKET)


@pytest.mark.parametrize(
    "plan, tries",
    [
        # The second block's GET outlasts botocore's 5 attempts: Airflow retries the stage.
        (["pass"] + ["500"] * 5, 2),
        (["pass"] + ["503"] * 5, 2),
        (["pass"] + ["cut"] * 5, 2),  # half the second block, then the connection drops
        (["pass"] + ["throttle"] * 3, 1),  # SlowDown: absorbed by the clients' backoff
        (["pass", "stall"], 1),  # half the second block, a 3 s pause, the rest
    ],
    ids=["500", "503", "cut mid-read", "throttled", "stalled mid-read"],
)
def test_s3_faults_mid_read_end_in_an_exact_warehouse(
    tmp_path, warehouse, dataset, s3_endpoint, plan, tries
):
    with S3FaultProxy(s3_endpoint, DAY_KEY, plan, stall_seconds=3) as proxy:
        env = airflow_environment(
            tmp_path / "airflow",
            os.environ["AIRFLOW_CONN_REDSHIFT"],
            f"s3://{BUCKET}",
            aws_connection(proxy.url),
        )
        env["AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY"] = "1"
        migrate_metadata_db(env)
        result = dags_test(env, LOGICAL_DATE, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert proxy.injected == plan  # every planned fault was met
    assert task_tries(env)["stage_events"] == (tries, "success")
    assert actual_warehouse(warehouse) == expected_warehouse(dataset, [HOUR])
    lines = sum(1 for line in (dataset / DAY_KEY).open() if line.strip())
    assert warehouse.query("SELECT COUNT(*) FROM staging_events") == [(lines,)]
