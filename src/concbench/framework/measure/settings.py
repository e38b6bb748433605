"""How a sweep measures each job, checked the moment it is given.

The settings arrive from the command line or a test and bound everything a sweep will
spend (runs, processes, re-runs, time), so a value no sweep could finish is refused here,
with the flag's name and what it allows, before anything runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..model.params import ParameterError
from . import instructions

__all__ = [
    "MAX_PROCESSES",
    "MAX_REPEAT",
    "MAX_RETRIES",
    "RETRIES_DISTURBED",
    "RunSettings",
]

RETRIES_DISTURBED = 2
"""The CLI's default for ``--retries-disturbed``: two re-runs get past a brief burst of
other load (a package install's compile step, a test run) and at most triple the cost of
a run on a machine that stays busy, where the notes then say that every run was disturbed."""
_MAX_TIMEOUT_S = 7 * 24 * 3600.0
"""A week per run; beyond that the limit is meaningless and waits overflow."""
MAX_REPEAT = 100_000
"""Most counted (or warm-up) runs per worker process; beyond it no sweep ends."""
MAX_PROCESSES = 1_000
"""Most fresh worker processes per job (each takes a fraction of a second to start)."""
MAX_RETRIES = 100
"""Most re-runs of one disturbed run: beyond it the machine is not going to be quiet."""


_FROM = "an integer from"


@dataclass(frozen=True)
class RunSettings:
    repeat: int = 3
    warmup: int = 1
    processes: int = 1
    timeout_s: float = 60.0
    keep_traces: int = 1
    """Counted runs per worker process whose full trace is kept (the first ones)."""
    retries_disturbed: int = 0
    """Times a disturbed run is run again (at once, in its worker) before it stands; the
    CLI's default is :data:`RETRIES_DISTURBED`, the bare runner does the runs it is asked."""
    keep_disturbed: bool = False
    """Count disturbed runs in the statistics instead of leaving them out."""
    order_seed: int | None = None
    """Seed of the shuffled order of worker processes; None draws one (and records it)."""
    measure: str = instructions.TIME
    """``time``, or ``instructions``: each worker runs under callgrind (measure/instructions.py)."""
    max_processes: int | None = None
    """Top a job up to this many processes while its spread hides a change of
    ``TARGET_CHANGE`` (measure/topup.py); None: the planned processes only."""

    @property
    def disturbance_ignored(self) -> bool:
        """Disturbed runs count and are not run again: when the sweep keeps them, and under
        callgrind, whose instruction count other programs cannot move (a re-run there
        costs seconds and, counted beside the original, mixed first and later runs)."""
        return self.keep_disturbed or self.measure == instructions.INSTRUCTIONS

    def __post_init__(self) -> None:
        checks = [
            (
                "--retries-disturbed",
                self.retries_disturbed,
                0 <= self.retries_disturbed <= MAX_RETRIES,
                f"{_FROM} 0 to {MAX_RETRIES}",
            ),
            ("--repeat", self.repeat, 1 <= self.repeat <= MAX_REPEAT, f"{_FROM} 1 to {MAX_REPEAT}"),
            ("--warmup", self.warmup, 0 <= self.warmup <= MAX_REPEAT, f"{_FROM} 0 to {MAX_REPEAT}"),
            (
                "--processes",
                self.processes,
                1 <= self.processes <= MAX_PROCESSES,
                f"{_FROM} 1 to {MAX_PROCESSES}",
            ),
            (
                "--timeout",
                self.timeout_s,
                math.isfinite(self.timeout_s) and 0 < self.timeout_s <= _MAX_TIMEOUT_S,
                f"a number of seconds > 0 and <= {_MAX_TIMEOUT_S:g} (a week)",
            ),
        ]
        if self.max_processes is not None and not (
            self.processes <= self.max_processes <= MAX_PROCESSES
        ):
            checks.append(
                (
                    "--max-processes",
                    self.max_processes,
                    False,
                    f"{_FROM} --processes ({self.processes}) to {MAX_PROCESSES}",
                )
            )
        for name, value, ok, allowed in checks:
            if not ok:
                raise ParameterError(f"{name} must be {allowed}, got {value!r}")
        _check_measure(self.measure)

    @property
    def slowdown(self) -> int:
        """How much longer a run may take: callgrind runs Python code about 200 times slower."""
        return instructions.SLOWDOWN if self.measure == instructions.INSTRUCTIONS else 1


def _check_measure(measure: str) -> None:
    """``--measure`` names a known measure, and instruction counting works here."""
    if measure not in instructions.MEASURES:
        allowed = ", ".join(instructions.MEASURES)
        raise ParameterError(f"--measure must be one of {allowed}, got {measure!r}")
    if measure == instructions.INSTRUCTIONS:
        reason = instructions.unavailable_reason()
        if reason:
            raise ParameterError(reason)
