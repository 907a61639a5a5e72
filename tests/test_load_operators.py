"""LoadFactOperator, LoadDimensionOperator and DataQualityOperator against PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from airflow.sdk.exceptions import AirflowFailException
from sparkify.errors import PipelineConfigError
from sparkify.operators import DataQualityOperator, LoadDimensionOperator, LoadFactOperator

START = dt.datetime(2018, 11, 15, 13, tzinfo=dt.UTC)
INTERVAL = {"data_interval_start": START, "data_interval_end": START + dt.timedelta(hours=1)}


@pytest.fixture
def tables(warehouse):
    warehouse.execute(
        """
        CREATE TABLE facts (id INTEGER PRIMARY KEY, at TIMESTAMP NOT NULL, amount INTEGER);
        INSERT INTO facts VALUES (1, '2018-11-15 12:59:59', 10), (2, '2018-11-15 13:00:00', 20),
                                 (3, '2018-11-15 13:59:59', 30), (4, '2018-11-15 14:00:00', 40);
        CREATE TABLE dim (k VARCHAR(8) PRIMARY KEY, v INTEGER);
        INSERT INTO dim VALUES ('a', 1), ('b', 2);
        """
    )
    return warehouse


def load_fact(sql):
    return LoadFactOperator(task_id="f", table="facts", sql=sql, interval_column="at").execute(
        INTERVAL
    )


def test_fact_load_replaces_exactly_its_interval(tables):
    inserted = load_fact(
        "SELECT 5 AS id, TIMESTAMP '2018-11-15 13:30:00' AS at, 50 AS amount "
        "UNION ALL SELECT 6, TIMESTAMP '2018-11-15 13:00:00', 60"
    )
    assert inserted == 2
    assert tables.query("SELECT id, amount FROM facts ORDER BY id") == [
        (1, 10),
        (4, 40),
        (5, 50),
        (6, 60),
    ]


def test_fact_rows_outside_the_interval_fail_and_change_nothing(tables):
    before = tables.query("SELECT * FROM facts ORDER BY id")
    with pytest.raises(PipelineConfigError, match=r"1 row\(s\) outside the data interval"):
        load_fact(
            "SELECT 5 AS id, TIMESTAMP '2018-11-15 13:30:00' AS at, 50 AS amount "
            "UNION ALL SELECT 6, TIMESTAMP '2018-11-15 14:00:00', 60"
        )
    assert tables.query("SELECT * FROM facts ORDER BY id") == before


def test_fact_load_that_fails_midway_rolls_back(tables):
    before = tables.query("SELECT * FROM facts ORDER BY id")
    with pytest.raises(Exception, match="duplicate key"):  # id 1 lies outside the interval
        load_fact("SELECT 1 AS id, TIMESTAMP '2018-11-15 13:30:00' AS at, 1 AS amount")
    assert tables.query("SELECT * FROM facts ORDER BY id") == before


def load_dim(sql, **kwargs):
    return LoadDimensionOperator(task_id="d", table="dim", sql=sql, **kwargs).execute({})


def test_dimension_upsert_replaces_matching_keys_and_adds_new_ones(tables):
    assert load_dim("SELECT 'b' AS k, 20 AS v UNION ALL SELECT 'c', 3", key_columns=["k"]) == 2
    assert tables.query("SELECT k, v FROM dim ORDER BY k") == [("a", 1), ("b", 20), ("c", 3)]


def test_dimension_truncate_insert_replaces_the_table(tables):
    load_dim("SELECT 'z' AS k, 26 AS v", mode="truncate_insert")
    assert tables.query("SELECT k, v FROM dim") == [("z", 26)]


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT 'b' AS k, 1 AS v UNION ALL SELECT 'b', 2", "1 repeated and 0 NULL key"),
        ("SELECT CAST(NULL AS VARCHAR) AS k, 1 AS v", "0 repeated and 1 NULL key"),
        ("SELECT 1 AS v", r"returns no key column\(s\) \['k'\]"),
    ],
)
def test_dimension_upsert_refuses_bad_keys_and_changes_nothing(tables, sql, message):
    with pytest.raises(PipelineConfigError, match=message):
        load_dim(sql, key_columns=["k"])
    assert tables.query("SELECT k, v FROM dim ORDER BY k") == [("a", 1), ("b", 2)]


def test_dimension_modes_are_checked():
    with pytest.raises(PipelineConfigError, match="mode must be"):
        LoadDimensionOperator(task_id="d", table="dim", sql="SELECT 1", mode="merge")
    with pytest.raises(PipelineConfigError, match="an upsert needs key_columns"):
        LoadDimensionOperator(task_id="d", table="dim", sql="SELECT 1")


def test_quality_checks_report_every_failure(tables, caplog):
    checks = [
        {"name": "dim_has_rows", "sql": "SELECT COUNT(*) FROM dim", "greater_than": 0},
        {"name": "no_big_amounts", "sql": "SELECT MAX(amount) FROM facts", "leq_to": 30},
        {"name": "four_facts", "sql": "SELECT COUNT(*) FROM facts", "equal_to": 4},
        {"name": "no_b", "sql": "SELECT COUNT(*) FROM dim WHERE k = 'b'", "equal_to": 0},
        {"name": "empty_table", "sql": "SELECT v FROM dim WHERE k = 'none'", "geq_to": 0},
    ]
    with pytest.raises(AirflowFailException) as failure:
        DataQualityOperator(task_id="q", checks=checks).execute({})
    message = str(failure.value)
    assert message.startswith("3 of 5 quality check(s) failed")
    assert "no_big_amounts: got 40, expected <= 30" in message
    assert "no_b: got 1, expected == 0" in message
    assert "empty_table: got None" in message
    assert "dim_has_rows" not in message and "four_facts" not in message


def test_quality_checks_pass_silently_when_all_hold(tables, capfd):
    """No exception and no warning; each check's value as the table says, and passed."""
    checks = [
        {"name": "two_dims", "sql": "SELECT COUNT(*) FROM dim", "equal_to": 2},
        {"name": "small_amounts", "sql": "SELECT MAX(amount) FROM facts", "leq_to": 40},
    ]
    operator = DataQualityOperator(task_id="q", checks=checks)
    operator.execute({})
    assert [(value, passed) for value, passed, _ in operator.outcomes] == [(2, True), (40, True)]
    written = capfd.readouterr()  # the task log, as Airflow's structlog writes it
    said = [line for line in (written.out + written.err).splitlines() if "data_quality.py" in line]
    assert any("PASS two_dims: got 2, expected == 2" in line for line in said)
    assert any("All 2 quality checks passed" in line for line in said)
    assert [line for line in said if "[warning" in line or "[error" in line] == []


@pytest.mark.parametrize(
    ("check", "message"),
    [
        ({"sql": "SELECT 1", "equal_to": 1}, "needs a name"),
        ({"name": "x", "equal_to": 1}, "needs its sql"),
        ({"name": "x", "sql": "SELECT 1"}, "'x': needs a comparison"),
        ({"name": "x", "sql": "SELECT 1", "equal_to": 1, "less_than": 2}, "cannot be combined"),
        ({"name": "x", "sql": "SELECT 1", "equals": 1}, r"'x': has unknown keys \['equals'\]"),
    ],
)
def test_quality_check_definitions_are_validated(check, message):
    with pytest.raises(PipelineConfigError, match=message):
        DataQualityOperator(task_id="q", checks=[check])


def test_shipped_checks_are_valid_and_cover_the_required_kinds(dag):
    names = {c.name for c in dag.get_task("run_quality_checks").checks}
    assert {
        "songplays_match_staged_plays",
        "songplays_keys_not_null",
        "dimension_keys_not_null",
        "dimension_keys_unique",
        "songplays_users_exist",
    } <= names
