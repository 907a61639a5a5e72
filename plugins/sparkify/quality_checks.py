"""Data quality checks, parsed once when the DAG is parsed into typed, immutable values.

A check is data (``include/quality_checks.yml``): a name, SQL that returns one value, and what
that value must be, in common.sql's vocabulary: ``equal_to``, or a lower bound (``greater_than``
or ``geq_to``) and/or an upper bound (``less_than`` or ``leq_to``), so a range is two
comparisons; and optionally a ``tolerance``, the fraction by which every bound widens outward
(as common.sql's column checks do: ``equal_to: 100`` with ``tolerance: 0.1`` passes 90 to 110).
Optional too: ``description``, ``on_failure`` (``fail``, the default, or ``warn``) and
``examples`` (SQL of a few rows shown when the check does not pass).

Every value may be a Jinja template; the SQL always is. A template is checked once it is
rendered (``QualityCheck.rendered``), everything else when the check is parsed: a bad check
fails the DAG's import, naming the check and the rule it breaks.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sparkify.errors import PipelineConfigError

# common.sql's comparison names, with what each tests and how a message writes it.
COMPARISONS: dict[str, tuple[Callable[[Any, Any], bool], str]] = {
    "equal_to": (operator.eq, "=="),
    "greater_than": (operator.gt, ">"),
    "geq_to": (operator.ge, ">="),
    "less_than": (operator.lt, "<"),
    "leq_to": (operator.le, "<="),
}
LOWER_BOUNDS = ("greater_than", "geq_to")
UPPER_BOUNDS = ("less_than", "leq_to")
FAIL, WARN = "fail", "warn"
KEYS = {"name", "sql", "description", "on_failure", "examples", "tolerance", *COMPARISONS}

Number = int | float


@dataclass(frozen=True)
class QualityCheck:
    """One check, valid by construction (build it with ``parse``).

    ``comparisons`` pairs each comparison name with its expected value, in the order of
    ``COMPARISONS``; a value, the tolerance or ``on_failure`` is a template string until
    ``rendered``.
    """

    name: str
    sql: str
    comparisons: tuple[tuple[str, Number | str], ...]
    tolerance: Number | str | None = None
    on_failure: str = FAIL
    description: str | None = None
    examples: str | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> QualityCheck:
        """The check a YAML mapping describes, or PipelineConfigError naming the rule."""
        if not isinstance(raw, Mapping):
            raise PipelineConfigError(f"a quality check must be a mapping, got {raw!r}")
        name = raw.get("name")
        if not isinstance(name, str) or not name:
            raise PipelineConfigError(f"a quality check needs a name: {raw!r}")
        broken = _Rules(name)
        unknown = set(raw) - KEYS
        if unknown:
            broken(f"has unknown keys {sorted(unknown)}")
        if not isinstance(raw.get("sql"), str) or not raw["sql"].strip():
            broken("needs its sql")
        comparisons = tuple((key, raw[key]) for key in COMPARISONS if key in raw)
        _check_comparison_names([key for key, _ in comparisons], broken)
        for optional in ("description", "examples"):
            if raw.get(optional) is not None and not isinstance(raw[optional], str):
                broken(f"{optional} must be text")
        check = cls(
            name=name,
            sql=raw["sql"],
            comparisons=comparisons,
            tolerance=raw.get("tolerance"),
            on_failure=raw.get("on_failure", FAIL),
            description=raw.get("description"),
            examples=raw.get("examples"),
        )
        check._check_values(allow_templates=True)
        return check

    def rendered(self, render: Callable[[str], str]) -> QualityCheck:
        """This check with every string passed through ``render`` (Jinja, at run time), then
        every value checked: numbers where numbers go, ``fail`` or ``warn``."""

        def value(v):
            return _as_number(render(v)) if isinstance(v, str) else v

        check = replace(
            self,
            sql=render(self.sql),
            examples=render(self.examples) if self.examples else self.examples,
            comparisons=tuple((key, value(expected)) for key, expected in self.comparisons),
            tolerance=value(self.tolerance),
            on_failure=str(render(self.on_failure)).strip().lower(),
        )
        check._check_values(allow_templates=False)
        return check

    def check_rendered(self) -> None:
        """Raise PipelineConfigError, naming the rule, if a value is still a template."""
        self._check_values(allow_templates=False)

    def passes(self, actual: Any) -> bool:
        """Whether ``actual`` meets every comparison, each bound widened by the tolerance.
        Nothing (no row, or NULL) never passes."""
        if actual is None:
            return False
        tolerance = self.tolerance or 0
        for key, expected in self.comparisons:
            margin = abs(expected) * tolerance
            if key == "equal_to":
                met = (
                    actual == expected
                    if not margin
                    else expected - margin <= actual <= expected + margin
                )
            elif key in LOWER_BOUNDS:
                met = COMPARISONS[key][0](actual, expected - margin)
            else:
                met = COMPARISONS[key][0](actual, expected + margin)
            if not met:
                return False
        return True

    @property
    def expectation(self) -> str:
        """What the value must be, as messages write it: ``== 0``, ``>= 1 and < 5 (± 10%)``."""
        said = " and ".join(f"{COMPARISONS[key][1]} {v!r}" for key, v in self.comparisons)
        if self.tolerance:
            tolerance = self.tolerance
            said += (
                f" (± {tolerance * 100:g}%)"
                if isinstance(tolerance, Number)
                else f" (± {tolerance})"
            )
        return said

    @property
    def comparison_names(self) -> str:
        """The comparisons' names, as ``quality_results.comparison`` records them."""
        return ",".join(key for key, _ in self.comparisons)

    @property
    def single_expected(self) -> Number | str | None:
        """The expected value of a check with one comparison and no tolerance (what
        ``quality_results.expected`` records); None for a range or a tolerance."""
        if len(self.comparisons) == 1 and not self.tolerance:
            return self.comparisons[0][1]
        return None

    def serialize(self) -> dict[str, Any]:
        """The check as the YAML wrote it: how Airflow shows it among the rendered templates."""
        raw = {"name": self.name, "sql": self.sql, **dict(self.comparisons)}
        optional = {
            "tolerance": self.tolerance,
            "on_failure": self.on_failure,
            "description": self.description,
            "examples": self.examples,
        }
        return raw | {key: value for key, value in optional.items() if value is not None}

    def _check_values(self, *, allow_templates: bool) -> None:
        broken = _Rules(self.name)

        def number(what: str, value) -> None:
            if allow_templates and _is_template(value):
                return
            if isinstance(value, bool) or not isinstance(value, Number) or math.isnan(value):
                broken(f"{what} must be a number, not {value!r}")

        for key, expected in self.comparisons:
            number(key, expected)
        if self.tolerance is not None:
            number("tolerance", self.tolerance)
            if isinstance(self.tolerance, Number) and self.tolerance < 0:
                broken(f"tolerance must be a fraction >= 0, not {self.tolerance!r}")
        if not (allow_templates and _is_template(self.on_failure)) and self.on_failure not in (
            FAIL,
            WARN,
        ):
            broken(f"on_failure must be {FAIL!r} or {WARN!r}, not {self.on_failure!r}")


