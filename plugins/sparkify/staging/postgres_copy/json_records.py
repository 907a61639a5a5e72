"""Read a stream of JSON values, one after another, each with the line it starts on.

Redshift COPY reads JSON files as a sequence of whitespace-separated values: the log files put
one object on each line, and a song file may hold one pretty-printed object over many lines.
The fast path parses a whole line with orjson; a line that is not a complete value is handed to
the standard library's incremental decoder, which can tell "not finished yet" (it expects more
at the very end of the text read so far) from "malformed" (anything else: JSON tokens, strings
included, never span lines, so a line that ends inside a string is already broken).
Memory holds one value at a time, not the file.

A value cut short (``{"a": 1, "b":``) could be continued by the next line, so in a file of one
object per line it would swallow the next record and the error would surface lines later. While
a value is unfinished, a line that starts at column 0 with ``{`` and parses on its own as an
object is taken as the next record, and the unfinished value is reported where it starts.
Pretty-printers indent nested objects, so this does not misfire on them.

Limits, each an error naming the line: a JSON value larger than 4 MB (Redshift's limit for a
JSON object in COPY, applied before any parsing); a value nested deeper than about 1,000 levels
(the parsers' limit; Redshift documents none); a byte order mark before the first value (not
JSON; Redshift documents nothing about it, so the stand-in refuses rather than guesses).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from sparkify.errors import SourceDataError

_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\r\n"
MAX_VALUE_BYTES = 4 * 1024 * 1024  # Redshift: "The maximum size of a JSON object ... is 4 MB"
_BOM = b"\xef\xbb\xbf"


def iter_json_values(
    lines: Iterable[bytes], url: str, first_line: int = 1
) -> Iterator[tuple[int, Any]]:
    """Yield ``(line_number, value)`` for every JSON value in ``lines``.

    ``first_line`` is the number of the first line (1 unless reading resumes mid-file).

    Raises SourceDataError naming ``url`` and the line for malformed JSON, invalid UTF-8, or a
    value the file ends in the middle of.
    """
    pending = ""
    pending_start = 0
    for number, line in enumerate(lines, first_line):
        if number == 1 and line.startswith(_BOM):
            raise SourceDataError(
                f"{url}, line 1: the file starts with a byte order mark (EF BB BF), which is not "
                "JSON: save the file without it"
            )
        if not pending:
            try:
                value = orjson.loads(line)
                if len(line) > MAX_VALUE_BYTES:
                    raise _too_large(url, number, len(line))
                yield number, value
                continue
            except orjson.JSONDecodeError:
                if not line.strip():
                    continue
            pending_start = number
        elif line[:1] == b"{" and _is_complete_object(line):
            raise SourceDataError(
                f"{url}, line {pending_start}: malformed JSON: the value that starts here is "
                f"incomplete (line {number} starts a new object)"
            )
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SourceDataError(f"{url}, line {number}: invalid UTF-8 ({exc.reason})") from None
        pending += text
        values, pending, pending_start = _decode_complete_values(pending, pending_start, url)
        yield from values
        if len(pending) > MAX_VALUE_BYTES:
            raise _too_large(url, pending_start, len(pending.encode("utf-8")))
    if pending.strip(_WHITESPACE):
        raise SourceDataError(
            f"{url}, line {pending_start}: malformed JSON: the file ends inside the value that "
            "starts here"
        )


def _decode_complete_values(
    text: str, start_line: int, url: str
) -> tuple[list[tuple[int, Any]], str, int]:
    """Decode every complete value in ``text``; return them and the unfinished rest."""
    values = []
    position = _skip_whitespace(text, 0)
    end_of_content = len(text.rstrip(_WHITESPACE))
    while position < len(text):
        line = start_line + text.count("\n", 0, position)
        start = position
        try:
            value, position = _DECODER.raw_decode(text, position)
        except RecursionError:
            raise SourceDataError(
                f"{url}, line {line}: JSON nested deeper than the about 1,000 levels this loader "
                "reads"
            ) from None
        except json.JSONDecodeError as exc:
            if exc.pos >= end_of_content and exc.msg.startswith("Expecting"):
                return values, text[position:], line
            error_line = start_line + text.count("\n", 0, exc.pos)
            raise SourceDataError(f"{url}, line {error_line}: malformed JSON: {exc.msg}") from None
        if (
            position - start > MAX_VALUE_BYTES // 4
            and len(text[start:position].encode("utf-8")) > MAX_VALUE_BYTES
        ):
            raise _too_large(url, line, len(text[start:position].encode("utf-8")))
        values.append((line, value))
        position = _skip_whitespace(text, position)
    return values, "", 0


def _too_large(url: str, line: int, size: int) -> SourceDataError:
    return SourceDataError(
        f"{url}, line {line}: a JSON value of {size:,} bytes; Redshift's COPY takes at most 4 MB "
        "per JSON object"
    )


def _is_complete_object(line: bytes) -> bool:
    try:
        return isinstance(orjson.loads(line), dict)
    except orjson.JSONDecodeError:
        return False


def _skip_whitespace(text: str, position: int) -> int:
    while position < len(text) and text[position] in _WHITESPACE:
        position += 1
    return position
