"""Values several test modules share, defined once.

- ``HOUR``: the hour most tests load, 13:00 UTC on 2018-11-15, a busy hour of the real sample;
- ``REDSHIFT_DRIVER``: a Redshift driver connection that reaches nothing (the recording
  Redshift of ``tools.redshift_sql.recording`` answers instead), its password one a test can look
  for in logs and messages; ``REDSHIFT_CONNECTION`` is the same as Airflow reads it from the
  environment;
- ``ROLE_ARN``: the IAM role Redshift assumes for COPY in those tests.
"""

from __future__ import annotations

import datetime as dt
import json

HOUR = dt.datetime(2018, 11, 15, 13, tzinfo=dt.UTC)
REDSHIFT_DRIVER = {
    "conn_type": "redshift",
    "host": "sparkify.abc123xyz.us-west-2.redshift.amazonaws.com",
    "port": 5439,
    "login": "sparkify",
    "password": "redshift-password-not-sent",
    "schema": "dev",
}
REDSHIFT_CONNECTION = json.dumps(REDSHIFT_DRIVER)
ROLE_ARN = "arn:aws:iam::123456789012:role/sparkify-redshift-copy"
