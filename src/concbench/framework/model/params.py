"""Declared parameters for scenarios and options for backends, checked before anything runs.

Every value a user gives passes through :meth:`Param.convert`, and every error names the
owner, the parameter, the value given and what is allowed, so a typo costs one line of
reading instead of a run.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import PluginError, UserError

__all__ = ["Param", "ParameterError", "parse_assignments", "resolve", "shown"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class ParameterError(UserError, ValueError):
    """A value that a scenario parameter or backend option does not allow."""


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """A " (did you mean 'x'?)" suffix when ``name`` looks like a typo of a candidate."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


@dataclass(frozen=True)
class Param:
    """One named, typed value with a default, bounds and a line of help for ``concbench list``."""

    name: str
    type: type
    default: Any
    help: str
    min: float | None = None
    max: float | None = None
    choices: tuple[Any, ...] | None = None

    def __post_init__(self) -> None:
        if self.type not in (int, float, str, bool):
            raise PluginError(f"parameter {self.name!r}: type must be int, float, str or bool")
        if self.default is not None:
            self.convert(self.default, owner="default of")

    def allowed(self) -> str:
        """What the parameter accepts, in words."""
        if self.choices is not None:
            return "one of " + ", ".join(repr(choice) for choice in self.choices)
        noun = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}[
            self.type
        ]
        if self.min is not None and self.max is not None:
            return f"{noun} from {_fmt(self.min)} to {_fmt(self.max)}"
        if self.min is not None:
            return f"{noun} >= {_fmt(self.min)}"
        if self.max is not None:
            return f"{noun} <= {_fmt(self.max)}"
        return noun

    def convert(self, value: object, *, owner: str) -> Any:
        """Return ``value`` as this parameter's type, or raise :class:`ParameterError`."""
        converted = self._coerce(value)
        if converted is None or not self._in_bounds(converted):
            raise ParameterError(
                f"{owner}: parameter {self.name!r} must be {self.allowed()}, got {_shown(value)}"
            )
        return converted

    def _coerce(self, value: object) -> Any:
        if self.type is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            return True if text in _TRUE else False if text in _FALSE else None
        if self.type is int:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                return None
            try:
                return int(value) if isinstance(value, (int, float)) else int(str(value).strip())
            except (ValueError, OverflowError):  # "12x", inf, more than 4300 digits
                return None
        if self.type is float:
            if isinstance(value, bool):
                return None
            try:
                number = (
                    float(value) if isinstance(value, (int, float)) else float(str(value).strip())
                )
            except (ValueError, OverflowError):  # "fast", an int beyond any float
                return None
            # -0 is 0: the same workload, and the same row of a report
            return number + 0.0 if math.isfinite(number) else None
        return value if isinstance(value, str) else None

    def _in_bounds(self, value: Any) -> bool:
        if self.choices is not None and value not in self.choices:
            return False
        if self.min is not None and value < self.min:
            return False
        return not (self.max is not None and value > self.max)


def _fmt(number: float) -> str:
    return f"{number:g}"


def shown(value: object, limit: int = 80) -> str:
    """``repr(value)``, shortened: an error message must not drown in a pasted blob."""
    try:
        text = repr(value)
    except ValueError:  # an int too long to print
        return f"<{type(value).__name__} too long to show>"
    return text if len(text) <= limit else text[: limit - 5] + "[...]"


_shown = shown


def parse_assignments(items: Sequence[str], *, flag: str) -> dict[str, str]:
    """Turn ``["tasks=10", "seconds=0.1"]`` into a dict, refusing anything without ``=``."""
    result: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParameterError(f"{flag} expects name=value, got {shown(item)}")
        if name in result:
            raise ParameterError(
                f"{flag}: {shown(name)} given twice ({shown(result[name])} and {shown(value)})"
            )
        result[name] = value
    return result


def resolve(specs: Sequence[Param], given: Mapping[str, object], *, owner: str) -> dict[str, Any]:
    """Every declared parameter with its converted value: the given one or the default.

    Unknown names are refused with the list of known ones, so a misspelt parameter never
    silently falls back to its default.
    """
    known = {spec.name: spec for spec in specs}
    for name in given:
        if name not in known:
            allowed = ", ".join(known) or "none"
            hint = did_you_mean(name, known)
            raise ParameterError(
                f"{owner}: unknown parameter {shown(name)}{hint}; allowed: {allowed}"
            )
    return {
        spec.name: spec.convert(given[spec.name], owner=owner)
        if spec.name in given
        else spec.default
        for spec in specs
    }
