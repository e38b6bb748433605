from __future__ import annotations

import pytest

from concbench.framework.analysis.units import fmt_pct, fmt_ratio, fmt_seconds


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (2.5, "2.500 s"),
        (0.9999999999999999, "1.000 s"),  # a float sum a hair below a unit boundary
        (0.1, "100.00 ms"),
        (0.0009999999, "1.00 ms"),
        (6.64e-6, "6.64 µs"),
        (1.5e-7, "150 ns"),
        (0.0, "0.00 µs"),
        (None, "-"),
    ],
)
def test_seconds_pick_a_readable_unit(seconds: float | None, text: str) -> None:
    assert fmt_seconds(seconds) == text


def test_signed_durations_show_their_sign() -> None:
    assert fmt_seconds(0.0012, signed=True) == "+1.20 ms"
    assert fmt_seconds(-0.00012, signed=True) == "-120.00 µs"


def test_float_noise_below_a_nanosecond_reads_as_zero() -> None:
    # parts that add up exactly leave residues like -2e-17 s; "-0 ns" would be noise
    assert fmt_seconds(-2e-17, signed=True) == "+0.00 µs"
    assert fmt_seconds(3e-13) == "0.00 µs"
    assert fmt_seconds(-1e-9, signed=True) == "-1 ns"


def test_percentages_and_ratios() -> None:
    assert fmt_pct(150.06) == "+150.1%"
    assert fmt_ratio(0.4) == "0.40"
    assert fmt_pct(None) == fmt_ratio(None) == "-"
