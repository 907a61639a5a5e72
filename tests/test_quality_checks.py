"""Quality checks parsed once into typed values: ranges, tolerance, templates, and a bad check
refused at the DAG's import, naming the check and the rule."""

from __future__ import annotations

import dataclasses
import shutil

import pendulum
import pytest
import yaml
from sparkify.errors import PipelineConfigError, QualityChecksFailed
from sparkify.operators import DataQualityOperator
from sparkify.quality_checks import QualityCheck, parse_checks

from tests.conftest import PROJECT
from tools.task_runner import run_task

START = pendulum.datetime(2018, 11, 21, 5, tz="UTC")


def check(**values) -> QualityCheck:
    return QualityCheck.parse({"name": "c", "sql": "SELECT 1", **values})


@pytest.mark.parametrize(
    ("values", "actual", "passes"),
    [
        ({"equal_to": 0}, 0, True),
        ({"equal_to": 0}, 1, False),
        ({"equal_to": 0}, None, False),  # no row, or NULL
        ({"geq_to": 1, "leq_to": 5}, 1, True),
        ({"geq_to": 1, "leq_to": 5}, 5, True),
        ({"geq_to": 1, "leq_to": 5}, 6, False),
        ({"geq_to": 1, "leq_to": 5}, 0, False),
        ({"greater_than": 1, "less_than": 5}, 1, False),
        ({"greater_than": 1, "less_than": 5}, 4.5, True),
        # common.sql's tolerance: each bound widens outward by |expected| x tolerance.
        ({"equal_to": 100, "tolerance": 0.1}, 90, True),
        ({"equal_to": 100, "tolerance": 0.1}, 110, True),
        ({"equal_to": 100, "tolerance": 0.1}, 111, False),
        ({"equal_to": -100, "tolerance": 0.1}, -109, True),
        ({"geq_to": 10, "tolerance": 0.5}, 5, True),
        ({"geq_to": 10, "tolerance": 0.5}, 4, False),
        ({"less_than": 10, "tolerance": 0.5}, 14.9, True),
        ({"less_than": 10, "tolerance": 0.5}, 15, False),
    ],
)
def test_a_check_passes_exactly_within_its_comparisons(values, actual, passes):
    assert check(**values).passes(actual) is passes


@pytest.mark.parametrize(
    ("values", "rule"),
    [
        ({}, "needs a comparison"),
        ({"equal_to": 1, "geq_to": 0}, "equal_to cannot be combined with ['geq_to']"),
        ({"geq_to": 1, "greater_than": 0}, "takes one of ['greater_than', 'geq_to'], not both"),
        ({"leq_to": 1, "less_than": 0}, "takes one of ['less_than', 'leq_to'], not both"),
        ({"equal_to": "zero"}, "equal_to must be a number, not 'zero'"),
        ({"equal_to": True}, "equal_to must be a number, not True"),
        ({"equal_to": 1, "tolerance": -0.1}, "tolerance must be a fraction >= 0"),
        ({"equal_to": 1, "on_failure": "ignore"}, "on_failure must be 'fail' or 'warn'"),
        ({"equal_to": 1, "examples": 3}, "examples must be text"),
        ({"equal_to": 1, "threshold": 3}, "has unknown keys ['threshold']"),
        ({"equal_to": 1, "sql": "  "}, "needs its sql"),
    ],
)
def test_a_bad_check_is_refused_naming_it_and_the_rule(values, rule):
    with pytest.raises(PipelineConfigError) as refused:
        QualityCheck.parse({"name": "songplays_sane", "sql": "SELECT 1", **values})
    assert str(refused.value).startswith("quality check 'songplays_sane': ")
    assert rule in str(refused.value)


def test_checks_are_immutable_and_names_unique():
    parsed = parse_checks([{"name": "a", "sql": "SELECT 1", "equal_to": 1}])
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed[0].sql = "SELECT 2"
    with pytest.raises(PipelineConfigError, match=r"names repeat: \['a'\]"):
        parse_checks([parsed[0], {"name": "a", "sql": "SELECT 2", "equal_to": 2}])
    with pytest.raises(PipelineConfigError, match="at least one"):
        parse_checks([])


