"""Credentials out of SQL text: what every statement and error passes through before a log.

A Redshift COPY carries its credentials in the statement (``IAM_ROLE``, or keys and a session
token). Airflow's secrets masker hides the values it was told about; this hides the clauses
themselves, whatever their value, so a statement can be logged or quoted in an error.
"""

from __future__ import annotations

import re

_SECRET_CLAUSE = re.compile(
    r"\b(IAM_ROLE|ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)\s+'(?:[^']|'')*'"
)


def mask_credentials(statement: str) -> str:
    """The statement with every credential replaced by ``'***'``, for logs and errors."""
    return _SECRET_CLAUSE.sub(lambda m: f"{m.group(1)} '***'", statement)