def parse_checks(raws: Sequence[Mapping[str, Any] | QualityCheck]) -> tuple[QualityCheck, ...]:
    """Checks from their YAML mappings (parsed ones are kept): at least one, names unique."""
    if not raws:
        raise PipelineConfigError("at least one quality check is needed")
    checks = tuple(c if isinstance(c, QualityCheck) else QualityCheck.parse(c) for c in raws)
    names = [check.name for check in checks]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise PipelineConfigError(f"quality check names repeat: {repeated}")
    return checks


class _Rules:
    """Raises PipelineConfigError for a broken rule, naming the check."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, rule: str):
        raise PipelineConfigError(f"quality check {self.name!r}: {rule}")


def _check_comparison_names(keys: list[str], broken: _Rules) -> None:
    """``equal_to`` alone, or at most one lower and one upper bound."""
    if not keys:
        broken(f"needs a comparison: one of {sorted(COMPARISONS)}")
    if "equal_to" in keys and len(keys) > 1:
        broken(f"equal_to cannot be combined with {[k for k in keys if k != 'equal_to']}")
    for bounds in (LOWER_BOUNDS, UPPER_BOUNDS):
        if sum(key in bounds for key in keys) > 1:
            broken(f"takes one of {list(bounds)}, not both")


def _is_template(value) -> bool:
    return isinstance(value, str) and "{{" in value


def _as_number(text) -> Any:
    """A rendered value as a number when it reads as one (else the value, which the check's
    rules then refuse, naming it). A DAG that renders native objects gives numbers already:
    they are kept as they are (``int(0.1)`` would be 0)."""
    if not isinstance(text, str):
        return text
    try:
        return int(text)
    except (TypeError, ValueError):
        try:
            return float(text)
        except (TypeError, ValueError):
            return text
