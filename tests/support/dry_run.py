"""``make redshift-sql``'s output, as a user with no connection configured gets it."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import PROJECT


def redshift_sql_output(*flags: str) -> str:
    """What ``python -m tools.redshift_sql --at 2018-11-15T13:00 <flags>`` prints, run with
    an environment that holds no Airflow connection; the command must succeed."""
    result = subprocess.run(
        [sys.executable, "-m", "tools.redshift_sql", "--at", "2018-11-15T13:00", *flags],
        cwd=PROJECT,
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout
