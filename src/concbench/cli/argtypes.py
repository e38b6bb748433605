"""The argparse types of the numeric options.

argparse turns the ``ArgumentTypeError`` into ``concbench CMD: error: argument --x: ...``
and exit status 2, so a malformed number is refused while parsing, before anything runs;
each message says what is allowed, like every other check.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

__all__ = ["integer", "noise", "percentage", "seconds"]


def integer(minimum: int, maximum: int) -> Callable[[str], int]:
    """An argparse type whose error says what is allowed, like every other check."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(
                f"must be an integer from {minimum} to {maximum}, got {text!r}"
            )
        return value

    return parse


def seconds(text: str) -> float:
    """A time limit: ``nan`` and ``inf`` parse as floats, but would limit nothing."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a number of seconds > 0, got {text!r}")
    return value


def percentage(text: str) -> float:
    """``10%`` or ``10`` -> 0.10."""
    try:
        value = float(text.strip().removesuffix("%"))
    except ValueError:
        value = -1.0
    if not 0 <= value < math.inf:  # an infinite threshold would turn the gate off
        raise argparse.ArgumentTypeError(f"expected a percentage >= 0 such as 10%, got {text!r}")
    return value / 100


def noise(text: str) -> float:
    """``--noise``: a percentage from 0% to 100%, as a fraction."""
    try:
        value = float(text.strip().removesuffix("%"))
    except ValueError:
        value = math.nan
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(
            f"expected a percentage from 0% to 100% such as 10%, got {text!r}"
        )
    return value / 100
