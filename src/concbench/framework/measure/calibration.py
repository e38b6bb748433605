"""One CPU rate per sweep: measured in the parent, or reused from another store.

Every worker of a sweep :func:`~concbench.framework.model.cpuwork.adopt`\\ s the rate the
parent hands it, so a ``cpu(s)`` step is the same number of loop iterations on every
backend; two sweeps that reuse one rate (``--calibration FROM_STORE``, or a resumed
sweep) do the same work too, and ``diff`` can tell when they did not.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model.cpuwork import measure_rate
from ..model.params import ParameterError
from ..store.resultstore import StoreError, read_records
from .environment import env_path, read_environments

__all__ = ["Calibration", "from_store"]


@dataclass(frozen=True)
class Calibration:
    rate: float
    """Iterations per second of the CPU-work loop, as a quiet core runs it."""
    source: str = "measured"
    """``measured`` in this sweep's parent, or the store it was taken from."""

    @classmethod
    def measure(cls) -> Calibration:
        return cls(measure_rate())

    def as_dict(self) -> dict[str, Any]:
        return {"rate": self.rate, "source": self.source}


def from_store(path: str | os.PathLike[str], *, flag: str = "--calibration") -> Calibration:
    """The rate a store's sweep used; a clear error if ``path`` is no store with one."""
    store = Path(path)
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
            f"{flag}: {store} holds no CPU calibration (it was measured before calibrations "
            "were stored, or ran no sweep); pass a store written by `concbench run` or `compare`"
        )
    return Calibration(rate, str(store))


def stored_rate(store: str | os.PathLike[str]) -> float | None:
    """The last calibration in a store's environment file, if any."""
    for env in reversed(list(read_environments(env_path(store)).values())):
        calibration = env.get("calibration")
        if isinstance(calibration, dict):
            rate = calibration.get("rate")
            if isinstance(rate, (int, float)) and math.isfinite(rate) and rate > 0:
                return float(rate)
    return None
