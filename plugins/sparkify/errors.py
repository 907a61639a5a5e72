"""Errors that a retry cannot mend.

A malformed file stays malformed however often the task retries, and with ``retries=3`` and a
five-minute delay a bad file would take a quarter of an hour to surface. These errors derive from
``AirflowFailException`` so the task fails at once; transient errors (a dropped connection) keep
their retries.
"""

from __future__ import annotations

from airflow.sdk.exceptions import AirflowFailException


class SourceDataError(AirflowFailException):
    """Bad input: a missing object, malformed JSON, a missing field, a value of the wrong type.

    The message always names the object and, where there is one, the line.
    """


class PipelineConfigError(AirflowFailException):
    """A mistake in how an operator is configured: an invalid identifier, an unknown option."""
