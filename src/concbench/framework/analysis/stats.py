"""Summaries and comparisons of repeated measurements, with the worker process as the unit.

Runs in one worker process share its memory layout, hash seed, allocator state and CPU
calibration: they are repeated measures of one sample, not independent samples, and most
of the variance between runs lies between processes. So every figure of uncertainty here
works on processes. The interval of the median comes from a hierarchical bootstrap
(resample the processes, then the runs within each); the test of a difference is the
Mann-Whitney U test on the processes' medians; the interval of a change is the same
hierarchical bootstrap on both sides. With one process, the only variance in view is
between its runs, and the advice says so.

Everything is deterministic (the bootstrap uses a fixed seed), so the same store always
renders the same report. docs/reproducibility.md explains the method and the figures that
chose the defaults.
"""

from __future__ import annotations

import math
import random
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from statistics import NormalDist

__all__ = [
    "BETWEEN_SWEEPS",
    "DEFAULT_NOISE",
    "TARGET_CHANGE",
    "Comparison",
    "Samples",
    "Summary",
    "change_interval",
    "compare",
    "detectable_change",
    "mann_whitney_p",
    "median_interval",
    "min_processes",
    "rerun_interval",
    "stability_warnings",
    "summarize",
]

Samples = Sequence[Sequence[float]]
"""Runs grouped by the worker process that measured them: one inner sequence per process."""

BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20261126
NOISY_SPREAD = 0.10
"""Processes' medians spread (interquartile range, or range with few) beyond this fraction of
the median earn a warning, as pyperf warns at a standard deviation of 10% of the mean."""
EXTREME = 0.5
"""A run this far from the median (as a fraction of it) is named, as pyperf names a minimum
or maximum 50% away from the mean."""
SHORT_RUN_S = 1e-3
"""Runs shorter than this are dominated by timer and scheduler granularity."""
DEFAULT_NOISE = 0.10
"""``diff --noise``: changes whose whole interval lies within this are not called. Chosen from
A/A sweeps on the project's machine (docs/reproducibility.md, "Statistics")."""
TARGET_CHANGE = 0.20
"""A row should have enough processes for ``diff`` to call a change of this size."""
BETWEEN_SWEEPS = 0.15
"""How far the machine itself moves the work of a row between two sweeps, at the 95%
level, as a fraction of that work (the median less the part that is nominal waiting):
the part of a rerun's error that no single sweep can see. In six A/A pairs on the
project's machine whole workloads moved together by up to 13.7% (every backend's
``spawn`` row at once) while their processes agreed within 2-4%, and issue 11's
hand-written fan-out moved 14% between two batches (docs/reproducibility.md, "The
rerun interval")."""


@dataclass(frozen=True)
class Summary:
    """The runs of one row: descriptive figures over every run, uncertainty over processes."""

    n: int
    median: float
    minimum: float
    maximum: float
    q1: float
    q3: float
    ci_low: float
    ci_high: float
    outliers: tuple[float, ...]
    samples: tuple[tuple[float, ...], ...] = ()
    """The runs by worker process, as given to :func:`summarize`."""
    rerun_low: float = math.nan
    """Where the median of the same sweep run again should fall: :func:`rerun_interval`."""
    rerun_high: float = math.nan

    @property
    def processes(self) -> int:
        return len(self.samples) or (1 if self.n else 0)

    @property
    def process_medians(self) -> tuple[float, ...]:
        return tuple(statistics.median(runs) for runs in self.samples)

    @property
    def iqr(self) -> float:
        return self.q3 - self.q1

    @property
    def relative_spread(self) -> float:
        """Interquartile range over the median: a scale-free noise figure."""
        return self.iqr / self.median if self.median else 0.0

    @property
    def process_spread(self) -> float:
        """Spread of the processes' medians over the median: the variance between processes
        that one process never shows. The interquartile range from 5 processes on, the full
        range below (quartiles of 2-4 values say little)."""
        medians = sorted(self.process_medians)
        if len(medians) < 2 or not self.median:
            return 0.0
        if len(medians) < 5:
            return (medians[-1] - medians[0]) / self.median
        q1, _, q3 = statistics.quantiles(medians, n=4, method="inclusive")
        return (q3 - q1) / self.median

    @cached_property
    def detectable(self) -> float:
        """The smallest slowdown ``diff`` could call on a row like this one, at the default
        noise threshold and alpha: see :func:`detectable_change`."""
        return detectable_change(self.samples or ((self.median,),))


