"""DataQualityOperator: run named SQL checks, report every result, fail listing all failures."""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from typing import Any

from airflow.sdk import Context

from sparkify import clock, lineage
from sparkify.errors import PipelineConfigError, QualityChecksFailed
from sparkify.identifiers import quote_identifier
from sparkify.operators.base import WarehouseOperator
from sparkify.partitions import run_interval

# The comparison names of common.sql's column checks.
COMPARISONS = {
    "equal_to": (operator.eq, "=="),
    "greater_than": (operator.gt, ">"),
    "geq_to": (operator.ge, ">="),
    "less_than": (operator.lt, "<"),
    "leq_to": (operator.le, "<="),
}


FAIL, WARN = "fail", "warn"
EXAMPLES_SHOWN = 5


def validate_check(check: Mapping[str, Any]) -> None:
    """A check is ``{name, sql, <one comparison>: value}``, optionally with ``description``,
    ``on_failure`` (``fail``, the default, or ``warn``; may be a template) and ``examples``
    (SQL of a few rows that show what failed, logged when the check does not pass)."""
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
    unknown = set(check) - {"name", "sql", "description", "on_failure", "examples", *COMPARISONS}
    if unknown:
        raise PipelineConfigError(f"quality check {name!r} has unknown keys {sorted(unknown)}")
    on_failure = check.get("on_failure", FAIL)
    if not (on_failure in (FAIL, WARN) or (isinstance(on_failure, str) and "{{" in on_failure)):
        raise PipelineConfigError(
            f"quality check {name!r}: on_failure must be {FAIL!r} or {WARN!r}, not {on_failure!r}"
        )
    if "examples" in check and not isinstance(check["examples"], str):
        raise PipelineConfigError(f"quality check {name!r}: examples must be SQL")


