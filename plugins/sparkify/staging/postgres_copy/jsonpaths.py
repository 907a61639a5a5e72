"""Parse and evaluate the JSONPath expressions of a Redshift JSONPaths file.

Redshift accepts bracket notation (``$['userId']``, ``$["a"]``), dot notation (``$.a.b``) and
array indexes (``$['a'][0]``); each expression names one element, never a wildcard.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sparkify.errors import SourceDataError

_STEP = re.compile(
    r"""\.(?P<dot>[A-Za-z_][A-Za-z0-9_]*)
      | \[\s*'(?P<single>(?:[^'\\]|\\.)*)'\s*\]
      | \[\s*"(?P<double>(?:[^"\\]|\\.)*)"\s*\]
      | \[\s*(?P<index>\d+)\s*\]""",
    re.VERBOSE,
)

Step = str | int


def parse_jsonpath(expression: str, url: str) -> tuple[Step, ...]:
    """Turn ``$['a'].b[0]`` into ``('a', 'b', 0)``."""
    if not isinstance(expression, str) or not expression.startswith("$"):
        raise SourceDataError(f"{url}: JSONPath {expression!r} must start with '$'")
    steps: list[Step] = []
    position = 1
    while position < len(expression):
        match = _STEP.match(expression, position)
        if not match:
            raise SourceDataError(
                f"{url}: JSONPath {expression!r} is not supported at position {position}"
            )
        if match["index"] is not None:
            steps.append(int(match["index"]))
        else:
            name = match["dot"] or match["single"] or match["double"] or ""
            steps.append(re.sub(r"\\(.)", r"\1", name))
        position = match.end()
    if not steps:
        raise SourceDataError(f"{url}: JSONPath {expression!r} names no element")
    return tuple(steps)


def parse_jsonpaths_file(document: Any, url: str) -> list[tuple[Step, ...]]:
    """The parsed expressions of a JSONPaths document ``{"jsonpaths": [...]}``."""
    if not isinstance(document, dict) or not isinstance(document.get("jsonpaths"), list):
        raise SourceDataError(f'{url}: a JSONPaths file must be an object {{"jsonpaths": [...]}}')
    return [parse_jsonpath(expression, url) for expression in document["jsonpaths"]]


def evaluate(value: Any, steps: Sequence[Step]) -> Any:
    """The element ``steps`` point at, or None where the document has none."""
    for step in steps:
        if isinstance(step, int):
            if not isinstance(value, list) or step >= len(value):
                return None
        elif not isinstance(value, dict):
            return None
        value = value[step] if isinstance(step, int) else value.get(step)
    return value
