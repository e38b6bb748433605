"""Latency histograms with log-spaced buckets that merge exactly (HdrHistogram's idea).

A run of 100,000 arrivals must not keep 100,000 latencies, yet a report needs p99.9 over
every run of every worker process. Counting each value in a bucket whose width grows with
the value keeps the relative error fixed at :data:`PRECISION` whatever the count, and
adding counts bucket by bucket merges runs and processes with no loss at all: the merged
histogram is the one every value would have built directly.

Bucket 0 holds values under :data:`FLOOR_NS` (1 µs); bucket ``k >= 1`` holds
``[FLOOR_NS * G**(k-1), FLOOR_NS * G**k)`` with ``G = 1 + 2 * PRECISION``. A percentile is
the midpoint of the bucket holding that rank's value, clamped to the exact minimum and
maximum, so it lies within ``PRECISION`` of the true value (within half the floor below
it). Why not the ``hdrhistogram`` package: its encoding is an opaque compressed blob that a
JSON Lines store could not show or check, and the part needed here is forty lines. It
lives below the store, as the overhead's ``Decomposition`` does, so that a record can
check the one it holds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FLOOR_NS", "PRECISION", "Histogram", "json_problem"]

PRECISION = 0.01
"""Relative error of every percentile read from a histogram (1%)."""
FLOOR_NS = 1_000
"""Values under this (1 µs) share bucket 0; below it the error is at most half of it."""
_GROWTH = 1 + 2 * PRECISION
_LOG_GROWTH = math.log(_GROWTH)


def _bucket(value_ns: int) -> int:
    if value_ns < FLOOR_NS:
        return 0
    return 1 + int(math.log(value_ns / FLOOR_NS) / _LOG_GROWTH)


def _midpoint_ns(bucket: int) -> float:
    if bucket == 0:
        return FLOOR_NS / 2
    low = FLOOR_NS * _GROWTH ** (bucket - 1)
    return low * (1 + _GROWTH) / 2


@dataclass
class Histogram:
    """Counts of non-negative integer nanoseconds by bucket, with the exact count, sum,
    minimum and maximum."""

    counts: dict[int, int] = field(default_factory=dict)
    count: int = 0
    sum_ns: int = 0
    min_ns: int = 0
    max_ns: int = 0

    @classmethod
    def of(cls, values_ns: Iterable[int]) -> Histogram:
        histogram = cls()
        for value in values_ns:
            histogram.add(value)
        return histogram

    def add(self, value_ns: int) -> None:
        value_ns = max(int(value_ns), 0)
        bucket = _bucket(value_ns)
        self.counts[bucket] = self.counts.get(bucket, 0) + 1
        if not self.count or value_ns < self.min_ns:
            self.min_ns = value_ns
        self.max_ns = max(self.max_ns, value_ns)
        self.count += 1
        self.sum_ns += value_ns

    def merge(self, other: Histogram) -> Histogram:
        """Both together, exactly: the histogram of every value of both."""
        merged = Histogram(dict(self.counts), self.count, self.sum_ns, self.min_ns, self.max_ns)
        for bucket, count in other.counts.items():
            merged.counts[bucket] = merged.counts.get(bucket, 0) + count
        if other.count:
            merged.min_ns = min(self.min_ns, other.min_ns) if self.count else other.min_ns
            merged.max_ns = max(self.max_ns, other.max_ns)
        merged.count += other.count
        merged.sum_ns += other.sum_ns
        return merged

    def percentile_s(self, percent: float) -> float:
        """The value at ``percent`` (0-100): the one of rank ``ceil(percent/100 * count)``,
        as HdrHistogram ranks, within :data:`PRECISION`; 0 for an empty histogram."""
        if not self.count:
            return 0.0
        rank = max(1, math.ceil(percent / 100 * self.count - 1e-9))
        if rank == 1 or rank >= self.count:  # the extremes are kept exactly
            return (self.min_ns if rank == 1 else self.max_ns) / 1e9
        seen = 0
        for bucket in sorted(self.counts):
            seen += self.counts[bucket]
            if seen >= rank:
                value = min(max(_midpoint_ns(bucket), self.min_ns), self.max_ns)
                return value / 1e9
        return self.max_ns / 1e9

    @property
    def mean_s(self) -> float:
        return self.sum_ns / self.count / 1e9 if self.count else 0.0

    def to_json(self) -> dict[str, Any]:
        """The stored form: the exact figures and the non-empty buckets (``"k": count``)."""
        return {
            "precision": PRECISION,
            "floor_ns": FLOOR_NS,
            "count": self.count,
            "sum_s": self.sum_ns / 1e9,  # seconds: a sum of nanoseconds outgrows a count
            "min_ns": self.min_ns,
            "max_ns": self.max_ns,
            "buckets": {str(bucket): n for bucket, n in sorted(self.counts.items())},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Histogram:
        """The histogram of a stored form (:func:`json_problem` names what is wrong with
        one that cannot be read); a form of other buckets cannot merge exactly with these,
        so it is refused rather than misread."""
        problem = json_problem(data)
        if problem:
            raise ValueError(problem)
        buckets = data["buckets"]
        return cls(
            {int(bucket): int(n) for bucket, n in buckets.items()},
            int(data["count"]),
            round(float(data["sum_s"]) * 1e9),
            int(data["min_ns"]),
            int(data["max_ns"]),
        )


_WHOLE = ("count", "min_ns", "max_ns")


def json_problem(data: Any) -> str | None:
    """Why ``data`` is not a stored histogram this version reads, or None (an empty object,
    a run without release times, is fine)."""
    if not isinstance(data, Mapping):
        return "must be an object"
    if not data:
        return None
    if data.get("precision") != PRECISION or data.get("floor_ns") != FLOOR_NS:
        return (
            f"is a histogram of precision {str(data.get('precision'))[:20]!r} and floor "
            f"{str(data.get('floor_ns'))[:20]!r} ns; this concbench reads {PRECISION} and "
            f"{FLOOR_NS}"
        )
    for name in _WHOLE:
        value = data.get(name)
        if type(value) is not int or value < 0:
            return f"needs {name!r}, a whole number >= 0"
    sum_s = data.get("sum_s")
    if isinstance(sum_s, bool) or not isinstance(sum_s, (int, float)) or not sum_s >= 0:
        return "needs 'sum_s', a number >= 0"
    buckets = data.get("buckets")
    if not isinstance(buckets, Mapping):
        return "needs 'buckets', an object"
    total = 0
    for bucket, count in buckets.items():
        if not (isinstance(bucket, str) and bucket.isdigit()) or type(count) is not int:
            return "has a bucket that is not 'index': count"
        if count < 0:
            return "has a negative bucket count"
        total += count
    if total != data["count"]:
        return f"counts {total} values in its buckets but says {data['count']}"
    return None