class DataQualityOperator(WarehouseOperator):
    """Run every check, log each result, and fail with a message that lists every failure.

    The checks run in one read-only transaction, so they all see the warehouse as of one
    moment, whatever other runs load meanwhile. A check with ``on_failure: warn`` that does not
    pass is logged as a warning and does not fail the task; a check with ``examples`` logs the
    first rows of that query when it does not pass (in the same snapshot), so the person
    reading the log sees which rows are at fault.

    With ``history_table``, every check's result (value, comparison, expected value, passed)
    is written there for the run's interval, replacing what an earlier run of the interval
    wrote, before the task fails or succeeds: a person can chart a check over time.

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
        history_table: str | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        if history_table is not None:
            quote_identifier(history_table)
        self.history_table = history_table
        if not checks:
            raise PipelineConfigError("DataQualityOperator needs at least one check")
        for check in checks:
            validate_check(check)
        names = [c["name"] for c in checks]
        if len(set(names)) != len(names):
            raise PipelineConfigError(f"quality check names repeat: {names}")
        self.checks = [dict(check) for check in checks]
        # (value, passed, examples) of each check, set by execute, for lineage.
        self.outcomes: list[tuple[Any, bool, list]] = []

    def execute(self, context: Context) -> None:
        for check in self.checks:
            _on_failure(check)  # rendered now: a bad value fails before any query
        failures, warnings = [], 0
        with self.warehouse.snapshot() as cursor:
            outcomes = [self._outcome(cursor, check) for check in self.checks]
        self.outcomes = outcomes
        for check, (actual, passed, examples) in zip(self.checks, outcomes, strict=True):
            key = _comparison(check)
            symbol, expected = COMPARISONS[key][1], check[key]
            verdict = "PASS" if passed else _on_failure(check).upper()
            said = f"{check['name']}: got {actual!r}, expected {symbol} {expected!r}"
            if examples:
                said += "; for example " + "; ".join(repr(row) for row in examples)
            (self.log.info if passed else self.log.warning)("%s %s", verdict, said)
            if not passed and _on_failure(check) == FAIL:
                failures.append(said)
            warnings += not passed and _on_failure(check) == WARN
        if self.history_table:
            self._record(context, outcomes)
        if failures:
            raise QualityChecksFailed(failures, len(self.checks))
        if warnings:
            self.log.warning("%d quality check(s) only warned; the others passed", warnings)
        else:
            self.log.info("All %d quality checks passed", len(self.checks))

    def lineage(self, tables):
        """Each table the checks' SQL names, as an input carrying the results of the checks
        that name it (a data-quality assertions facet); the history table as the output."""
        from openlineage.client.event_v2 import InputDataset
        from openlineage.client.facet_v2 import data_quality_assertions_dataset as dq

        history = [self.history_table] if self.history_table else []
        datasets = tables.datasets([*self.tables_named, *history])
        assertions: dict[str, list] = {table: [] for table in self.tables_named}
        # No outcomes when the checks never ran (the task failed before).
        for check, (actual, passed, _) in zip(self.checks, self.outcomes, strict=False):
            key = _comparison(check)
            assertion = dq.Assertion(
                assertion=check["name"], success=bool(passed),
                severity="error" if _on_failure(check) == FAIL else "warning",
                description=check.get("description"),
                expected=f"{COMPARISONS[key][1]} {check[key]!r}", actual=repr(actual),
                content=check["sql"], contentType="sql",
            )  # fmt: skip
            for table in self.tables_named:
                if self.table_sql(table) in check["sql"]:
                    assertions[table].append(assertion)
        inputs = [
            InputDataset(
                datasets[table].namespace,
                datasets[table].name,
                facets=datasets[table].facets,
                inputFacets={"dataQualityAssertions": dq.DataQualityAssertionsDatasetFacet(found)}
                if found
                else {},
            )  # fmt: skip
            for table, found in assertions.items()
        ]
        return inputs, [lineage.with_row_count(datasets[t], None) for t in history], {}

    def _outcome(self, cursor, check: Mapping[str, Any]) -> tuple[Any, bool, list[tuple]]:
        """(the check's value, whether it passed, the example rows if it did not)."""
        actual = self._value(cursor, check["sql"])
        key = _comparison(check)
        passed = actual is not None and COMPARISONS[key][0](actual, check[key])
        examples = []
        if not passed and check.get("examples"):
            cursor.execute(check["examples"])
            examples = list(cursor.fetchall())[:EXAMPLES_SHOWN]
        return actual, passed, examples

    def _record(self, context: Context, outcomes: list[tuple[Any, bool, list]]) -> None:
        """Replace the interval's results in ``history_table`` with this run's."""
        start, end = run_interval(context)
        rows = []
        for check, (actual, passed, _) in zip(self.checks, outcomes, strict=True):
            key = _comparison(check)
            rows.append(
                (clock.naive_utc(start), clock.naive_utc(end), check["name"], _number(actual), key,
                 _number(check[key]), bool(passed), _on_failure(check), context.get("run_id"),
                 clock.naive_utc(clock.now()))
            )  # fmt: skip
        with self.locked_transaction(self.history_table) as cursor:
            table = self.table_sql(self.history_table)
            since = clock.naive_utc(start)
            cursor.execute(f"DELETE FROM {table} WHERE interval_start = %s", [since])
            for row in rows:
                cursor.execute(
                    f"INSERT INTO {table} (interval_start, interval_end, check_name, value, "
                    "comparison, expected, passed, on_failure, run_id, checked_at) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    row,
                )
        self.log.info("Recorded %d check result(s) in %s", len(rows), self.history_table)

    @staticmethod
    def _value(cursor, sql: str) -> Any:
        cursor.execute(sql)
        record = cursor.fetchone()
        return record[0] if record else None


def _comparison(check: Mapping[str, Any]) -> str:
    """The name of a validated check's one comparison (``equal_to``, ``greater_than``, ...)."""
    (key,) = [k for k in COMPARISONS if k in check]
    return key


def _on_failure(check: Mapping[str, Any]) -> str:
    """What a check that does not pass does, once rendered: ``fail`` or ``warn``."""
    on_failure = str(check.get("on_failure", FAIL)).strip().lower()
    if on_failure not in (FAIL, WARN):
        raise PipelineConfigError(
            f"quality check {check['name']!r}: on_failure must be {FAIL!r} or {WARN!r}, "
            f"not {on_failure!r}"
        )
    return on_failure


def _number(value: Any) -> float | None:
    """A check's value or expectation as the history's DOUBLE PRECISION (None if not a number)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
