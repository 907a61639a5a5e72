"""The columnar fast path loads exactly what the row-by-row mapper loads, and fails the same way.

Every case is staged twice through the real operator into PostgreSQL: once as shipped (the
fast path first, the mapper for whatever it hands back) and once with the fast path switched
off. The outcomes must be identical: the same rows, or the same error naming the same line.
Blocks are made tiny so that each case also crosses block boundaries and the hand-off lands
mid-file, after blocks the fast path already sent.
"""

from __future__ import annotations

import json

import psycopg
import pytest
import sparkify.staging.postgres_copy.columnar as columnar_copy
from sparkify.staging.copy_options import CopyOptions
from sparkify.staging.table_columns import read_table_columns

from tests.support.copy_paths import TABLE_DDL, count_fast_path_rows, stage_day_file


def line(**fields) -> str:
    return json.dumps(fields, ensure_ascii=False)


GOOD = [
    line(id=n, name=f"n{n}", score=n / 7, active=n % 2 == 0, seen_at=1541290555796 + n)
    for n in range(40)
]

# Each case is the middle of a file: GOOD lines come before and after it.
CASES: dict[str, str] = {
    "plain": "",
    "csv specials": "\n".join(
        [
            line(id=100, name='a,"b'),
            line(id=101, name="l1\nl2"),
            line(id=102, name="\n\\.\n"),
            line(id=103, name="\\."),
            line(id=104, name="back\\sl"),
            line(id=105, name="\r\t"),
            line(id=106, name=""),
            line(id=107, name=" "),
        ]
    ),
    "unicode": "\n".join(
        [
            line(id=110, name="Björk"),
            line(id=111, name="🎵🎵🎵🎵🎵🎵🎵🎵"),
            line(id=112, name="\u3000"),
        ]
    ),
    "unicode blanks": "\n".join(
        [line(id=120, name="\u3000\u2028"), line(id=121, name="\x1c "), line(id=122, name="\u200b")]
    ),
    "floats": "\n".join(
        [
            line(id=130, score=0.1),
            line(id=131, score=-0.0),
            line(id=132, score=1e-320),
            line(id=133, score=1.7976931348623157e308),
            '{"id": 134, "score": 12345678901234567890123}',
            line(id=135, score=3),
        ]
    ),
    "timestamps at the limits": "\n".join(
        [line(id=140, seen_at=-62135596800000), line(id=141, seen_at=253402300799999)]
    ),
    "escaped keys and extra fields": '{"\\u0069d": 150, "other": {"deep": [1, null]}}',
    "blank lines": "\n\n   \n" + line(id=160),
    "crlf": line(id=170) + "\r\n" + line(id=171) + "\r",
    "pretty printed": '{\n  "id": 180,\n  "name": "pp"\n}',
    "two objects on a line": line(id=190) + " " + line(id=191),
    "blank string in a number column": '{"id": 200, "score": ""}\n{"id": 201, "score": "  "}',
    "number for a text column": '{"id": 210, "name": 42}\n{"id": 211, "name": 4.5}',
    "NaN": '{"id": 220, "score": NaN}',
    "Infinity": '{"id": 221, "score": Infinity}',
    "huge exponent": '{"id": 222, "score": 1e400}',
    "duplicate keys": '{"id": 230, "id": 231}',
    "lone surrogate in an ignored field": '{"id": 240, "other": "\\ud800"}',
    "NUL in text": '{"id": 250, "name": "a\\u0000"}',
    "NUL in an ignored field": '{"id": 251, "other": "a\\u0000"}',
    "too long": line(id=260, name="ninechars"),
    "integer out of range": line(id=2**31),
    "float for an integer": '{"id": 270.0}',
    "boolean for an integer": '{"id": true}',
    "epoch millis as a float": '{"id": 280, "seen_at": 1541290555796.5}',
    "epoch millis out of range": line(id=281, seen_at=10**17),
    "missing required field": line(name="x"),
    "null required field": '{"id": null}',
    "array": "[1, 2]",
    "nested value for text": '{"id": 290, "name": {"a": 1}}',
    "cut short, then a new object": '{"id": 300, "name":\n' + line(id=301),
    "trailing garbage": line(id=310) + " x",
    # Three lines, one object; then one line, three objects: as many rows as lines, but the
    # mapper rejects an object that starts at column 0 inside an unfinished value.
    "object at column 0 inside an unfinished value": '{"id": 320, "other":\n{"x": 1}\n}\n'
    + " ".join(line(id=n) for n in (321, 322, 323)),
}

