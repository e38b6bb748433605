"""How much the machine drifted during a sweep, from its canary and its calibration.

The canary (framework/measure/canary.py) is the same small work timed at intervals
through a sweep; how its timing moved from the first half of the sweep to the second is
the machine's own drift over that time, which no difference between backends smaller
than it can be told from. The full range of the samples is not used: a 5 ms sample
varies by 12-18% between back-to-back timings in a quiet process, so a range over more
samples only grows, while the median of each half of the sweep moved by 2-6% there.
The calibration, measured before the first job and again after the last, says the same
for CPU speed alone.

A change of the halves is called drift only beyond the canary's own noise, the larger of
two figures. One is each sample's noise within itself (its second-fastest timing against
its fastest). The other is the noise *between* samples, from the differences of
successive samples (von Neumann's mean square successive difference), which a steady
drift inflates little and jitter a lot, scaled to what it means for a difference of two
halves' medians at the 95% level. The first alone was too small: on a quiet machine the
line called changes of 2-21% drift whose samples jumped as much from one to the next.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CANARIES", "Drift", "between_stores", "drift_of", "sweep_notes"]

CANARIES = {"spin_s": "cpu loop", "fanout_s": "asyncio fan-out"}
"""The canary's timings, by the name the note gives them."""


@dataclass(frozen=True)
class Drift:
    """Change of each canary timing over one sweep: the median of the later half of the
    samples over the median of the earlier half, minus 1 (the middle sample of an odd
    number is in neither half)."""

    samples: int
    duration_s: float
    spreads: Mapping[str, float]
    calibration_change: float | None = None
    """The CPU rate after the last job over the rate before the first, minus 1."""
    own_noise: Mapping[str, float] = field(default_factory=dict)
    """Each canary's median own noise over the samples (absent in older sweep logs)."""

    @property
    def largest(self) -> float:
        """The largest change that passed its canary's own noise (all, where unknown)."""
        return max(
            (abs(change) for name, change in self.spreads.items() if self._beyond(name)),
            default=0.0,
        )

    @property
    def _over(self) -> str:
        """`` over 58 s``; nothing where the samples' times were not all kept."""
        return f" over {self.duration_s:.0f} s" if self.duration_s > 0 else ""

    def _beyond(self, name: str) -> bool:
        return abs(self.spreads[name]) > self.own_noise.get(name, 0.0)

    def note(self, noise: float | None = None) -> str:
        """``the machine drifted 7% during the sweep (canary: ...)``."""
        parts = []
        for name, spread in self.spreads.items():
            part = f"{CANARIES.get(name, name)} {_percent(spread, '+')}"
            if name in self.own_noise:
                within = "within" if not self._beyond(name) else "beyond"
                part += f" ({within} its own noise of {_percent(self.own_noise[name])})"
            parts.append(part)
        summary = (
            f"the machine drifted {_percent(self.largest)} during the sweep"
            if self.largest
            else "no drift beyond the canary's own noise during the sweep"
        )
        line = (
            f"{summary} (canary, {self.samples} samples{self._over}, "
            f"second half against first: {', '.join(parts)})"
        )
        if self.calibration_change is not None:
            line += f"; CPU rate after the last job {_percent(self.calibration_change, '+')}"
        if noise is not None and self.largest > noise:
            line += (
                f"; beyond the noise threshold of {_percent(noise)}: differences below it are drift"
            )
        return line


