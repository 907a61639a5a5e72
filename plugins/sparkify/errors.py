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


class QualityChecksFailed(AirflowFailException):
    """Quality checks did not pass; ``failures`` says each one (what it got, what it expected),
    for the log and for the failure alert."""

    def __init__(self, failures: list[str], checked: int) -> None:
        self.failures, self.checked = list(failures), checked
        super().__init__(
            f"{len(failures)} of {checked} quality check(s) failed:\n- " + "\n- ".join(failures)
        )

    def __reduce__(self):
        return type(self), (self.failures, self.checked)
