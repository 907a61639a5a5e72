"""The fast path of the client-side COPY: large files parsed and checked a block at a time.

The row-by-row mapper (``row_mapping``) costs about 13 µs a row in Python, several times what
PostgreSQL needs to load it. For a large object of one JSON object per line, this module does
the same work column-wise: Arrow's JSON reader parses a block of lines (in C++, on every core)
into the target columns' types, the checks run as vectorised compute kernels, and Arrow writes
the block as CSV for ``COPY ... FROM STDIN (FORMAT csv)``.

It never decides anything the mapper would decide differently. A block is taken only when it
can vouch for every row in it:

- the block is valid UTF-8 and every line of it starts with ``{``, with exactly one row parsed
  per line (so the rows are the lines, in order, and their line numbers are known);
- Arrow parsed every mapped field as the column's own JSON type (a string for text, an integer
  for integers, a number for floats, true/false for booleans, an integer of epoch milliseconds
  for a timestamp), which leaves no conversion to interpret;
- every value passes the column's checks (NUL-free, within width or truncated under
  TRUNCATECOLUMNS, in range, present where NOT NULL).

Anything else (a malformed line, a blank string in a number column, a pretty-printed object, a
NUL) stops the fast path at the start of that block, and the caller hands the rest of the
object, from that line on, to the row-by-row mapper: it loads what Redshift would load and names
the file and line of what it would reject. Mappings the fast path cannot express exactly
('auto ignorecase', nested JSONPaths, date or text timestamps) never use it.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json

from sparkify.staging.copy_options import TIMEFORMAT_EPOCH_MILLIS, CopyOptions
from sparkify.staging.postgres_copy.json_records import MAX_VALUE_BYTES
from sparkify.staging.postgres_copy.jsonpaths import Step
from sparkify.staging.postgres_copy.read_ahead import read_ahead
from sparkify.staging.table_columns import INTEGER_BOUNDS, Column, ColumnKind

BLOCK_BYTES = 2 << 20  # lines parsed per block: about 4,500 events
READ_AHEAD_BLOCKS = 2  # blocks parsed ahead of the one being sent
_MAX_DEPTH = 900  # brackets on one line beyond which the mapper decides (it reads ~1,000 deep)

# str.isspace() is what the mapper's BLANKSASNULL tests; trimming exactly these characters
# from both ends leaves "" only for a string the mapper would call blank.
_PYTHON_WHITESPACE = "".join(c for c in map(chr, range(0x110000)) if c.isspace())

_EPOCH = dt.datetime(1970, 1, 1)
# The epoch-millisecond range the mapper's datetime arithmetic accepts (years 1 to 9999).
_EPOCH_MILLIS_BOUNDS = (
    (dt.datetime.min - _EPOCH) // dt.timedelta(milliseconds=1),
    (dt.datetime.max - _EPOCH) // dt.timedelta(milliseconds=1),
)

_ARROW_TYPES = {
    ColumnKind.TEXT: pa.string(),
    ColumnKind.INTEGER: pa.int64(),
    ColumnKind.FLOAT: pa.float64(),
    ColumnKind.BOOLEAN: pa.bool_(),
    ColumnKind.TIMESTAMP: pa.int64(),  # epoch milliseconds, converted after the range check
}

# The C library's allocator hands freed blocks back; Arrow's default (mimalloc) keeps them
# cached, which measured 50 MB more peak RSS for the same run.
_MEMORY_POOL = pa.system_memory_pool()

_CSV_OPTIONS = pa_csv.WriteOptions(include_header=False, quoting_style="all_valid")


@dataclass(frozen=True)
class _CsvBlock:
    csv: memoryview | None  # None: a block the fast path cannot vouch for
    rows: int
    lines: int
    source: bytes


class _CannotVouch(Exception):
    """A block the fast path will not load; the row-by-row mapper takes it from here."""


@dataclass(frozen=True)
class ColumnarLoader:
    """Loads the blocks of an object that the row-by-row mapper would load the same way."""

    columns: tuple[Column, ...]
    keys: tuple[str, ...]  # the JSON key each column takes its value from
    options: CopyOptions

    @classmethod
    def for_mapping(
        cls,
        columns: Sequence[Column],
        options: CopyOptions,
        jsonpaths: Sequence[tuple[Step, ...]] | None = None,
    ) -> ColumnarLoader | None:
        """The loader for this mapping, or None where only the row-by-row mapper is exact."""
        if options.ignore_case:
            return None
        if jsonpaths is None:
            keys = [column.name for column in columns]
        elif all(len(path) == 1 and isinstance(path[0], str) for path in jsonpaths):
            keys = [path[0] for path in jsonpaths]
        else:
            return None
        if len(set(keys)) != len(keys) or len(keys) != len(columns):
            return None
        epoch_millis = options.timeformat == TIMEFORMAT_EPOCH_MILLIS
        for column in columns:
            if column.kind not in _ARROW_TYPES:
                return None
            if column.kind is ColumnKind.TIMESTAMP and not epoch_millis:
                return None
        return cls(tuple(columns), tuple(keys), options)

    def copy_blocks(
        self, write_csv: Callable[[memoryview], None], stream: IO[bytes], tag: str | None
    ) -> tuple[int, Iterator[bytes], int]:
        """Send the leading blocks of ``stream`` it can vouch for, as CSV, to ``write_csv``.

        ``tag``, if given, is appended to every row (the object's key). Blocks are parsed in a
        worker thread, one block ahead of the one being sent. Returns the number of rows
        written, the lines not loaded (from the first block it could not vouch for) and the
        line number the first of those has.
        """
        rows, line = 0, 1
        blocks = _LineBlocks(stream)
        refused: bytes | None = None
        for block in read_ahead(self._csv_blocks(blocks, tag), depth=READ_AHEAD_BLOCKS):
            if block.csv is None:
                refused = block.source
                break
            write_csv(block.csv)
            rows += block.rows
            line += block.lines
        if refused is None:
            return rows, iter(()), line
        return rows, _lines_from(refused + blocks.carry, stream), line

    def _csv_blocks(self, blocks: _LineBlocks, tag: str | None) -> Iterator[_CsvBlock]:
        """Each block as CSV, until one it cannot vouch for (yielded with ``csv`` None)."""
        schema = pa.schema(
            [(key, _ARROW_TYPES[c.kind]) for key, c in zip(self.keys, self.columns, strict=True)]
        )
        parse_options = pa_json.ParseOptions(
            explicit_schema=schema, unexpected_field_behavior="ignore"
        )
        for block in blocks:
            lines = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
            try:
                table = self._checked_table(block, lines, parse_options)
            except _CannotVouch:
                yield _CsvBlock(None, 0, lines, block)
                return
            if tag is not None:
                table = table.append_column("tag", pa.repeat(pa.scalar(tag), table.num_rows))
            buffer = io.BytesIO()
            pa_csv.write_csv(table, buffer, _CSV_OPTIONS)
            yield _CsvBlock(buffer.getbuffer(), table.num_rows, lines, block)

    def _checked_table(
        self, block: bytes, lines: int, parse_options: pa_json.ParseOptions
    ) -> pa.Table:
        if not block.startswith(b"{") or block.count(b"\n{") != lines - 1:
            raise _CannotVouch  # blank, indented or continued lines: the mapper reads those
        if _may_exceed_limits(block, lines):
            raise _CannotVouch  # the mapper names a value over 4 MB or nested too deeply
        try:
            block.decode("utf-8")
            table = pa_json.read_json(
                io.BytesIO(block), parse_options=parse_options, memory_pool=_MEMORY_POOL
            )
        except (pa.ArrowInvalid, UnicodeDecodeError):
            raise _CannotVouch from None
        if table.num_rows != lines:
            raise _CannotVouch
        return pa.table(
            [
                self._checked_column(column, table.column(key).combine_chunks())
                for key, column in zip(self.keys, self.columns, strict=True)
            ],
            names=[column.name for column in self.columns],
        )

    def _checked_column(self, column: Column, values: pa.Array) -> pa.Array:
        if column.kind is ColumnKind.TEXT:
            values = self._checked_text(column, values)
        elif column.kind is ColumnKind.INTEGER:
            _require_within(values, INTEGER_BOUNDS[column.data_type])
        elif column.kind is ColumnKind.FLOAT:
            if (
                values.null_count < len(values)
                and not _any_true(pc.is_finite(values))
                or (_any_true(pc.invert(pc.fill_null(pc.is_finite(values), True))))
            ):
                raise _CannotVouch  # 1e400 or NaN: the mapper names it
        elif column.kind is ColumnKind.TIMESTAMP:
            _require_within(values, _EPOCH_MILLIS_BOUNDS)
            values = values.cast(pa.timestamp("ms"))
        if not column.nullable and values.null_count:
            raise _CannotVouch
        return values

    def _checked_text(self, column: Column, values: pa.Array) -> pa.Array:
        options = self.options
        if options.empty_as_null or options.blanks_as_null:
            empty = pc.equal(values, "")
            blank = pc.equal(pc.utf8_trim(values, _PYTHON_WHITESPACE), "")
            nulled = pc.and_(blank, pc.invert(empty)) if options.blanks_as_null else None
            if options.empty_as_null:
                nulled = empty if nulled is None else pc.or_(nulled, empty)
            values = pc.if_else(nulled, pa.scalar(None, pa.string()), values)
        if _any_true(pc.match_substring(values, "\x00")):
            raise _CannotVouch
        if column.max_length is not None and _any_true(
            pc.greater(pc.utf8_length(values), column.max_length)
        ):
            if not options.truncate_columns:
                raise _CannotVouch
            values = pc.utf8_slice_codeunits(values, 0, column.max_length)
        return values


class _LineBlocks:
    """A stream in blocks of about BLOCK_BYTES that end at the end of a line.

    ``carry`` holds what was read past the last block handed out: the start of the next line.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.carry = b""

    def __iter__(self) -> Iterator[bytes]:
        # Chunks without a line end are kept apart and joined once the line ends: joining at
        # each read would copy a 50 MB line some thousands of times.
        pending = [self.carry] if self.carry else []
        while chunk := self._stream.read(BLOCK_BYTES):
            cut = chunk.rfind(b"\n") + 1
            if not cut:
                pending.append(chunk)
                continue
            block = b"".join([*pending, chunk[:cut]])
            self.carry = chunk[cut:]
            pending = [self.carry] if self.carry else []
            yield block
        self.carry = b""
        if pending:
            yield b"".join(pending)


def _lines_from(head: bytes, stream: IO[bytes]) -> Iterator[bytes]:
    """The lines of ``head`` and then of ``stream``, as iterating one file would give them.

    ``head`` may end inside a line that ``stream`` finishes.
    """
    lines = io.BytesIO(head).readlines()
    if lines and not lines[-1].endswith(b"\n"):
        lines[-1] += stream.readline()
    yield from lines
    yield from stream


def _may_exceed_limits(block: bytes, lines: int) -> bool:
    """Whether a line of the block may hold a value over 4 MB or nested over 1,000 levels.

    Cheap where it matters: an event or song line has one brace and no bracket, so the block's
    counts decide; only a block with a thousand extra brackets is looked at line by line.
    """
    if len(block) > MAX_VALUE_BYTES and max(map(len, block.split(b"\n"))) > MAX_VALUE_BYTES:
        return True
    if block.count(b"[") + block.count(b"{") - lines <= _MAX_DEPTH:
        return False
    return any(line.count(b"[") + line.count(b"{") > _MAX_DEPTH for line in block.split(b"\n"))


def _any_true(mask: pa.Array) -> bool:
    return pc.any(mask).as_py() is True


def _require_within(values: pa.Array, bounds: tuple[int, int]) -> None:
    low_high = pc.min_max(values)
    low, high = low_high["min"].as_py(), low_high["max"].as_py()
    if low is not None and (low < bounds[0] or high > bounds[1]):
        raise _CannotVouch
