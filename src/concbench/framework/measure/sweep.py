"""One sweep from its first worker process to its last, and the line it leaves behind.

Whatever a sweep's records are later compared with needs to know how the sweep went: the
seed of its shuffled order (to run it again the same way), how far the machine drifted
(the canary, sampled at the start, every few seconds and at the end), whether the CPU
rate its ``cpu`` steps were calibrated with still held at the end, and whether it
finished. That goes to the environment record at the start and to one line of
``<store>.sweep.jsonl`` at the end, even when the sweep was interrupted.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..model.cpuwork import measure_rate
from ..store.sweeps import append_sweep
from .calibration import Calibration
from .canary import Canary
from .environment import write_environment
from .job import now
from .resume import Stored

__all__ = ["Sweep"]


@dataclass
class Sweep:
    """What one call of :meth:`Runner.run <.runner.Runner.run>` keeps while it runs."""

    seed: int
    rng: random.Random
    next_seq: int = 0
    """The sequence number of the next worker process, counted on across resumed sweeps."""
    first_seq: int = 0
    canary: Canary = field(default_factory=Canary)
    started_at: str = field(default_factory=now)
    calibrated_jobs: bool = False
    """Whether a job with cpu steps ran: only then is the calibration checked again."""
    env_id: str = ""
    """The environment record written for this sweep; empty when none was."""

    def __post_init__(self) -> None:
        self.first_seq = self.next_seq

    @classmethod
    def begin(
        cls,
        stored: Stored | None,
        *,
        order_seed: int | None,
        calibration: Calibration | None,
        environment: dict[str, Any] | None,
        store_path: Path,
    ) -> Sweep:
        """The order's seed and the first canary sample, before any job; the environment
        record gets the calibration and the seed. Sequence numbers go on from the
        highest one ``stored`` holds, so a resumed sweep's processes stay in order."""
        seed = order_seed
        if seed is None:
            seed = random.SystemRandom().randrange(2**32)
        earlier = [r.seq for r in (stored.records if stored else ()) if r.seq is not None]
        sweep = cls(seed, random.Random(seed), next_seq=max(earlier, default=-1) + 1)
        if environment is not None:
            sweep_env: dict[str, Any] = {"order_seed": seed}
            if calibration is not None:
                sweep_env["calibration"] = calibration.as_dict()
            sweep.env_id = write_environment(store_path, environment | sweep_env)
        sweep.canary.sample(sweep.next_seq)
        return sweep

    def take_seq(self) -> int:
        """The next worker process's sequence number."""
        self.next_seq += 1
        return self.next_seq - 1

    def end(self, store_path: Path, calibration: Calibration | None, *, finished: bool) -> None:
        """The last canary sample and the calibration's re-check (unless interrupted: the
        user waits), then the sweep's line in ``<store>.sweep.jsonl``."""
        log: dict[str, Any] = {"env": self.env_id, "order_seed": self.seed}
        log |= {"started_at": self.started_at, "ended_at": now(), "finished": finished}
        log["processes"] = self.next_seq - self.first_seq
        if finished and self.canary.samples[-1]["seq"] != self.next_seq:
            self.canary.sample(self.next_seq)  # unless one was just taken after the last
        if calibration is not None:
            calibrated: dict[str, Any] = calibration.as_dict()
            if finished and self.calibrated_jobs:
                after = measure_rate()
                calibrated |= {"rate_after": after, "change": after / calibration.rate - 1}
            log["calibration"] = calibrated
        log["canary"] = self.canary.samples
        append_sweep(store_path, log)