def summarize(samples: Samples, steady: float = 0.0) -> Summary:
    """Summary of runs grouped by process; a process with no runs is ignored. ``steady``
    is the part of a run no machine makes faster or slower (see :func:`rerun_interval`)."""
    groups = tuple(tuple(runs) for runs in samples if len(runs))
    ordered = sorted(value for runs in groups for value in runs)
    if not ordered:
        raise ValueError("summarize() needs at least one value")
    if len(ordered) == 1:
        q1 = q3 = ordered[0]
    else:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    low_fence, high_fence = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
    ci_low, ci_high = median_interval(groups)
    rerun_low, rerun_high = rerun_interval(groups, steady=steady)
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
        samples=groups,
        rerun_low=rerun_low,
        rerun_high=rerun_high,
    )


def _groups(samples: Samples) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(runs) for runs in samples if len(runs))


def _middle(values: list[float]) -> float:
    values.sort()
    half = len(values) // 2
    return values[half] if len(values) % 2 else (values[half - 1] + values[half]) / 2


@lru_cache(maxsize=4096)
def _median_draws(groups: tuple[tuple[float, ...], ...]) -> tuple[float, ...]:
    """The hierarchical bootstrap's medians of a row, in draw order, from the fixed seed:
    each draw takes processes with replacement, then runs with replacement within each.

    With one process only its runs can be resampled: the draws then show the variance
    between runs and none of the variance between processes. Cached, because every report
    format, ``vs best`` and the power computation ask for the same rows' draws."""
    rng = random.Random(BOOTSTRAP_SEED)
    draws = []
    if len(groups) == 1:
        runs = groups[0]
        for _ in range(BOOTSTRAP_RESAMPLES):
            draws.append(_middle(rng.choices(runs, k=len(runs))))
    elif all(len(runs) == 1 for runs in groups):  # one run a process: the default
        values = [runs[0] for runs in groups]
        for _ in range(BOOTSTRAP_RESAMPLES):
            draws.append(_middle(rng.choices(values, k=len(values))))
    else:
        for _ in range(BOOTSTRAP_RESAMPLES):
            pooled: list[float] = []
            for runs in rng.choices(groups, k=len(groups)):
                pooled += rng.choices(runs, k=len(runs)) if len(runs) > 1 else runs
            draws.append(_middle(pooled))
    return tuple(draws)


_PAIRING = BOOTSTRAP_RESAMPLES // 2 + 1
"""The change pairs the new side's i-th draw with the base's (i + this)-th, so that the two
sides' draws are independent even for two rows of equal shape (or a row and itself)."""


def _percentiles(draws: list[float], level: float) -> tuple[float, float]:
    draws.sort()
    tail = (1 - level) / 2
    last = len(draws) - 1
    return draws[int(tail * last)], draws[math.ceil((1 - tail) * last)]


def median_interval(samples: Samples, level: float = 0.95) -> tuple[float, float]:
    """Percentile interval of the median from a hierarchical bootstrap, fixed seed.

    With up to 5 processes of one run each the interval is the range of their medians,
    which covers the true median with probability 1 - 2 * 0.5**k whatever the
    distribution (94% at 5 processes); with more, it narrows toward the nominal level.
    """
    groups = _groups(samples)
    values = [value for runs in groups for value in runs]
    if len(values) < 2:
        return (values[0], values[0]) if values else (math.nan, math.nan)
    return _percentiles(list(_median_draws(groups)), level)


def rerun_interval(
    samples: Samples, level: float = 0.95, drift: float = BETWEEN_SWEEPS, steady: float = 0.0
) -> tuple[float, float]:
    """Where the median of a second sweep like this one should fall: a prediction interval.

    The interval of the median (:func:`median_interval`) says where the true median lies;
    a second sweep's median carries sampling error of its own, so it falls inside that
    interval only about 83% of the time even when nothing changed (two errors of the same
    size add up to sqrt(2) times either). The sampling part here is the spread of the
    difference between two independent bootstrap medians of the row, each drawn as the
    hierarchical bootstrap draws them. A second sweep also runs on a machine that has
    moved since, which no interval built from one sweep can see: ``drift``, a fraction at
    the 95% level of the machine's part of the median, is added to each side in
    quadrature, as independent errors add. The machine's part is the median less
    ``steady``, the time a run spends in nominal waits (a row passes its ideal): a 1 s
    sleep takes 1 s on a slow machine and a fast one, while spawning 10,000 tasks moves
    with the machine. ``drift=0`` leaves the sampling part alone.
    """
    if not 0 <= drift < math.inf:
        raise ValueError(f"drift must be a finite fraction of at least 0, got {drift!r}")
    groups = _groups(samples)
    values = [value for runs in groups for value in runs]
    if len(values) < 2:
        return (values[0], values[0]) if values else (math.nan, math.nan)
    draws = _median_draws(groups)
    differences = [draws[i] - draws[(i + _PAIRING) % len(draws)] for i in range(len(draws))]
    low, high = _percentiles(differences, level)
    middle = statistics.median(values)
    work = max(middle - steady, 0.0) if math.isfinite(steady) else abs(middle)
    machine = work * drift * NormalDist().inv_cdf((1 + level) / 2) / _Z95
    below = middle - math.hypot(max(-low, 0.0), machine)
    above = middle + math.hypot(max(high, 0.0), machine)
    # a duration is never negative: two processes far apart must not predict one
    return (max(below, 0.0) if middle >= 0 else below), above


