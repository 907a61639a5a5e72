"""DataQualityOperator: run named SQL checks, report every result, fail listing all failures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow.sdk import Context

from sparkify import clock, lineage
from sparkify.errors import QualityChecksFailed
from sparkify.identifiers import quote_identifier
from sparkify.operators.base import WarehouseOperator
from sparkify.partitions import run_interval
from sparkify.quality_checks import FAIL, WARN, QualityCheck, parse_checks

EXAMPLES_SHOWN = 5


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

    Each check's SQL returns one value, compared with what it must be, for example
    ``{"name": "songplays_have_users", "sql": "SELECT COUNT(*) ...", "equal_to": 0}``. Checks
    are data: the DAG reads them from a YAML file, so adding one needs no Python. They are
    parsed when the operator is made (``sparkify.quality_checks``: a bad one fails the DAG's
    import) and rendered like the loads' SQL (``in_interval()``, ``table()``, ...: see
    ``sql_templates``) when the task runs.
    """

    template_fields: Sequence[str] = (*WarehouseOperator.template_fields, "checks")
    ui_color = "#89DA59"

    def __init__(
        self,
        *,
        checks: Sequence[Mapping[str, Any] | QualityCheck],
        history_table: str | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        if history_table is not None:
            quote_identifier(history_table)
        self.history_table = history_table
        self.checks: tuple[QualityCheck, ...] = parse_checks(checks)
        # (value, passed, examples) of each check, set by execute, for lineage.
        self.outcomes: list[tuple[Any, bool, list]] = []

    def render_template(self, content, context, jinja_env=None, seen_oids=None):
        """A check renders as a whole (its SQL, values and on_failure), then is checked again:
        Airflow's own rendering would set attributes of an immutable check."""
        if isinstance(content, QualityCheck):
            return content.rendered(
                lambda text: super(DataQualityOperator, self).render_template(
                    text, context, jinja_env, seen_oids
                )
            )
        return super().render_template(content, context, jinja_env, seen_oids)

    def execute(self, context: Context) -> None:
        for check in self.checks:
            check.check_rendered()  # a bad rendered value fails before any query
        failures, warnings = [], 0
        with self.warehouse.snapshot() as cursor:
            outcomes = [self._outcome(cursor, check) for check in self.checks]
        self.outcomes = outcomes
        for check, (actual, passed, examples) in zip(self.checks, outcomes, strict=True):
            verdict = "PASS" if passed else check.on_failure.upper()
            said = f"{check.name}: got {actual!r}, expected {check.expectation}"
            if examples:
                said += "; for example " + "; ".join(repr(row) for row in examples)
            (self.log.info if passed else self.log.warning)("%s %s", verdict, said)
            if not passed and check.on_failure == FAIL:
                failures.append(said)
            warnings += not passed and check.on_failure == WARN
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
            assertion = dq.Assertion(
                assertion=check.name, success=bool(passed),
                severity="error" if check.on_failure == FAIL else "warning",
                description=check.description,
                expected=check.expectation, actual=repr(actual),
                content=check.sql, contentType="sql",
            )  # fmt: skip
            for table in self.tables_named:
                if self.table_sql(table) in check.sql:
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

    def _outcome(self, cursor, check: QualityCheck) -> tuple[Any, bool, list[tuple]]:
        """(the check's value, whether it passed, the example rows if it did not)."""
        actual = self._value(cursor, check.sql)
        passed = check.passes(actual)
        examples = []
        if not passed and check.examples:
            cursor.execute(check.examples)
            examples = list(cursor.fetchall())[:EXAMPLES_SHOWN]
        return actual, passed, examples

    def _record(self, context: Context, outcomes: list[tuple[Any, bool, list]]) -> None:
        """Replace the interval's results in ``history_table`` with this run's.

        ``comparison`` and ``expected`` hold the comparison's name and value for a check with
        one comparison and no tolerance; for a range or a tolerance, ``comparison`` holds the
        expectation as messages write it and ``expected`` nothing.
        """
        start, end = run_interval(context)
        rows = []
        for check, (actual, passed, _) in zip(self.checks, outcomes, strict=True):
            single = check.single_expected
            comparison = check.comparison_names if single is not None else check.expectation
            rows.append(
                (clock.naive_utc(start), clock.naive_utc(end), check.name, _number(actual),
                 comparison, _number(single), bool(passed), check.on_failure,
                 context.get("run_id"), clock.naive_utc(clock.now()))
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


def _number(value: Any) -> float | None:
    """A check's value or expectation as the history's DOUBLE PRECISION (None if not a number)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
