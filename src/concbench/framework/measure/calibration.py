"""One CPU rate per sweep: measured in the parent, or reused from another store.

Every worker of a sweep :func:`~concbench.framework.model.cpuwork.adopt`\\ s the rate the
parent hands it, so a ``cpu(s)`` step is the same number of loop iterations on every
backend; two sweeps that reuse one rate (``--calibration FROM_STORE``, or a resumed
sweep) do the same work too, and ``diff`` can tell when they did not.
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model.cpuwork import measure_rate
from ..model.params import ParameterError
from ..store.resultstore import StoreError, read_records
from .environment import env_path, read_environments

__all__ = ["PLAUSIBLE_RATES", "Calibration", "from_store"]

PLAUSIBLE_RATES = (1e4, 1e11)
"""Iterations per second that the CPU-work loop can run at: about 4e7 here, and no CPU that
runs Python is a thousand times slower or faster. A rate outside came from a damaged or
hand-made store: a rate of 1e308 makes every ``cpu`` step run until its timeout, and 0 or
a negative one makes it no work at all."""


@dataclass(frozen=True)
class Calibration:
    rate: float
    """Iterations per second of the CPU-work loop, as a quiet core runs it."""
    source: str = "measured"
    """``measured`` in this sweep's parent, or the store it was taken from."""

    @classmethod
    def measure(cls) -> Calibration:
        return cls(measure_rate())

    def __post_init__(self) -> None:
        low, high = PLAUSIBLE_RATES
        if not low <= self.rate <= high:  # also NaN
            raise ParameterError(
                f"a CPU calibration of {self.rate:.4g} iterations/s ({self.source}) is not "
                f"possible: a rate is from {low:g} to {high:g}"
            )

    def as_dict(self) -> dict[str, Any]:
        return {"rate": self.rate, "source": self.source}


def from_store(path: str | os.PathLike[str], *, flag: str = "--calibration") -> Calibration:
    """The rate a store's sweep used; a clear error if ``path`` is no store with one."""
    store = Path(path)
    if store.is_dir():
        raise ParameterError(f"{flag}: {store} is a directory (expected a result store, *.jsonl)")
    if not store.is_file():
        raise ParameterError(f"{flag}: {store} does not exist (expected a result store, *.jsonl)")
    try:
        records = read_records(store)
    except StoreError as exc:
        raise ParameterError(f"{flag}: {exc}") from None
    rates = [r.calibration_rate for r in records if r.calibration_rate is not None]
    rate = rates[-1] if rates else stored_rate(store)
    if rate is None:
        raise ParameterError(
            f"{flag}: {store} holds no CPU calibration (its sweeps ran no cpu work, or it was "
            "measured before calibrations were stored); pass a store whose sweep had cpu steps"
        )
    others = sorted({other for other in rates if other != rate})
    if others:  # sweeps appended to one store, each with its own rate: say which is used
        warnings.warn(
            f"{flag}: {store} holds {len(others) + 1} CPU calibrations (one per sweep "
            f"appended to it); using its last sweep's, {rate:.4g} iterations/s "
            f"(the others: {', '.join(f'{other:.4g}' for other in others[:5])})",
            stacklevel=2,
        )
    try:
        return Calibration(rate, str(store))
    except ParameterError as exc:
        raise ParameterError(f"{flag}: {exc}") from None


def stored_rate(store: str | os.PathLike[str]) -> float | None:
    """The last calibration in a store's environment file, if any."""
    for env in reversed(list(read_environments(env_path(store)).values())):
        calibration = env.get("calibration")
        if isinstance(calibration, dict):
            rate = calibration.get("rate")
            if isinstance(rate, (int, float)) and math.isfinite(rate) and rate > 0:
                return float(rate)
    return None
