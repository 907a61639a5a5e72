"""Hostile and huge input: each file loads exactly or fails naming the file and line.

Every case is a day file staged through the real operator into PostgreSQL on both paths (the
columnar fast path, and the row mapper alone), with good lines around the hostile one. The
expected outcome is stated, not only agreed between the paths: the rows as json.loads reads the
file, or an error that names the file and the hostile line.
"""

from __future__ import annotations

import json

import pytest

from tests.support.copy_paths import count_fast_path_rows, stage_day_file

TABLE_DDL = """
CREATE TABLE target (
    id         INTEGER NOT NULL,
    name       VARCHAR(16),
    score      DOUBLE PRECISION,
    source_key VARCHAR(256)
)
"""
BEFORE = [json.dumps({"id": n, "name": f"n{n}"}) for n in range(1, 4)]
AFTER = [json.dumps({"id": n, "name": f"n{n}"}) for n in range(5, 8)]
HOSTILE_LINE = len(BEFORE) + 1
MB = 1 << 20


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# name -> (the hostile line as bytes, whether it loads)
CASES = {
    # Redshift takes at most 4 MB per JSON object, whatever the table reads of it.
    "a 50 MB line, in a field the table ignores": (
        b'{"id": 4, "name": "big", "other": "' + b"x" * (50 * MB) + b'"}',
        False,
    ),
    "a 50 MB string for a VARCHAR(16) column": (
        b'{"id": 4, "name": "' + b"y" * (50 * MB) + b'"}',
        False,
    ),
    "nesting 500 deep, in a field the table ignores": (
        b'{"id": 4, "name": "deep", "other": ' + nested(500).encode() + b"}",
        True,
    ),
    "nesting 100,000 deep, in a field the table ignores": (
        b'{"id": 4, "other": ' + nested(100_000).encode() + b"}",
        False,
    ),
    "a raw NUL byte": (b'{"id": 4, "name": "a\x00b"}', False),
    "an escaped NUL in text": (b'{"id": 4, "name": "a\\u0000b"}', False),
    "invalid UTF-8": (b'{"id": 4, "name": "\xc3\x28"}', False),
    "an integer out of range": (b'{"id": 2147483648}', False),
    "a float out of range": (b'{"id": 4, "score": 1e400}', False),
    "NaN": (b'{"id": 4, "score": NaN}', False),
    "duplicate keys: the last one wins, as json.loads reads it": (
        b'{"id": 4, "name": "first", "name": "last"}',
        True,
    ),
}


@pytest.fixture
def target(warehouse, monkeypatch):
    warehouse.execute(TABLE_DDL)
    count_fast_path_rows(monkeypatch, 4096)
    return warehouse


def staged(tmp_path, target, monkeypatch, fast: bool):
    target.execute("TRUNCATE target")
    error = stage_day_file(tmp_path, "target", fast, monkeypatch)
    if error is not None:
        return ("error", error)
    return ("rows", target.query("SELECT id, name, score FROM target ORDER BY id"))


def expected_rows(lines: list[bytes]) -> list[tuple]:
    records = [json.loads(line) for line in lines]
    return sorted((r["id"], r.get("name"), r.get("score")) for r in records)


@pytest.mark.parametrize("case", CASES, ids=CASES)
def test_hostile_lines_load_exactly_or_fail_naming_the_line(tmp_path, target, monkeypatch, case):
    hostile, loads = CASES[case]
    lines = [*(line.encode() for line in BEFORE), hostile, *(line.encode() for line in AFTER)]
    day = tmp_path / "d" / "day.json"
    day.parent.mkdir()
    day.write_bytes(b"\n".join(lines) + b"\n")
    for fast in (True, False):
        kind, got = staged(tmp_path, target, monkeypatch, fast)
        if loads:
            assert (kind, got) == ("rows", expected_rows(lines)), fast
        else:
            assert kind == "error", (fast, got[:300])
            assert f"{day.as_uri()}, line {HOSTILE_LINE}" in got, (fast, got[:300])
            assert len(got) < 2000  # the message names the value, it does not repeat 50 MB


def test_a_byte_order_mark_before_the_first_record_fails_naming_line_1(
    tmp_path, target, monkeypatch
):
    """Some editors start UTF-8 files with a BOM. It is not JSON, and Redshift documents
    nothing about it, so the stand-in refuses it, saying what it is, rather than guess."""
    lines = [line.encode() for line in BEFORE + AFTER]
    day = tmp_path / "d" / "day.json"
    day.parent.mkdir()
    day.write_bytes(b"\xef\xbb\xbf" + b"\n".join(lines) + b"\n")
    for fast in (True, False):
        kind, said = staged(tmp_path, target, monkeypatch, fast)
        assert (
            kind == "error"
            and f"{day.as_uri()}, line 1: the file starts with a byte order mark" in said
        )