def test_templated_values_are_checked_once_rendered():
    templated = check(geq_to="{{ low }}", leq_to=5, on_failure="{{ mode }}")
    values = {"{{ low }}": "2", "{{ mode }}": " WARN ", "SELECT 1": "SELECT 1"}
    rendered = templated.rendered(values.__getitem__)
    assert rendered.comparisons == (("geq_to", 2), ("leq_to", 5))
    assert rendered.on_failure == "warn"
    assert templated.comparisons[0] == ("geq_to", "{{ low }}")  # the parsed one is unchanged
    with pytest.raises(PipelineConfigError, match="'c': geq_to must be a number, not 'two'"):
        templated.rendered({**values, "{{ low }}": "two"}.__getitem__)
    # Rendered as native objects (render_template_as_native_obj): numbers stay as they are.
    native = check(geq_to="{{ low }}", tolerance="{{ tolerance }}")
    natives = {"{{ low }}": 2.5, "{{ tolerance }}": 0.1, "fail": "fail", "SELECT 1": "SELECT 1"}
    rendered = native.rendered(natives.__getitem__)
    assert (rendered.comparisons, rendered.tolerance) == ((("geq_to", 2.5),), 0.1)
    with pytest.raises(PipelineConfigError, match="'c': geq_to must be a number, not True"):
        native.rendered({**natives, "{{ low }}": True}.__getitem__)
    with pytest.raises(PipelineConfigError, match="'c': geq_to must be a number, not '{{ low }}'"):
        templated.check_rendered()  # a template left unrendered is not a value


def test_the_operator_renders_each_check_with_the_runs_templates(warehouse):
    """Through Airflow's own rendering: SQL, a bound and on_failure from the context."""
    operator = DataQualityOperator(
        task_id="q",
        checks=[
            {"name": "hour", "sql": "SELECT {{ data_interval_start.hour }}", "geq_to": 0,
             "leq_to": "{{ params.max_hour }}", "on_failure": "{{ params.mode }}"},
        ],
    )  # fmt: skip
    context = {
        "data_interval_start": START, "data_interval_end": START.add(hours=1),
        "params": {"max_hour": 4, "mode": "fail"},
    }  # fmt: skip
    operator.render_template_fields(context)
    (rendered,) = operator.checks
    assert (rendered.sql, rendered.comparisons) == ("SELECT 5", (("geq_to", 0), ("leq_to", 4)))
    with pytest.raises(QualityChecksFailed) as failed:
        operator.execute(context)
    assert "hour: got 5, expected >= 0 and <= 4" in str(failed.value)


def test_a_range_and_a_tolerance_are_recorded_as_their_expectation(dag, warehouse, tmp_path):
    run_task(dag, "create_tables", START, tmp_path.as_uri())  # quality_results as shipped
    operator = DataQualityOperator(
        task_id="q",
        history_table="quality_results",
        checks=[
            {"name": "one", "sql": "SELECT 0", "equal_to": 0},
            {"name": "range", "sql": "SELECT 7", "geq_to": 1, "leq_to": 5, "on_failure": "warn"},
            {"name": "near", "sql": "SELECT 95", "equal_to": 100, "tolerance": 0.1},
        ],
    )
    operator.execute({"data_interval_start": START, "data_interval_end": START.add(hours=1)})
    rows = warehouse.query(
        "SELECT check_name, value, comparison, expected, passed FROM quality_results "
        "ORDER BY check_name"
    )
    assert rows == [
        ("near", 95.0, "== 100 (± 10%)", None, True),
        ("one", 0.0, "equal_to", 0.0, True),
        ("range", 7.0, ">= 1 and <= 5", None, False),
    ]


def test_a_bad_check_in_the_yaml_fails_the_dags_import_naming_it(tmp_path):
    """As the DAG integrity test parses the folder: the file with the broken check shows as
    an import error that names the check and the rule."""
    from airflow.dag_processing.dagbag import DagBag

    shutil.copytree(PROJECT / "dags", tmp_path / "dags")
    shutil.copytree(PROJECT / "include", tmp_path / "include")
    checks_file = tmp_path / "include" / "quality_checks.yml"
    checks = yaml.safe_load(checks_file.read_text())
    checks.append({"name": "plays_in_range", "sql": "SELECT 1", "geq_to": 1, "equal_to": 1})
    checks_file.write_text(yaml.safe_dump(checks))
    bag = DagBag(dag_folder=str(tmp_path / "dags"))
    errors = {path.rsplit("/", 1)[-1]: error for path, error in bag.import_errors.items()}
    assert set(errors) == {"sparkify_etl.py"}
    assert (
        "quality check 'plays_in_range': equal_to cannot be combined" in errors["sparkify_etl.py"]
    )