def drift_of(sweep: Mapping[str, Any]) -> Drift | None:
    """The drift a sweep log line records; None with fewer than two canary samples."""
    samples = [s for s in sweep.get("canary") or () if isinstance(s, Mapping)]
    if len(samples) < 2:
        return None
    spreads = {}
    own_noise = {}
    for name in CANARIES:
        values = [s[name] for s in samples if _positive(s.get(name))]
        if len(values) >= 2:
            earlier = statistics.median(values[: len(values) // 2])
            later = statistics.median(values[(len(values) + 1) // 2 :])
            spreads[name] = later / earlier - 1
            noise_key = name.removesuffix("_s") + "_noise"
            within = [s[noise_key] for s in samples if _positive(s.get(noise_key))]
            own_noise[name] = max(
                statistics.median(within) if within else 0.0, _between_samples(values)
            )
    if not spreads:
        return None
    times = [s["at_s"] for s in samples if _finite(s.get("at_s"))]
    calibration = sweep.get("calibration")
    change = calibration.get("change") if isinstance(calibration, Mapping) else None
    return Drift(
        samples=len(samples),
        duration_s=max(times) - min(times) if len(times) == len(samples) else 0.0,
        spreads=spreads,
        calibration_change=change if _finite(change) else None,
        own_noise=own_noise,
    )


def sweep_notes(sweeps: Iterable[Mapping[str, Any]], noise: float | None = None) -> list[str]:
    """One drift line per sweep that measured one."""
    return [drift.note(noise) for sweep in sweeps if (drift := drift_of(sweep)) is not None]


def between_stores(
    base: Iterable[Mapping[str, Any]], new: Iterable[Mapping[str, Any]]
) -> str | None:
    """How the canary moved from one store's sweeps to another's, for ``diff``.

    A row of the new store can move because the code changed or because the machine did;
    the canary is the same work in every sweep, so its move between the stores is the
    machine's. Its own noise is the jitter between successive samples within each sweep
    (never across sweeps, whose gap is the very thing measured), scaled to a difference
    of the two stores' medians at the 95% level. None when a side has no canary."""
    base_series, new_series = _canary_series(base), _canary_series(new)
    parts = []
    counts: tuple[int, int] = (0, 0)
    moved = False
    for name, label in CANARIES.items():
        before = [value for series in base_series.get(name, ()) for value in series]
        after = [value for series in new_series.get(name, ()) for value in series]
        if not (before and after):
            continue
        counts = (len(before), len(after))
        change = statistics.median(after) / statistics.median(before) - 1
        one_sample = _jitter([*base_series[name], *new_series[name]])
        part = f"{label} {_percent(change, '+')}"
        if one_sample is not None:
            noise = _Z95 * one_sample * math.sqrt(1 / len(before) + 1 / len(after))
            beyond = abs(change) > noise
            moved |= beyond
            part += f" ({'beyond' if beyond else 'within'} its own noise of {_percent(noise)})"
        parts.append(part)
    if not parts:
        return None
    verdict = (
        "rows that moved by about as much may have moved with the machine, not the code"
        if moved
        else "the machine did not move beyond the canary's own noise"
    )
    return (
        f"the canary from BASE to NEW ({counts[0]} samples against {counts[1]}): "
        f"{', '.join(parts)}; {verdict}"
    )


def _canary_series(sweeps: Iterable[Mapping[str, Any]]) -> dict[str, list[list[float]]]:
    """Each canary timing's samples, one list per sweep in time order."""
    series: dict[str, list[list[float]]] = {}
    for sweep in sweeps:
        samples = sweep.get("canary") if isinstance(sweep, Mapping) else None
        if not isinstance(samples, list):
            continue
        for name in CANARIES:
            values = [s[name] for s in samples if isinstance(s, Mapping) and _positive(s.get(name))]
            if values:
                series.setdefault(name, []).append(values)
    return series


def _percent(fraction: float, sign: str = "") -> str:
    """A whole percentage; a figure beyond 1000% (a damaged log, or a machine that
    stopped for a while) says only that, not a number hundreds of digits long."""
    if not math.isfinite(fraction) or abs(fraction) > 10:
        return f"over {'+' if sign and fraction > 0 else ''}1000%"
    return f"{fraction:{sign}.0%}"


def _between_samples(values: list[float]) -> float:
    """The 95% noise of the halves' change that the samples' own jitter makes: from the
    successive differences, the sd of one sample (sqrt of half their mean square), then
    of the difference of two halves' medians of ``len // 2`` samples each."""
    one_sample = _jitter([values]) or 0.0
    return _Z95 * one_sample * math.sqrt(2 / (len(values) // 2))


def _jitter(series: list[list[float]]) -> float | None:
    """The sd of one sample, relative, from the steps between successive samples of each
    series (never across series): sqrt of half their mean square. None without a step."""
    steps = [
        later / earlier - 1 for values in series for earlier, later in itertools.pairwise(values)
    ]
    return math.sqrt(statistics.fmean(step * step for step in steps) / 2) if steps else None


_Z95 = statistics.NormalDist().inv_cdf(0.975)


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _positive(value: object) -> bool:
    """A timing or noise figure that can be divided by: a damaged log's NaN, infinity,
    zero or text is left out instead of turning the line into ``nan%``."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < math.inf
