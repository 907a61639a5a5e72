"""Turn one JSON object into one table row, with Redshift COPY's mapping and conversions.

- ``'auto'``: each column takes the object's key of the same name (case-sensitive; Redshift
  folds column names to lowercase, so ``firstName`` never matches ``firstname``).
- ``'auto ignorecase'``: the same, ignoring the case of the keys.
- JSONPaths: the n-th expression fills the n-th target column; there must be as many
  expressions as columns.

Then every value is checked against its column: a JSON value of the wrong type, an integer out
of range, a number a double cannot hold (``1e400``, ``NaN``), a string longer than the column
(unless TRUNCATECOLUMNS) or a missing value for a
NOT NULL column is an error naming the object, the line and the field. EMPTYASNULL and
BLANKSASNULL turn empty or whitespace-only strings into NULL for text columns; for every other
type an empty or blank string is always NULL, as Redshift's data conversion parameters say
("Blank fields for other data types, such as INT, are always loaded with NULL"). TIMEFORMAT
'epochmillisecs' reads timestamps as epoch milliseconds.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from typing import Any

from sparkify.errors import PipelineConfigError, SourceDataError
from sparkify.staging.copy_options import TIMEFORMAT_EPOCH_MILLIS, CopyOptions
from sparkify.staging.postgres_copy.jsonpaths import Step, evaluate
from sparkify.staging.table_columns import INTEGER_BOUNDS, Column, ColumnKind

_EPOCH = dt.datetime(1970, 1, 1)


class _BadValue(Exception):
    """A value that does not fit its column; the mapper adds the object, line and field."""


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _text_converter(column: Column, options: CopyOptions) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if isinstance(value, str):
            text = value
        elif isinstance(value, int | float) and not isinstance(value, bool):
            text = str(value)
        else:
            raise _BadValue(f"expected a string, got {_json_type(value)} {_describe(value)}")
        if options.empty_as_null and text == "":
            return None
        if options.blanks_as_null and text and text.isspace():
            return None
        if "\x00" in text:
            raise _BadValue("the string contains a NUL character, which cannot be stored")
        if not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise _BadValue(
                    "the string contains a lone surrogate (an escaped \\ud800-\\udfff without "
                    "its pair), which is not Unicode text"
                ) from None
        if column.max_length is not None and len(text) > column.max_length:
            if not options.truncate_columns:
                raise _BadValue(
                    f"value of {len(text)} characters is longer than the column's "
                    f"{column.max_length} (set TRUNCATECOLUMNS to truncate)"
                )
            text = text[: column.max_length]
        return text

    return convert


def _integer_converter(column: Column, options: CopyOptions) -> Callable[[Any], Any]:
    low, high = INTEGER_BOUNDS[column.data_type]

    def convert(value: Any) -> Any:
        if not isinstance(value, int) or isinstance(value, bool):
            raise _BadValue(f"expected an integer, got {_json_type(value)} {_describe(value)}")
        if not low <= value <= high:
            raise _BadValue(f"integer {value} is out of range for {column.data_type}")
        return value

    return convert


def _float_converter(column: Column, options: CopyOptions) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise _BadValue(f"expected a number, got {_json_type(value)} {_describe(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise _BadValue(f"number {value!r} is out of range for {column.data_type}")
        return value

    return convert


def _boolean_converter(column: Column, options: CopyOptions) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if not isinstance(value, bool):
            raise _BadValue(f"expected true or false, got {_json_type(value)} {_describe(value)}")
        return value

    return convert


def _timestamp_converter(column: Column, options: CopyOptions) -> Callable[[Any], Any]:
    aware = column.kind is ColumnKind.TIMESTAMPTZ

    def from_epoch_millis(value: Any) -> Any:
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise _BadValue(
                f"expected epoch milliseconds (a number), got {_json_type(value)} "
                f"{_describe(value)}"
            )
        try:
            moment = _EPOCH + dt.timedelta(milliseconds=value)
        except OverflowError:
            raise _BadValue(f"epoch milliseconds {value} are out of range") from None
        return moment.replace(tzinfo=dt.UTC) if aware else moment

    def from_text(value: Any) -> Any:
        if not isinstance(value, str):
            raise _BadValue(
                f"expected a timestamp string, got {_json_type(value)} {_describe(value)} "
                f"(numbers need TIMEFORMAT '{TIMEFORMAT_EPOCH_MILLIS}')"
            )
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            raise _BadValue(f"{_describe(value)} is not a timestamp") from None

    return from_epoch_millis if options.timeformat == TIMEFORMAT_EPOCH_MILLIS else from_text


def _date_converter(column: Column, options: CopyOptions) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if not isinstance(value, str):
            raise _BadValue(f"expected a date string, got {_json_type(value)} {_describe(value)}")
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise _BadValue(f"{_describe(value)} is not a date") from None

    return convert


_CONVERTERS = {
    ColumnKind.TEXT: _text_converter,
    ColumnKind.INTEGER: _integer_converter,
    ColumnKind.FLOAT: _float_converter,
    ColumnKind.BOOLEAN: _boolean_converter,
    ColumnKind.TIMESTAMP: _timestamp_converter,
    ColumnKind.TIMESTAMPTZ: _timestamp_converter,
    ColumnKind.DATE: _date_converter,
}


def _converter(column: Column, options: CopyOptions) -> Callable[[Any], Any]:
    convert = _CONVERTERS[column.kind](column, options)
    if column.kind is ColumnKind.TEXT:
        return convert

    def blank_is_null(value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return convert(value)

    return blank_is_null


class RowMapper:
    """Maps JSON objects onto ``columns`` following ``options`` (and ``jsonpaths``, if given)."""

    def __init__(
        self,
        columns: Sequence[Column],
        options: CopyOptions,
        jsonpaths: Sequence[tuple[Step, ...]] | None = None,
        jsonpaths_source: str = "",
    ) -> None:
        if options.jsonpaths_key is not None:
            if jsonpaths is None:
                raise PipelineConfigError("a JSONPaths mapping needs its parsed expressions")
            if len(jsonpaths) != len(columns):
                raise SourceDataError(
                    f"{jsonpaths_source}: {len(jsonpaths)} JSONPath expressions for "
                    f"{len(columns)} target columns; COPY needs exactly one per column"
                )
        self.columns = list(columns)
        self.options = options
        self.jsonpaths = list(jsonpaths) if jsonpaths is not None else None
        self._converters = [_converter(c, options) for c in self.columns]
        self._fields = (
            ["$" + "".join(f"[{s!r}]" for s in path) for path in self.jsonpaths]
            if self.jsonpaths is not None
            else [c.name for c in self.columns]
        )

    def _raw_values(self, document: dict[str, Any]) -> list[Any]:
        if self.jsonpaths is not None:
            return [evaluate(document, path) for path in self.jsonpaths]
        if self.options.ignore_case:
            folded: dict[str, Any] = {}
            for key, value in document.items():
                folded.setdefault(key.lower(), value)
            return [folded.get(c.name) for c in self.columns]
        return [document.get(c.name) for c in self.columns]

    def row(self, document: Any, url: str, line: int) -> list[Any]:
        """The row for ``document``, read from ``url`` at ``line``."""
        if not isinstance(document, dict):
            raise SourceDataError(
                f"{url}, line {line}: expected a JSON object, got {_json_type(document)}"
            )
        row = []
        for column, field, convert, value in zip(
            self.columns, self._fields, self._converters, self._raw_values(document), strict=True
        ):
            try:
                converted = None if value is None else convert(value)
            except _BadValue as problem:
                raise SourceDataError(
                    f"{url}, line {line}: field {field} (column {column.name}): {problem}"
                ) from None
            if converted is None and not column.nullable:
                raise SourceDataError(
                    f"{url}, line {line}: missing required field {field} "
                    f"(column {column.name} is NOT NULL)"
                )
            row.append(converted)
        return row
