"""Baseline comparison on real stores: the same code twice, and a regression of known size."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from concbench.framework.model.parts import Decomposition, Part
from concbench.framework.reports.diff import Verdict, diff_cells, diff_records, power_warnings
from concbench.framework.store.records import RunRecord, Status
from support.standing import standing_records
from support.stores import SLOWDOWN


@pytest.fixture(autouse=True)
def _quiet_stores(diff_stores: dict[str, Path]) -> None:
    """The verdicts below are about real timings: when another program disturbed runs of
    the stores even after their re-runs, the diff rightly refuses to judge, so skip."""
    disturbed = sum(
        bool(record.disturbed) for path in diff_stores.values() for record in standing_records(path)
    )
    if disturbed:
        pytest.skip(f"{disturbed} runs of the diff stores were disturbed by other programs")


def test_two_runs_of_the_same_code_get_no_verdict(diff_stores: dict[str, Path]) -> None:
    [row] = diff_records(
        standing_records(diff_stores["base"]), standing_records(diff_stores["same"])
    )
    assert row.verdict in (Verdict.SAME, Verdict.WITHIN_NOISE)  # never slower or faster
    assert row.comparison is not None
    assert abs(row.comparison.change) < 0.10  # the same sleeps, measured twice
    assert row.comparison.ci_low < 0.10
    assert row.comparison.ci_high > -0.10
    assert not row.fails(0.0)


def test_a_thirty_percent_slowdown_is_significant_and_fails_a_ten_percent_gate(
    diff_stores: dict[str, Path],
) -> None:
    base, slower = standing_records(diff_stores["base"]), standing_records(diff_stores["slower"])
    [row] = diff_records(base, slower)
    assert row.verdict is Verdict.SLOWER
    assert row.comparison is not None
    assert row.comparison.p_value < 0.05
    assert 0.8 * (SLOWDOWN - 1) < row.comparison.change < 1.2 * (SLOWDOWN - 1)
    assert row.comparison.ci_low > 0.10  # the whole interval beyond the default noise
    assert row.comparison.ci_low <= row.comparison.change <= row.comparison.ci_high
    assert row.fails(0.10)
    assert not row.fails(0.50)
    cells = diff_cells(row)
    assert cells[:2] == ["seed (scale=0.1)", "asyncio"]
    assert cells[-1] == "slower"
    assert cells[4].startswith("+")
    assert " to " in cells[5]  # the interval of the change
    [back] = diff_records(slower, base)  # and the other way round: an improvement
    assert back.verdict is Verdict.FASTER
    assert not back.fails(0.0)


def test_three_processes_a_side_can_never_be_significant_and_the_report_says_so(
    diff_stores: dict[str, Path],
) -> None:
    base = standing_records(diff_stores["base"])[:3]
    slower = standing_records(diff_stores["slower"])[:3]
    rows = diff_records(base, slower)
    assert rows[0].verdict is Verdict.SAME  # p >= 0.1 with 3 against 3, however far apart
    [warning] = power_warnings(rows, 0.05)
    assert "asyncio on seed (scale=0.1) (3 vs 3 processes: no change)" in warning
    assert "--processes 6 or more" in warning  # three more than the most either side had
    full = diff_records(
        standing_records(diff_stores["base"]), standing_records(diff_stores["slower"])
    )
    # 6 processes a side can call a change; how small a one depends on the machine's load
    assert not any("no change" in warning for warning in power_warnings(full, 0.05))


def test_runs_of_one_process_are_not_independent_samples(diff_stores: dict[str, Path]) -> None:
    """Six runs of one process against six of another, 30% apart: one sample a side, so no
    verdict, where a test over runs would have called it with p = 0.002."""
    base = [
        dataclasses.replace(r, process=0, seq=0, run=i)
        for i, r in enumerate(standing_records(diff_stores["base"]))
    ]
    slower = [
        dataclasses.replace(r, process=0, seq=0, run=i)
        for i, r in enumerate(standing_records(diff_stores["slower"]))
    ]
    [row] = diff_records(base, slower)
    assert row.verdict is Verdict.SAME
    assert row.comparison is not None
    assert row.comparison.p_value == 1.0
    assert row.comparison.change > 0.2


def test_a_change_inside_the_noise_threshold_is_not_called(diff_stores: dict[str, Path]) -> None:
    base, slower = standing_records(diff_stores["base"]), standing_records(diff_stores["slower"])
    [row] = diff_records(base, slower, noise=0.5)  # a real 30% change, a 50% noise band
    assert row.verdict is Verdict.WITHIN_NOISE  # significant, but not beyond the noise
    assert row.comparison is not None
    assert row.comparison.significant
    assert not row.fails(0.10)


def test_rows_with_disturbed_runs_are_marked_and_not_judged(diff_stores: dict[str, Path]) -> None:
    base = standing_records(diff_stores["base"])
    slower = standing_records(diff_stores["slower"])
    slower[0] = dataclasses.replace(slower[0], disturbed=True)
    [row] = diff_records(base, slower)
    assert row.verdict is Verdict.DISTURBED
    assert row.reason == "0 disturbed run(s) in base, 1 in new"
    assert not row.fails(0.10)
    # run again clean in the same slot: the statistics are whole, and the row is judged
    rerun = dataclasses.replace(slower[0], disturbed=False, id="again")
    [judged] = diff_records(base, [*slower, rerun])
    assert judged.verdict is Verdict.SLOWER


def test_rows_whose_sides_calibrated_differently_are_not_judged(
    diff_stores: dict[str, Path],
) -> None:
    def cpu(records: list[RunRecord], env: str) -> list[RunRecord]:
        return [
            dataclasses.replace(r, parts=Decomposition({Part.CPU: 0.001}), env=env) for r in records
        ]

    base = cpu(standing_records(diff_stores["base"]), "a")
    slower = cpu(standing_records(diff_stores["slower"]), "b")
    rates = {"a": {"calibration": {"rate": 2.0e7}}}
    [row] = diff_records(
        base, slower, base_envs=rates, new_envs={"b": {"calibration": {"rate": 2.4e7}}}
    )
    assert row.verdict is Verdict.CALIBRATION
    assert "CPU rate 2e+07 in base, 2.4e+07 in new" in row.reason
    [same] = diff_records(
        base, slower, base_envs=rates, new_envs={"b": {"calibration": {"rate": 2.01e7}}}
    )
    assert same.verdict is Verdict.SLOWER  # within 1%: the same work
    [older] = diff_records(base, slower, base_envs=rates)  # a store from before the rate
    assert older.verdict is Verdict.SLOWER


def test_rows_are_matched_by_workload_and_backend(diff_stores: dict[str, Path]) -> None:
    base = standing_records(diff_stores["base"])
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
    base = standing_records(diff_stores["base"])
    # the base's records with their outcome replaced: what a broken or absent backend leaves
    new = [dataclasses.replace(base[0], status=status, wall_s=None, error="boom")]
    [row] = diff_records(base, new)
    assert row.verdict is verdict
    assert row.fails(0.10) is fails
