"""The Redshift COPY options the stage supports, checked once, shared by both targets."""

from __future__ import annotations

from dataclasses import dataclass

from sparkify.errors import PipelineConfigError

JSON_AUTO = "auto"
JSON_AUTO_IGNORECASE = "auto ignorecase"
TIMEFORMAT_EPOCH_MILLIS = "epochmillisecs"


@dataclass(frozen=True)
class CopyOptions:
    """JSON mapping and data conversion, as Redshift COPY names them.

    ``json_format`` is ``'auto'`` (object keys match column names, case-sensitively),
    ``'auto ignorecase'``, or the key of a JSONPaths file under the source root (paths map to
    the target columns by position).
    """

    json_format: str = JSON_AUTO
    timeformat: str | None = None
    blanks_as_null: bool = False
    empty_as_null: bool = False
    truncate_columns: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.json_format, str) or not self.json_format.strip():
            raise PipelineConfigError("json_format must be 'auto', 'auto ignorecase' or a key")
        if self.timeformat not in (None, TIMEFORMAT_EPOCH_MILLIS):
            raise PipelineConfigError(
                f"unsupported timeformat {self.timeformat!r}: "
                f"use {TIMEFORMAT_EPOCH_MILLIS!r} or None"
            )

    @property
    def jsonpaths_key(self) -> str | None:
        """The JSONPaths file's key, or None for the 'auto' modes."""
        if self.json_format in (JSON_AUTO, JSON_AUTO_IGNORECASE):
            return None
        return self.json_format

    @property
    def ignore_case(self) -> bool:
        return self.json_format == JSON_AUTO_IGNORECASE
