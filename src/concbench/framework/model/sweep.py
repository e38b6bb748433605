"""Sweeps: ``-p tasks=10,100,1000`` runs the scenario once per value.

A comma list is expanded here, as text, before any value is converted: conversion and
bounds stay the scenario's job (``Scenario.resolve``), so a bad value in a list fails with
the same message, naming the parameter and the value, as a bad single value.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

from .params import ParameterError

__all__ = ["expand"]


def expand(assignments: Mapping[str, str], *, flag: str) -> list[dict[str, str]]:
    """Every combination of the listed values, in the order given (first name slowest).

    ``{"tasks": "10,100", "seconds": "0.1"}`` gives two parameter sets. An empty item
    (``10,,100`` or a trailing comma) and a value listed twice are refused, so a typo
    never silently shrinks or repeats a sweep.
    """
    choices: list[list[str]] = []
    for name, text in assignments.items():
        values = [item.strip() for item in text.split(",")] if "," in text else [text]
        if any(not value for value in values):
            raise ParameterError(
                f"{flag}: {name}={text!r} has an empty value in its list; "
                f"give values separated by commas, e.g. {name}=10,100"
            )
        repeated = sorted({value for value in values if values.count(value) > 1})
        if repeated:
            raise ParameterError(
                f"{flag}: {name}={text!r} lists {', '.join(map(repr, repeated))} more than once"
            )
        choices.append(values)
    return [dict(zip(assignments, combo, strict=True)) for combo in itertools.product(*choices)]
