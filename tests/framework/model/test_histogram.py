"""The latency histogram: its stated precision, exact merges, and its stored form."""

from __future__ import annotations

import math
import random
import re

import pytest

from concbench.framework.model.histogram import FLOOR_NS, PRECISION, Histogram, json_problem

PERCENTS = (0.1, 1.0, 25.0, 50.0, 90.0, 99.0, 99.9, 100.0)


def exact_percentile_s(values: list[int], percent: float) -> float:
    """The value of rank ceil(percent/100 * n), as the histogram ranks."""
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered) - 1e-9))
    return ordered[rank - 1] / 1e9


def within_precision(reported: float, exact: float) -> bool:
    return abs(reported - exact) <= PRECISION * exact * (1 + 1e-9) + FLOOR_NS / 2e9


@pytest.mark.parametrize("seed", range(5))
def test_every_percentile_is_within_the_stated_precision(seed: int) -> None:
    draw = random.Random(seed)
    # from 1 µs to 10 s, spread evenly over the logarithm: every bucket size is exercised
    values = [round(10 ** draw.uniform(3, 10)) for _ in range(20_000)]
    histogram = Histogram.of(values)
    for percent in PERCENTS:
        exact = exact_percentile_s(values, percent)
        assert within_precision(histogram.percentile_s(percent), exact), percent


def test_the_worst_case_of_a_bucket_is_the_stated_precision_and_no_more() -> None:
    # every value at the low edge of its bucket: the midpoint is PRECISION above each
    for value in (1_000, 1_020, 123_456, 9_999_999, 2_000_000_000):
        reported = Histogram.of([value, value * 3]).percentile_s(50.0)
        assert within_precision(reported, value / 1e9)


def test_min_max_count_and_mean_are_exact() -> None:
    values = [1_500, 2_000_000, 7_777_777, 30]
    histogram = Histogram.of(values)
    assert (histogram.min_ns, histogram.max_ns, histogram.count) == (30, 7_777_777, 4)
    assert histogram.mean_s == pytest.approx(sum(values) / 4 / 1e9)
    assert histogram.percentile_s(100.0) == 7_777_777 / 1e9
    assert histogram.percentile_s(0.0) == 30 / 1e9  # clamped to the exact minimum


def test_merging_equals_counting_everything_at_once() -> None:
    draw = random.Random(7)
    parts = [[round(10 ** draw.uniform(3, 9)) for _ in range(1000)] for _ in range(4)]
    merged = Histogram()
    for part in parts:
        merged = merged.merge(Histogram.of(part))
    whole = Histogram.of([value for part in parts for value in part])
    assert merged == whole
    assert merged.to_json() == whole.to_json()


def test_merging_with_an_empty_histogram_changes_nothing() -> None:
    one = Histogram.of([5_000, 6_000])
    assert one.merge(Histogram()) == one
    assert Histogram().merge(one) == one
    assert Histogram().percentile_s(99.0) == 0.0


def test_the_stored_form_round_trips_and_stays_small() -> None:
    draw = random.Random(3)
    values = [round(10 ** draw.uniform(3, 10)) for _ in range(100_000)]
    histogram = Histogram.of(values)
    stored = histogram.to_json()
    assert Histogram.from_json(stored) == histogram
    # seven decades at 2% buckets: about 815 buckets, whatever the count of values
    assert len(stored["buckets"]) < 1000


def test_a_histogram_of_other_buckets_is_refused() -> None:
    stored = Histogram.of([5_000]).to_json() | {"precision": 0.001}
    with pytest.raises(ValueError, match="precision"):
        Histogram.from_json(stored)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"buckets": {"x": 1}}, "not 'index': count"),
        ({"buckets": {"3": -1}}, "negative"),
        ({"count": 5}, "counts 1 values in its buckets but says 5"),
        ({"min_ns": 1.5}, "'min_ns', a whole number"),
        ({"sum_s": "a"}, "'sum_s'"),
        ({"buckets": []}, "'buckets', an object"),
    ],
)
def test_a_damaged_stored_form_is_named_not_misread(
    change: dict[str, object], problem: str
) -> None:
    stored = Histogram.of([5_000]).to_json() | change
    assert problem in (json_problem(stored) or "")
    with pytest.raises(ValueError, match=re.escape(problem)):
        Histogram.from_json(stored)


def test_a_store_with_a_damaged_histogram_names_the_field() -> None:
    from concbench.framework.store.records import RunRecord, SchemaError
    from support.arrivals import record

    data = record("asyncio", 100, 0.002).to_dict()
    data["latency"] = dict(data["latency"], count=7)
    with pytest.raises(SchemaError, match="field 'latency' counts"):
        RunRecord.from_dict(data)
    assert RunRecord.from_dict(record("asyncio", 100, 0.002).to_dict()).latency
