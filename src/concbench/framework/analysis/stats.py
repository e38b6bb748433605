"""Summaries and comparisons of repeated measurements: never a single number.

Medians and quartiles describe a backend's runs; a bootstrap interval says how sure the
median is; Tukey's fences flag outlier runs; the Mann-Whitney U test says whether two sets
of runs differ. Everything is deterministic (the bootstrap uses a fixed seed), so the
same store always renders the same report.
"""

from __future__ import annotations

import math
import random
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

__all__ = [
    "Comparison",
    "Summary",
    "bootstrap_ci",
    "compare",
    "mann_whitney_p",
    "stability_warnings",
    "summarize",
]

BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20261126
NOISY_SPREAD = 0.10
"""Interquartile range above this fraction of the median earns a warning, as in pyperf."""
FEW_RUNS = 5
"""Below this many runs there is no confidence interval worth quoting."""


@dataclass(frozen=True)
class Summary:
    n: int
    median: float
    minimum: float
    maximum: float
    q1: float
    q3: float
    ci_low: float
    ci_high: float
    outliers: tuple[float, ...]

    @property
    def iqr(self) -> float:
        return self.q3 - self.q1

    @property
    def relative_spread(self) -> float:
        """Interquartile range over the median: a scale-free noise figure."""
        return self.iqr / self.median if self.median else 0.0


def summarize(values: Sequence[float]) -> Summary:
    if not values:
        raise ValueError("summarize() needs at least one value")
    ordered = sorted(values)
    if len(ordered) == 1:
        q1 = q3 = ordered[0]
    else:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    low_fence, high_fence = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
    ci_low, ci_high = bootstrap_ci(ordered)
    return Summary(
        n=len(ordered),
        median=statistics.median(ordered),
        minimum=ordered[0],
        maximum=ordered[-1],
        q1=q1,
        q3=q3,
        ci_low=ci_low,
        ci_high=ci_high,
        outliers=tuple(v for v in ordered if v < low_fence or v > high_fence),
    )


def bootstrap_ci(values: Sequence[float], level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of the median, from a fixed seed."""
    if len(values) < 2:
        return (values[0], values[0]) if values else (math.nan, math.nan)
    rng = random.Random(BOOTSTRAP_SEED)
    count = len(values)
    medians = sorted(
        statistics.median(rng.choices(values, k=count)) for _ in range(BOOTSTRAP_RESAMPLES)
    )
    tail = (1 - level) / 2
    low = medians[int(tail * (BOOTSTRAP_RESAMPLES - 1))]
    high = medians[math.ceil((1 - tail) * (BOOTSTRAP_RESAMPLES - 1))]
    return low, high


def stability_warnings(summary: Summary) -> list[str]:
    """Advice when the numbers should not be trusted yet, in pyperf's spirit."""
    advice = []
    if summary.n < FEW_RUNS:
        advice.append(
            f"only {summary.n} run{'s' if summary.n != 1 else ''}: "
            f"use --repeat {FEW_RUNS * 2} or more for a confidence interval worth quoting"
        )
    if summary.relative_spread > NOISY_SPREAD:
        advice.append(
            f"the spread (IQR) is {summary.relative_spread:.0%} of the median: the machine is "
            "noisy; close other programs, add --processes, or raise --repeat"
        )
    if summary.outliers:
        advice.append(f"{len(summary.outliers)} outlier run(s) beyond 1.5 IQR")
    return advice


@dataclass(frozen=True)
class Comparison:
    base_median: float
    new_median: float
    p_value: float
    alpha: float

    @property
    def change(self) -> float:
        """Relative change of the median: +0.10 is 10% slower."""
        return self.new_median / self.base_median - 1 if self.base_median else math.inf

    @property
    def significant(self) -> bool:
        return self.p_value < self.alpha


def compare(base: Sequence[float], new: Sequence[float], alpha: float = 0.05) -> Comparison:
    return Comparison(
        base_median=statistics.median(base),
        new_median=statistics.median(new),
        p_value=mann_whitney_p(base, new),
        alpha=alpha,
    )


def mann_whitney_p(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided p-value of the Mann-Whitney U test.

    Exact for small samples without ties (the usual case: a few runs per backend), normal
    approximation with tie and continuity corrections otherwise. With 3 runs against 3,
    the smallest possible p-value is 0.1: such a comparison can never be significant at
    0.05, and the report says so instead of pretending.
    """
    n, m = len(a), len(b)
    if not n or not m:
        raise ValueError("mann_whitney_p() needs runs on both sides")
    pooled = sorted([(v, 0) for v in a] + [(v, 1) for v in b])
    ranks = _ranks([v for v, _ in pooled])
    rank_sum_a = sum(rank for rank, (_, side) in zip(ranks, pooled, strict=True) if side == 0)
    u_a = rank_sum_a - n * (n + 1) / 2
    u = min(u_a, n * m - u_a)
    has_ties = len({v for v, _ in pooled}) < n + m
    if not has_ties and n * m <= 400:
        counts = _u_distribution(n, m)
        total = sum(counts)
        tail = sum(counts[: math.floor(u) + 1])
        return min(1.0, 2 * tail / total)
    mean = n * m / 2
    tie_term = sum(t**3 - t for t in Counter(v for v, _ in pooled).values())
    variance = n * m / 12 * ((n + m + 1) - tie_term / ((n + m) * (n + m - 1)))
    if variance <= 0:
        return 1.0
    z = (abs(u - mean) - 0.5) / math.sqrt(variance)
    return min(1.0, math.erfc(max(z, 0.0) / math.sqrt(2)))


def _ranks(ordered: Sequence[float]) -> list[float]:
    ranks = [0.0] * len(ordered)
    start = 0
    while start < len(ordered):
        end = start
        while end + 1 < len(ordered) and ordered[end + 1] == ordered[start]:
            end += 1
        for index in range(start, end + 1):
            ranks[index] = (start + end) / 2 + 1
        start = end + 1
    return ranks


@cache
def _u_distribution(n: int, m: int) -> tuple[int, ...]:
    """Number of orderings giving each U value, U = 0 .. n*m (the classic recurrence)."""
    if n == 0 or m == 0:
        return (1,)
    with_a_last = _u_distribution(n - 1, m)  # the largest value is from a: U grows by m
    with_b_last = _u_distribution(n, m - 1)
    counts = [0] * (n * m + 1)
    for u, ways in enumerate(with_b_last):
        counts[u] += ways
    for u, ways in enumerate(with_a_last):
        counts[u + m] += ways
    return tuple(counts)
