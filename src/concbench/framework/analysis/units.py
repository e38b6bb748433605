"""Human-readable durations and ratios for reports."""

from __future__ import annotations

__all__ = ["fmt_pct", "fmt_ratio", "fmt_seconds"]


def fmt_seconds(seconds: float | None, *, signed: bool = False) -> str:
    if seconds is None:
        return "-"
    if abs(seconds) < 5e-10:  # below the clock's nanosecond: float noise of a sum, not -0 ns
        seconds = 0.0
    sign = "+" if signed and seconds >= 0 else ""
    magnitude = abs(seconds)
    # pick the unit after rounding, so 0.9999999 s reads "1.000 s", not "1000.00 ms"
    if round(magnitude, 5) >= 1:
        return f"{sign}{seconds:.3f} s"
    if round(magnitude, 8) >= 1e-3:
        return f"{sign}{seconds * 1e3:.2f} ms"
    if round(magnitude, 11) >= 1e-6 or magnitude == 0:
        return f"{sign}{seconds * 1e6:.2f} µs"
    return f"{sign}{seconds * 1e9:.0f} ns"


def fmt_pct(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1f}%"


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
