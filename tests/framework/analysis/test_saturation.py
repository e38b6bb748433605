"""The saturation point: the first offered rate at which a backend stops keeping up."""

from __future__ import annotations

from concbench.framework.analysis.saturation import (
    SATURATION_FACTOR,
    load_series,
    saturation_lines,
)
from support.arrivals import SERVICE_S, record


def test_the_first_rate_whose_p99_passes_the_threshold_is_the_saturation_point() -> None:
    above = SATURATION_FACTOR * SERVICE_S * 1.5
    records = [
        record("fast", 100, 0.002),
        record("fast", 1000, 0.003),
        record("fast", 10000, above),
        record("slow", 100, 0.002),
        record("slow", 1000, above),
        record("slow", 10000, above * 10),
    ]
    series = {line.label: line for line in load_series(records)}
    assert [point.offered_rate for point in series["fast"].points] == [100, 1000, 10000]
    fast, slow = series["fast"].saturation, series["slow"].saturation
    assert fast is not None
    assert fast.offered_rate == 10000
    assert slow is not None
    assert slow.offered_rate == 1000
    assert "p99 15.00 ms > 10.00 ms" in (slow.saturated or "")


def test_throughput_short_of_the_offered_load_is_saturation() -> None:
    records = [record("b", 100, 0.002), record("b", 1000, 0.002, achieved=850.0)]
    (line,) = load_series(records)
    assert line.saturation is not None
    assert line.saturation.saturated == "achieved 85% of offered"


def test_a_backend_that_keeps_up_is_named_with_the_highest_rate_swept() -> None:
    records = [record("b", 100, 0.002), record("b", 1000, 0.002, achieved=950.0)]
    (line,) = load_series(records)
    assert line.saturation is None
    assert saturation_lines([line]) == [
        "arrivals (duration=1.0), b: keeps up to 1,000/s (the highest rate swept)"
    ]


def test_one_rate_alone_is_no_sweep() -> None:
    assert load_series([record("b", 100, 0.002)]) == []


def test_a_rate_flagged_below_one_that_keeps_up_is_noise_not_saturation() -> None:
    above = SATURATION_FACTOR * SERVICE_S * 3
    records = [
        record("b", 100, 0.002),
        record("b", 1000, above),  # a disturbed rate: the next keeps up
        record("b", 5000, 0.003),
        record("b", 10000, above),
    ]
    (line,) = load_series(records)
    assert line.saturation is not None
    assert line.saturation.offered_rate == 10000
    assert [point.offered_rate for point in line.isolated] == [1000]
    (text,) = saturation_lines([line])
    assert "saturates at 10,000/s" in text
    assert "not counted, since a higher rate kept up: 1,000/s (p99 30.00 ms > 10.00 ms)" in text