_Z95 = NormalDist().inv_cdf(0.975)
"""``drift`` is given at the 95% level; other levels scale it as a normal error scales."""


def change_interval(base: Samples, new: Samples, level: float = 0.95) -> tuple[float, float]:
    """Percentile interval of the relative change of the median (new / base - 1), from a
    hierarchical bootstrap of each side, fixed seed."""
    base_groups, new_groups = _groups(base), _groups(new)
    if not base_groups or not new_groups:
        return (math.nan, math.nan)
    olds, news = _median_draws(base_groups), _median_draws(new_groups)
    draws = [
        news[i] / old - 1 if (old := olds[(i + _PAIRING) % len(olds)]) else math.inf
        for i in range(len(news))
    ]
    return _percentiles(draws, level)


def _medians(samples: Samples) -> list[float]:
    return [statistics.median(runs) for runs in samples if len(runs)]


def _median(samples: Samples) -> float:
    return statistics.median([value for runs in samples for value in runs])


def stability_warnings(summary: Summary, ran: int | None = None) -> list[str]:
    """Why the numbers should not be trusted yet, each with what to do, in pyperf's spirit.

    ``ran`` is how many processes ran the row; more than the summary counts means the
    rest had only disturbed runs, and asking for more processes would not help."""
    advice = []
    processes = summary.processes
    if ran is not None and ran > processes and processes < min_processes():
        advice.append(
            f"only {processes} of the {ran} processes that ran have runs other programs did "
            f"not disturb: diff needs {min_processes()} a side; run again when the machine "
            "is quieter (see `concbench doctor`), or --keep-disturbed to count them"
        )
    elif processes == 1:
        advice.append(
            f"all {summary.n} run{'s' if summary.n != 1 else ''} come from one worker process: "
            "the interval cannot cover the variance between processes (memory layout, hash "
            "seed, calibration); use --processes 5 or more"
        )
    elif processes < min_processes():
        advice.append(
            f"only {processes} processes: diff needs {min_processes()} a side to call any "
            f"change significant; use --processes {max(5, min_processes())} or more"
        )
    elif summary.detectable > TARGET_CHANGE:
        advice.append(
            f"with {processes} processes this spread lets diff call only changes of "
            f"{_percent(summary.detectable)} or more; add --processes to see smaller ones"
        )
    if summary.process_spread > NOISY_SPREAD:
        advice.append(
            f"the processes' medians spread over {_percent(summary.process_spread)} of the "
            "median: the machine is noisy (see `concbench doctor`); close other programs or "
            "add --processes"
        )
    elif summary.relative_spread > NOISY_SPREAD:
        advice.append(
            f"the spread (IQR) of the runs is {_percent(summary.relative_spread)} of the "
            "median: the machine is noisy (see `concbench doctor`); close other programs"
        )
    for name, value in (("slowest", summary.maximum), ("fastest", summary.minimum)):
        if summary.median and abs(value / summary.median - 1) >= EXTREME:
            advice.append(
                f"the {name} run is {_percent(abs(value / summary.median - 1))} "
                f"{'above' if value > summary.median else 'below'} the median: look at its "
                "timeline (--timeline) before trusting the row"
            )
    if summary.outliers and summary.n >= 4:
        advice.append(f"{len(summary.outliers)} outlier run(s) beyond 1.5 IQR")
    if summary.minimum < SHORT_RUN_S:
        advice.append(
            "runs shorter than 1 ms measure the timer as much as the scheduler; use more tasks"
        )
    return advice


def _percent(fraction: float) -> str:
    return "inf%" if math.isinf(fraction) else f"{fraction:.0%}"


