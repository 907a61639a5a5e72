"""Property-based: what the PostgreSQL stand-in for COPY loads is what json.loads reads.

Hypothesis writes day files of arbitrary records (any Unicode text, NUL included, written with
or without ASCII escapes; integers and floats over and beyond the columns' ranges; epoch
milliseconds in and out of range), stages each through the real operator into PostgreSQL on
both paths (the columnar fast path with tiny blocks, and the row-by-row mapper alone), and
compares the outcome with an oracle built from ``json.loads`` of each line and the documented
rules (docs/copy-options.md): the same rows, or an error naming the first bad line.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.copy_paths import count_fast_path_rows, stage_day_file

TEXT_WIDTH = 12
INT32 = (-(2**31), 2**31 - 1)
MILLIS = (-62135596800000, 253402300799999)  # 0001-01-01 to 9999-12-31 23:59:59.999
TABLE_DDL = f"""
CREATE TABLE props (
    id         BIGINT NOT NULL,
    label      VARCHAR({TEXT_WIDTH}),
    amount     DOUBLE PRECISION,
    plays      INTEGER,
    seen_at    TIMESTAMP,
    source_key VARCHAR(256)
)
"""

# Characters that have broken loaders: CSV and COPY specials, Unicode blanks and separators,
# astral and combining characters.
TRICKY = '\n\r\t\\",|. \x1c\x7f\u00a0\u2028\u3000\u200b\ufeffé\u0301🎵'
valid_label = (
    st.none()
    | st.text(
        st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
        max_size=TEXT_WIDTH,
    )
    | st.text(st.sampled_from(TRICKY), max_size=TEXT_WIDTH)
)
valid_record = st.fixed_dictionaries(
    {},
    optional={
        "label": valid_label,
        "amount": st.none()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.integers(-(2**80), 2**80),
        "plays": st.none() | st.integers(*INT32),
        "seen_at": st.none() | st.integers(*MILLIS),
    },
)
# One value each that COPY must refuse: the file fails, naming its line.
bad_field = st.one_of(
    # A lone surrogate: escaped (\ud800), or as the bytes it would take (invalid UTF-8).
    st.tuples(st.just("label"), st.characters(categories=("Cs",))),
    st.tuples(st.just("label"), st.text(max_size=4).map(lambda t: t + "\x00")),
    st.tuples(st.just("label"), st.text(min_size=TEXT_WIDTH + 1, max_size=TEXT_WIDTH + 6)),
    st.tuples(
        st.just("plays"), st.integers(INT32[1] + 1, 2**70) | st.integers(-(2**70), INT32[0] - 1)
    ),
    st.tuples(
        st.just("seen_at"), st.integers(MILLIS[1] + 1, 2**62) | st.integers(-(2**62), MILLIS[0] - 1)
    ),
)


def expected_outcome(lines: list[str]):
    """The oracle: ("rows", rows) or ("error", first bad line), from json.loads of each line."""
    rows = []
    for number, text in enumerate(lines, start=1):
        record = json.loads(text)
        label, amount = record.get("label"), record.get("amount")
        encodable = (
            label is None
            or label.encode("utf-8", "surrogatepass").decode("utf-8", "replace") == label
        )
        plays, seen_at = record.get("plays"), record.get("seen_at")
        if label is not None and ("\x00" in label or len(label) > TEXT_WIDTH or not encodable):
            return ("error", number)
        if plays is not None and not INT32[0] <= plays <= INT32[1]:
            return ("error", number)
        if seen_at is not None and not MILLIS[0] <= seen_at <= MILLIS[1]:
            return ("error", number)
        moment = None
        if seen_at is not None:
            moment = dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=seen_at)
        rows.append((record["id"], label, None if amount is None else float(amount), plays, moment))
    return ("rows", rows)


def staged_outcome(warehouse, root: Path, fast: bool, monkeypatch):
    warehouse.execute("TRUNCATE props")
    error = stage_day_file(root, "props", fast, monkeypatch, timeformat="epochmillisecs")
    if error is not None:
        return ("error", error)
    rows = warehouse.query("SELECT id, label, amount, plays, seen_at FROM props ORDER BY id")
    return ("rows", rows)


@pytest.fixture
def table(warehouse, monkeypatch):
    warehouse.execute(TABLE_DDL)
    sent = count_fast_path_rows(monkeypatch, 256)
    yield warehouse
    assert sum(sent) > 0, "the fast path never loaded a row: the property did not cover it"


PROPERTY = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def staged_both_ways(table, monkeypatch, records: list[dict], ascii_only: bool):
    """The day file of ``records``; the oracle's outcome; each path's outcome."""
    lines = [
        json.dumps({"id": n, **record}, ensure_ascii=ascii_only) for n, record in enumerate(records)
    ]
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        (root / "d").mkdir()
        (root / "d" / "day.json").write_text(
            "\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass"
        )
        outcomes = {
            "fast path": staged_outcome(table, root, True, monkeypatch),
            "row mapper": staged_outcome(table, root, False, monkeypatch),
        }
    return expected_outcome(lines), outcomes


@PROPERTY
@given(records=st.lists(valid_record, min_size=1, max_size=25), ascii_only=st.booleans())
def test_valid_records_load_as_json_loads_reads_them(table, monkeypatch, records, ascii_only):
    expected, outcomes = staged_both_ways(table, monkeypatch, records, ascii_only)
    assert expected[0] == "rows"
    for path, outcome in outcomes.items():
        assert outcome == expected, path


@PROPERTY
@given(
    records=st.lists(valid_record, min_size=1, max_size=25),
    position=st.integers(min_value=0),
    bad=bad_field,
    ascii_only=st.booleans(),
)
def test_one_bad_value_fails_the_file_naming_its_line(
    table, monkeypatch, records, position, bad, ascii_only
):
    position %= len(records) + 1
    field, value = bad
    records = [*records[:position], {field: value}, *records[position:]]
    expected, outcomes = staged_both_ways(table, monkeypatch, records, ascii_only)
    assert expected == ("error", position + 1)
    for path, (kind, said) in outcomes.items():
        assert kind == "error", (path, said)
        assert f"day.json, line {position + 1}" in said, (path, said)
