"""The JSON stream reader: every layout Redshift COPY accepts, and exact lines for errors."""

from __future__ import annotations

import pytest
from sparkify.errors import SourceDataError
from sparkify.staging.postgres_copy.json_records import iter_json_values


def read(text: str) -> list[tuple[int, object]]:
    return list(iter_json_values(text.encode().splitlines(keepends=True), "file:///x.json"))


def test_one_object_per_line_without_final_newline():
    assert read('{"a": 1}\n{"a": 2}') == [(1, {"a": 1}), (2, {"a": 2})]


def test_blank_lines_and_crlf_are_skipped():
    assert read('\n{"a": 1}\r\n\r\n  \n{"a": 2}\r\n') == [(2, {"a": 1}), (5, {"a": 2})]


def test_pretty_printed_objects_report_their_first_line():
    text = '{\n  "a": 1,\n  "b": [1,\n 2]\n}\n{"c": 3}\n{\n"d": 4}'
    assert read(text) == [(1, {"a": 1, "b": [1, 2]}), (6, {"c": 3}), (7, {"d": 4})]


def test_nested_objects_of_pretty_printed_values_are_not_mistaken_for_records():
    text = '{\n  "a": {"b": 1},\n  "c":\n    {"d": 2}\n}\n{"e": 3}'
    assert read(text) == [(1, {"a": {"b": 1}, "c": {"d": 2}}), (6, {"e": 3})]


def test_concatenated_objects_on_one_line():
    assert read('{"a": 1}{"a": 2} {"a": 3}') == [(1, {"a": 1}), (1, {"a": 2}), (1, {"a": 3})]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('{"a": 1}\n{"a": oops}\n{"a": 3}', 2),
        ('{"a": 1}\n{"a": 2}}\n', 2),
        ('{\n  "a": 1,\n  "b": nope\n}', 3),
        ('{"a": 1}\n\n{"a": "unterminated}\n', 3),
        ('{"a": 1}\n{"a": "cut inside a string\n{"a": 3}\n{"a": 4}', 2),
        ('{"a": 1}\n{"a": "cut after an escape \\\n{"a": 3}', 2),
        ('{"a": 1}\n{"a": 2, "b":\n{"a": 3}\n{"a": 4}', 2),
        ('{"a": 1}\n{"a": [1,\n{"a": 3}', 2),
    ],
)
def test_malformed_json_names_file_and_line(text, line):
    with pytest.raises(SourceDataError, match=rf"^file:///x\.json, line {line}: malformed JSON"):
        read(text)


def test_truncated_file_names_the_line_the_value_started():
    with pytest.raises(SourceDataError, match=r"line 2: malformed JSON: the file ends inside"):
        read('{"a": 1}\n{"a": 2,\n "b": ')


def test_invalid_utf8_names_the_line():
    lines = [b'{"a": 1}\n', b'{"a": "\xff"}\n']
    with pytest.raises(SourceDataError, match=r"line 2: invalid UTF-8"):
        list(iter_json_values(lines, "file:///x.json"))


def test_unicode_escapes_and_mojibake_are_kept_verbatim():
    assert read('{"a": "Caf\\u00e9", "b": "CafÃ\\u0083Â©"}') == [
        (1, {"a": "Café", "b": "CafÃ\u0083Â©"})
    ]