@dataclass(frozen=True)
class Comparison:
    """Two rows' medians, the process-level test and the interval of the change."""

    base_median: float
    new_median: float
    p_value: float
    alpha: float
    ci_low: float = math.nan
    """Lower end of the interval of the relative change (at level 1 - alpha)."""
    ci_high: float = math.nan
    noise: float = 0.0
    """Changes whose whole interval does not pass this are not called (Criterion's rule)."""
    base_processes: int = 0
    new_processes: int = 0

    @property
    def change(self) -> float:
        """Relative change of the median: +0.10 is 10% slower."""
        return self.new_median / self.base_median - 1 if self.base_median else math.inf

    @property
    def significant(self) -> bool:
        """The processes' medians differ (Mann-Whitney U, p below alpha)."""
        return self.p_value < self.alpha

    @property
    def beyond_noise(self) -> bool:
        """The whole interval of the change lies beyond the noise threshold, on one side."""
        return self.ci_low > self.noise or self.ci_high < -self.noise

    @property
    def direction(self) -> int:
        """+1 slower, -1 faster, 0 no call: a call needs significance *and* a change beyond
        the noise threshold, in the same direction as the medians moved."""
        if not (self.significant and self.beyond_noise):
            return 0
        sign = 1 if self.ci_low > self.noise else -1
        return sign if sign * self.change > 0 else 0


def compare(
    base: Samples, new: Samples, alpha: float = 0.05, noise: float = DEFAULT_NOISE
) -> Comparison:
    """Compare two rows' runs, each grouped by process (see the module's docstring)."""
    ci_low, ci_high = change_interval(base, new, 1 - alpha)
    base_medians, new_medians = _medians(base), _medians(new)
    return Comparison(
        base_median=_median(base),
        new_median=_median(new),
        p_value=mann_whitney_p(base_medians, new_medians),
        alpha=alpha,
        ci_low=ci_low,
        ci_high=ci_high,
        noise=noise,
        base_processes=len(base_medians),
        new_processes=len(new_medians),
    )


@cache
def min_processes(alpha: float = 0.05) -> int:
    """Fewest processes a side for the test to reach ``alpha`` at all (4 at 0.05)."""
    k = 1
    while mann_whitney_p(range(k), range(k, 2 * k)) >= alpha:
        k += 1
    return k


def detectable_change(samples: Samples, alpha: float = 0.05, noise: float = DEFAULT_NOISE) -> float:
    """The smallest slowdown that ``compare`` would call between this row and a copy of it
    made slower by that much: the power of the test at this row's spread and process count.

    Both conditions are solved exactly: the Mann-Whitney part by trying every shift at
    which the order of the processes' medians changes, the interval part by scaling the
    interval of the row against itself. ``inf`` when no shift can reach ``alpha``.
    """
    medians = sorted(_medians(samples))
    if not medians or mann_whitney_p(medians, [m * 1e9 for m in medians]) >= alpha:
        return math.inf
    # the order of the medians against their shifted copies changes only where one median
    # times (1 + shift) passes another: just past each such shift, in turn
    shifts = sorted({b / a - 1 for a in medians for b in medians if b >= a > 0})
    just_past = [shift * (1 + 1e-9) + 1e-12 for shift in [*shifts, 1e9]]

    def called(shift: float) -> bool:
        return mann_whitney_p(medians, [m * (1 + shift) for m in medians]) < alpha

    # the p-value only falls as the shift grows, and the last shift is always called:
    # bisect for the first called one (trying each in turn took minutes at 1,000 processes)
    low_index, high_index = 0, len(just_past) - 1
    while low_index < high_index:
        middle = (low_index + high_index) // 2
        if called(just_past[middle]):
            high_index = middle
        else:
            low_index = middle + 1
    needed_test = just_past[low_index]
    low, _ = change_interval(samples, samples, 1 - alpha)
    needed_interval = (1 + noise) / (1 + low) - 1 if low > -1 else math.inf
    return max(needed_test, needed_interval)


def mann_whitney_p(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided p-value of the Mann-Whitney U test.

    Exact for small samples without ties (the usual case: a few processes per row), normal
    approximation with tie and continuity corrections otherwise. With 3 processes against
    3, the smallest possible p-value is 0.1: such a comparison can never be significant at
    0.05, and the report says so instead of pretending.
    """
    n, m = len(a), len(b)
    if not n or not m:
        raise ValueError("mann_whitney_p() needs values on both sides")
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
