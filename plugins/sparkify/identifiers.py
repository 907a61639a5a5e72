"""Validate and quote SQL identifiers.

Table and column names reach SQL as identifiers, never as pasted text: a name must look like a
plain lowercase identifier (what Redshift folds every name to) and is then double-quoted.
"""

from __future__ import annotations

import re

from sparkify.errors import PipelineConfigError

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_$]{0,126}")


def quote_identifier(name: str) -> str:
    """Return ``name`` double-quoted, after checking it is a plain lowercase identifier."""
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
        raise PipelineConfigError(
            f"invalid SQL identifier {name!r}: expected lowercase letters, digits, '_' or '$', "
            "starting with a letter or '_', at most 127 characters"
        )
    return f'"{name}"'


def qualified_table(table: str, schema: str | None = None) -> str:
    """Return the quoted ``schema.table`` (or just ``table`` in the connection's default schema)."""
    if schema:
        return f"{quote_identifier(schema)}.{quote_identifier(table)}"
    return quote_identifier(table)
