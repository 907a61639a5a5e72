"""Staging one day file through either path of the PostgreSQL stand-in, for tests that compare
them: the columnar fast path (as shipped), or the row-by-row mapper alone."""

from __future__ import annotations

from pathlib import Path

import sparkify.staging.postgres_copy.columnar as columnar_copy
from sparkify.errors import SourceDataError
from sparkify.operators import StageToRedshiftOperator

DAY_KEY = "d/day.json"
# A staging target with a column of each kind COPY converts, and a source column.
TABLE_DDL = """
CREATE TABLE target (
    id          INTEGER NOT NULL,
    name        VARCHAR(8),
    score       DOUBLE PRECISION,
    active      BOOLEAN,
    seen_at     TIMESTAMP,
    source_key  VARCHAR(256)
)
"""


def stage_day_file(root: Path, table: str, fast: bool, monkeypatch, **options) -> str | None:
    """Stage ``root/d/day.json`` into ``table`` (its source column ``source_key``), with the
    fast path on or off; the SourceDataError's message, or None if it loaded."""
    with monkeypatch.context() as patch:
        if not fast:
            patch.setattr(columnar_copy.ColumnarLoader, "for_mapping", lambda *a, **k: None)
        operator = StageToRedshiftOperator(
            task_id=f"stage_{table}",
            table=table,
            source_url=root.as_uri(),
            s3_key=DAY_KEY,
            source_column="source_key",
            **options,
        )
        try:
            operator.execute({})
        except SourceDataError as error:
            return str(error)
    return None


def count_fast_path_rows(monkeypatch, block_bytes: int) -> list[int]:
    """Blocks of ``block_bytes``, so that each case spans several; the list fills with the rows
    the fast path sent, one entry per stage that tried it."""
    monkeypatch.setattr(columnar_copy, "BLOCK_BYTES", block_bytes)
    sent: list[int] = []
    copy_blocks = columnar_copy.ColumnarLoader.copy_blocks

    def counting(self, *args, **kwargs):
        result = copy_blocks(self, *args, **kwargs)
        sent.append(result[0])
        return result

    monkeypatch.setattr(columnar_copy.ColumnarLoader, "copy_blocks", counting)
    return sent
