"""Baseline comparison on real stores: the same code twice, and a regression of known size."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from concbench.framework.reports.diff import Verdict, diff_cells, diff_records, power_warnings
from concbench.framework.store.records import Status
from concbench.framework.store.resultstore import read_records
from support.stores import SLOWDOWN


def test_two_runs_of_the_same_code_show_no_significant_slowdown(
    diff_stores: dict[str, Path],
) -> None:
    [row] = diff_records(read_records(diff_stores["base"]), read_records(diff_stores["same"]))
    assert row.verdict in (Verdict.SAME, Verdict.FASTER, Verdict.SLOWER)
    assert row.comparison is not None
    assert abs(row.comparison.change) < 0.10  # the same sleeps, measured twice
    assert not row.fails(0.10)


def test_a_thirty_percent_slowdown_is_significant_and_fails_a_ten_percent_gate(
    diff_stores: dict[str, Path],
) -> None:
    base, slower = read_records(diff_stores["base"]), read_records(diff_stores["slower"])
    [row] = diff_records(base, slower)
    assert row.verdict is Verdict.SLOWER
    assert row.comparison is not None
    assert row.comparison.p_value < 0.05
    assert 0.8 * (SLOWDOWN - 1) < row.comparison.change < 1.2 * (SLOWDOWN - 1)
    assert row.fails(0.10)
    assert not row.fails(0.50)
    cells = diff_cells(row)
    assert cells[:2] == ["seed (scale=0.1)", "asyncio"]
    assert cells[-1] == "slower"
    assert cells[4].startswith("+")
    [back] = diff_records(slower, base)  # and the other way round: an improvement
    assert back.verdict is Verdict.FASTER
    assert not back.fails(0.0)


def test_three_runs_a_side_can_never_be_significant_and_the_report_says_so(
    diff_stores: dict[str, Path],
) -> None:
    base = read_records(diff_stores["base"])[:3]
    slower = read_records(diff_stores["slower"])[:3]
    rows = diff_records(base, slower)
    assert rows[0].verdict is Verdict.SAME  # p >= 0.1 with 3 against 3, however far apart
    [warning] = power_warnings(rows, 0.05)
    assert "asyncio on seed (scale=0.1) (3 vs 3 runs)" in warning
    assert "--repeat 5" in warning
    assert power_warnings(diff_records(read_records(diff_stores["base"]), slower), 0.05) == []


def test_rows_are_matched_by_workload_and_backend(diff_stores: dict[str, Path]) -> None:
    base = read_records(diff_stores["base"])
    other = [dataclasses.replace(r, backend="trio") for r in base]  # same numbers, other label
    rows = diff_records(base, other)
    assert [(row.label, row.verdict) for row in rows] == [
        ("asyncio", Verdict.ONLY_BASE),
        ("trio", Verdict.ONLY_NEW),
    ]
    assert not any(row.fails(0.0) for row in rows)


@pytest.mark.parametrize(
    ("status", "verdict", "fails"),
    [
        (Status.FAILED, Verdict.BROKEN, True),
        (Status.CRASHED, Verdict.BROKEN, True),
        (Status.SKIPPED, Verdict.NOT_COMPARED, False),
    ],
)
def test_a_row_that_ran_and_now_only_faults_fails_the_gate(
    diff_stores: dict[str, Path], status: Status, verdict: Verdict, fails: bool
) -> None:
    base = read_records(diff_stores["base"])
    # the base's records with their outcome replaced: what a broken or absent backend leaves
    new = [dataclasses.replace(base[0], status=status, wall_s=None, error="boom")]
    [row] = diff_records(base, new)
    assert row.verdict is verdict
    assert row.fails(0.10) is fails
