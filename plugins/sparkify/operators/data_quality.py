"""DataQualityOperator: run named SQL checks, report every result, fail listing all failures."""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from typing import Any

from airflow.sdk import Context
from airflow.sdk.exceptions import AirflowFailException

from sparkify.errors import PipelineConfigError
from sparkify.operators.base import WarehouseOperator

# The comparison names of common.sql's column checks.
COMPARISONS = {
    "equal_to": (operator.eq, "=="),
    "greater_than": (operator.gt, ">"),
    "geq_to": (operator.ge, ">="),
    "less_than": (operator.lt, "<"),
    "leq_to": (operator.le, "<="),
}


def validate_check(check: Mapping[str, Any]) -> None:
    """A check is ``{name, sql, <one comparison>: value}``, optionally with ``description``."""
    if not isinstance(check, Mapping):
        raise PipelineConfigError(f"a quality check must be a mapping, got {check!r}")
    name = check.get("name")
    if not isinstance(name, str) or not name:
        raise PipelineConfigError(f"a quality check needs a name: {check!r}")
    if not isinstance(check.get("sql"), str):
        raise PipelineConfigError(f"quality check {name!r} needs its sql")
    comparisons = [key for key in COMPARISONS if key in check]
    if len(comparisons) != 1:
        raise PipelineConfigError(
            f"quality check {name!r} needs exactly one of {sorted(COMPARISONS)}"
        )
    unknown = set(check) - {"name", "sql", "description", *COMPARISONS}
    if unknown:
        raise PipelineConfigError(f"quality check {name!r} has unknown keys {sorted(unknown)}")


class DataQualityOperator(WarehouseOperator):
    """Run every check, log each result, and fail with a message that lists every failure.

    The checks run in one read-only transaction, so they all see the warehouse as of one
    moment, whatever other runs load meanwhile.

    Each check's SQL returns one value, compared with the expected one, for example
    ``{"name": "songplays_have_users", "sql": "SELECT COUNT(*) ...", "equal_to": 0}``. Checks
    are data: the DAG reads them from a YAML file, so adding one needs no Python. The SQL is
    templated like the loads' (``in_interval()``, ``table()``, ...: see ``sql_templates``).
    """

    template_fields: Sequence[str] = ("checks",)
    ui_color = "#89DA59"

    def __init__(
        self,
        *,
        checks: Sequence[Mapping[str, Any]],
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        if not checks:
            raise PipelineConfigError("DataQualityOperator needs at least one check")
        for check in checks:
            validate_check(check)
        names = [c["name"] for c in checks]
        if len(set(names)) != len(names):
            raise PipelineConfigError(f"quality check names repeat: {names}")
        self.checks = [dict(check) for check in checks]

    def execute(self, context: Context) -> None:
        failures = []
        with self.warehouse.snapshot() as cursor:
            results = [self._value(cursor, check["sql"]) for check in self.checks]
        for check, actual in zip(self.checks, results, strict=True):
            (key,) = [k for k in COMPARISONS if k in check]
            compare, symbol = COMPARISONS[key]
            expected = check[key]
            passed = actual is not None and compare(actual, expected)
            self.log.info(
                "%s %s: got %r, expected %s %r",
                "PASS" if passed else "FAIL",
                check["name"],
                actual,
                symbol,
                expected,
            )
            if not passed:
                failures.append(f"{check['name']}: got {actual!r}, expected {symbol} {expected!r}")
        if failures:
            raise AirflowFailException(
                f"{len(failures)} of {len(self.checks)} quality check(s) failed:\n- "
                + "\n- ".join(failures)
            )
        self.log.info("All %d quality checks passed", len(self.checks))

    @staticmethod
    def _value(cursor, sql: str) -> Any:
        cursor.execute(sql)
        record = cursor.fetchone()
        return record[0] if record else None