OPTION_SETS = {
    "defaults": {},
    "blanks and empties as null": {"blanks_as_null": True, "empty_as_null": True},
    "truncate": {"truncate_columns": True},
}


@pytest.fixture
def target(warehouse):
    warehouse.execute(TABLE_DDL)
    return warehouse


@pytest.fixture
def fast_path_rows(monkeypatch):
    """Rows the fast path sent, per stage; tiny blocks so that every case spans several."""
    return count_fast_path_rows(monkeypatch, 512)


def outcome(root, target, monkeypatch, fast: bool, options: dict):
    """Stage d/day.json; return the table's rows, or the error's type and message."""
    target.execute("TRUNCATE target")
    error = stage_day_file(
        root, "target", fast, monkeypatch, timeformat="epochmillisecs", **options
    )
    if error is not None:
        return ("error", error)
    return ("rows", target.query("SELECT * FROM target ORDER BY id, name"))


@pytest.mark.parametrize("options", OPTION_SETS.values(), ids=OPTION_SETS.keys())
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_fast_path_agrees_with_the_mapper(
    tmp_path, target, monkeypatch, fast_path_rows, case, options
):
    text = "\n".join([*GOOD[:20], case, *GOOD[20:]]) if case else "\n".join(GOOD)
    day = tmp_path / "d" / "day.json"
    day.parent.mkdir()
    day.write_text(text, encoding="utf-8")

    fast = outcome(tmp_path, target, monkeypatch, True, options)
    reference = outcome(tmp_path, target, monkeypatch, False, options)

    assert repr(fast) == repr(reference)  # repr: NaN equals NaN, and floats print exactly
    assert fast_path_rows[0] >= 10, "the good lines before the case went through the fast path"
    assert len(fast_path_rows) == 1, "the reference run did not use the fast path"


def test_a_clean_file_goes_entirely_through_the_fast_path(
    tmp_path, target, monkeypatch, fast_path_rows
):
    day = tmp_path / "d" / "day.json"
    day.parent.mkdir()
    day.write_text("\n".join(GOOD) + "\n", encoding="utf-8")
    kind, rows = outcome(tmp_path, target, monkeypatch, True, {})
    assert kind == "rows" and len(rows) == len(GOOD)
    assert fast_path_rows == [len(GOOD)]
    assert rows[3][:5] == (3, "n3", 3 / 7, False, rows[3][4])
    assert rows[3][4].isoformat() == "2018-11-04T00:15:55.799000"


def test_invalid_utf8_is_named_by_line(tmp_path, target, monkeypatch, fast_path_rows):
    day = tmp_path / "d" / "day.json"
    day.parent.mkdir()
    day.write_bytes(
        "\n".join(GOOD[:20]).encode() + b'\n{"id": 1, "name": "\xff"}\n' + GOOD[20].encode()
    )
    fast = outcome(tmp_path, target, monkeypatch, True, {})
    assert fast == outcome(tmp_path, target, monkeypatch, False, {})
    assert fast[0] == "error" and "line 21" in fast[1] and "UTF-8" in fast[1]


def test_mappings_it_cannot_express_exactly_never_take_the_fast_path(tmp_path, target):
    with psycopg.connect(target.url) as connection:
        columns = read_table_columns(connection.cursor(), "target", None)[:5]
    assert columnar_copy.ColumnarLoader.for_mapping(columns, CopyOptions()) is None  # no timeformat
    millis = CopyOptions(timeformat="epochmillisecs")
    assert columnar_copy.ColumnarLoader.for_mapping(columns, millis) is not None
    ignorecase = CopyOptions(json_format="auto ignorecase", timeformat="epochmillisecs")
    assert columnar_copy.ColumnarLoader.for_mapping(columns, ignorecase) is None
    paths = CopyOptions(json_format="p.json", timeformat="epochmillisecs")
    nested = [("a",), ("b", "c"), ("d",), ("e",), ("f",)]
    assert columnar_copy.ColumnarLoader.for_mapping(columns, paths, nested) is None
    repeated = [("a",), ("a",), ("d",), ("e",), ("f",)]
    assert columnar_copy.ColumnarLoader.for_mapping(columns, paths, repeated) is None
    flat = [("a",), ("b",), ("d",), ("e",), ("f",)]
    assert columnar_copy.ColumnarLoader.for_mapping(columns, paths, flat) is not None
