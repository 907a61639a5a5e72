"""StageToRedshiftOperator on PostgreSQL: every COPY mode and option, on generated files."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sparkify.errors import PipelineConfigError, SourceDataError
from sparkify.operators import StageToRedshiftOperator

from tests.support.copy_paths import TABLE_DDL


def write(root, key: str, text: str):
    path = root / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def stage(root, s3_key, **options):
    operator = StageToRedshiftOperator(
        task_id="stage", table="target", source_url=root.as_uri(), s3_key=s3_key, **options
    )
    return operator.execute({})


@pytest.fixture
def target(warehouse):
    warehouse.execute(TABLE_DDL)
    return warehouse


def rows(db, columns="id, name, score, active, seen_at"):
    return db.query(f"SELECT {columns} FROM target ORDER BY id")


def test_auto_matches_keys_to_columns_case_sensitively(tmp_path, target):
    write(tmp_path, "d/a.json", '{"id": 1, "name": "x", "Score": 2.5, "extra": "ignored"}')
    assert stage(tmp_path, "d/a.json", source_column="source_key") == 1
    assert rows(target) == [(1, "x", None, None, None)]


def test_auto_ignorecase_matches_keys_in_any_case(tmp_path, target):
    write(tmp_path, "d/a.json", '{"ID": 1, "Name": "x", "SCORE": 2.5, "Active": true}')
    stage(tmp_path, "d/a.json", json_format="auto ignorecase", source_column="source_key")
    assert rows(target) == [(1, "x", 2.5, True, None)]


def test_jsonpaths_map_by_position_with_nested_and_indexed_paths(tmp_path, target):
    paths = {"jsonpaths": ["$['ident']", '$["who"]["name"]', "$.scores[1]", "$.flag"]}
    write(tmp_path, "paths.json", json.dumps(paths))
    write(
        tmp_path,
        "d/a.json",
        '{"ident": 7, "who": {"name": "ann"}, "scores": [1, 9.5], "flag": false}\n'
        '{"ident": 8, "who": {}, "scores": [], "flag": null}',
    )
    stage(
        tmp_path,
        "d/a.json",
        json_format="paths.json",
        columns=["id", "name", "score", "active"],
    )
    assert rows(target) == [(7, "ann", 9.5, False, None), (8, None, None, None, None)]


def test_jsonpaths_count_must_match_the_columns(tmp_path, target):
    write(tmp_path, "paths.json", json.dumps({"jsonpaths": ["$.id", "$.name"]}))
    write(tmp_path, "d/a.json", '{"id": 1}')
    with pytest.raises(SourceDataError, match=r"paths\.json: 2 JSONPath expressions for 5"):
        stage(tmp_path, "d/a.json", json_format="paths.json", source_column="source_key")


def test_timeformat_epochmillisecs_keeps_milliseconds(tmp_path, target):
    write(tmp_path, "d/a.json", '{"id": 1, "seen_at": 1541105830796}')
    stage(tmp_path, "d/a.json", timeformat="epochmillisecs", source_column="source_key")
    assert rows(target, "seen_at") == [(dt.datetime(2018, 11, 1, 20, 57, 10, 796000),)]


def test_timestamps_without_timeformat_must_be_strings(tmp_path, target):
    write(tmp_path, "d/a.json", '{"id": 1, "seen_at": "2018-11-01 20:57:10.796"}')
    stage(tmp_path, "d/a.json", source_column="source_key")
    assert rows(target, "seen_at") == [(dt.datetime(2018, 11, 1, 20, 57, 10, 796000),)]
    write(tmp_path, "d/b.json", '{"id": 1, "seen_at": 1541105830796}')
    with pytest.raises(SourceDataError, match="needs TIMEFORMAT|need TIMEFORMAT"):
        stage(tmp_path, "d/b.json", source_column="source_key")


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, ["", " "]),
        ({"empty_as_null": True}, [None, " "]),
        ({"blanks_as_null": True}, ["", None]),
        ({"empty_as_null": True, "blanks_as_null": True}, [None, None]),
    ],
)
def test_emptyasnull_and_blanksasnull(tmp_path, target, options, expected):
    write(tmp_path, "d/a.json", '{"id": 1, "name": ""}\n{"id": 2, "name": " "}')
    stage(tmp_path, "d/a.json", source_column="source_key", **options)
    assert [name for (name,) in rows(target, "name")] == expected


def test_empty_and_blank_strings_in_other_types_are_null_as_on_redshift(tmp_path, target):
    write(tmp_path, "d/a.json", '{"id": 1, "score": "", "active": " ", "seen_at": ""}')
    stage(tmp_path, "d/a.json", source_column="source_key")
    assert rows(target) == [(1, None, None, None, None)]
    write(tmp_path, "d/b.json", '{"id": "  "}')
    with pytest.raises(SourceDataError, match=r"b\.json, line 1: missing required field id"):
        stage(tmp_path, "d/b.json", source_column="source_key")


def test_truncatecolumns_truncates_and_its_absence_fails(tmp_path, target):
    write(tmp_path, "d/a.json", '{"id": 1, "name": "abcdefghij"}')
    with pytest.raises(SourceDataError, match=r"a\.json, line 1: field name .*longer"):
        stage(tmp_path, "d/a.json", source_column="source_key")
    stage(tmp_path, "d/a.json", truncate_columns=True, source_column="source_key")
    assert rows(target, "name") == [("abcdefgh",)]


def test_source_column_replaces_only_the_same_objects_rows(tmp_path, target):
    write(tmp_path, "d/a.json", '{"id": 1}\n{"id": 2}')
    write(tmp_path, "d/b.json", '{"id": 3}')
    stage(tmp_path, "d/a.json", source_column="source_key")
    stage(tmp_path, "d/b.json", source_column="source_key")
    write(tmp_path, "d/a.json", '{"id": 4}')
    stage(tmp_path, "d/a.json", source_column="source_key")
    assert target.query("SELECT id, source_key FROM target ORDER BY id") == [
        (3, "d/b.json"),
        (4, "d/a.json"),
    ]


def test_without_source_column_the_table_is_replaced(tmp_path, target):
    write(tmp_path, "d/a.json", '{"id": 1}')
    write(tmp_path, "e/b.json", '{"id": 2}')
    stage(tmp_path, "d/a.json")
    stage(tmp_path, "e/b.json")
    assert [r[0] for r in rows(target, "id")] == [2]


def test_prefix_is_a_string_prefix_like_s3(tmp_path, target):
    write(tmp_path, "songs/A/1.json", '{"id": 1}')
    write(tmp_path, "songs/AB/2.json", '{"id": 2}')
    write(tmp_path, "songs/B/3.json", '{"id": 3}')
    stage(tmp_path, "songs/A", prefix=True)
    assert [r[0] for r in rows(target, "id")] == [1, 2]


def test_a_list_of_keys_loads_each(tmp_path, target):
    write(tmp_path, "d/a.json", '{"id": 1}')
    write(tmp_path, "d/b.json", '{"id": 2}')
    assert stage(tmp_path, ["d/a.json", "d/b.json"], source_column="source_key") == 2


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "1"}', r"field id \(column id\): expected an integer, got string '1'"),
        ('{"id": 1.5}', r"expected an integer, got number 1\.5"),
        ('{"id": true}', r"expected an integer, got boolean"),
        ('{"id": 4294967296}', r"out of range for integer"),
        ('{"id": 1, "score": "high"}', r"field score .*expected a number"),
        ('{"id": 1, "active": 1}', r"field active .*expected true or false"),
        ('{"id": 1, "name": {"x": 1}}', r"field name .*expected a string, got object"),
        ('{"id": 1, "name": "a\\u0000b"}', r"NUL character"),
        ('{"name": "x"}', r"missing required field id \(column id is NOT NULL\)"),
        ('{"id": null}', r"missing required field id"),
        ("[1, 2]", r"expected a JSON object, got array"),
    ],
)
def test_values_that_do_not_fit_name_file_line_and_field(tmp_path, target, line, message):
    write(tmp_path, "d/a.json", '{"id": 1}\n' + line)
    with pytest.raises(SourceDataError, match=rf"d/a\.json, line 2: .*{message}"):
        stage(tmp_path, "d/a.json", source_column="source_key")
    assert target.count("target") == 0


def test_invalid_identifiers_are_refused_before_any_sql():
    with pytest.raises(PipelineConfigError, match="invalid SQL identifier"):
        StageToRedshiftOperator(
            task_id="s", table='target"; DROP TABLE users; --', source_url="file:///x", s3_key="k"
        )
    with pytest.raises(PipelineConfigError, match="invalid SQL identifier"):
        StageToRedshiftOperator(
            task_id="s", table="t", source_url="file:///x", s3_key="k", columns=["Bad Name"]
        )
