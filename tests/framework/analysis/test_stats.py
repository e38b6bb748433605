from __future__ import annotations

import pytest

from concbench.framework.analysis.stats import summarize
from concbench.framework.analysis.summary import group_records
from concbench.framework.store.records import RunRecord, Status


def test_summary_of_known_samples() -> None:
    summary = summarize([5.0, 1.0, 3.0, 2.0, 4.0])
    assert (summary.n, summary.median, summary.minimum, summary.maximum) == (5, 3.0, 1.0, 5.0)
    assert (summary.q1, summary.q3) == (2.0, 4.0)
    assert summary.iqr == 2.0


def test_summary_of_one_value_has_no_spread() -> None:
    summary = summarize([1.5])
    assert summary.median == 1.5
    assert summary.iqr == 0


def test_summary_needs_values() -> None:
    with pytest.raises(ValueError, match="at least one"):
        summarize([])


def _run(
    backend: str, wall: float | None, status: Status = Status.OK, **extra: object
) -> RunRecord:
    return RunRecord(
        scenario="fanout",
        params={"tasks": 4},
        backend=backend,
        status=status,
        tasks=4,
        serial_s=4.0,
        ideal_s=1.0,
        python="3.11",
        wall_s=wall,
        overhead_s=None if wall is None else wall - 1.0,
        **extra,  # type: ignore[arg-type]
    )


def test_rows_take_the_median_and_derive_overhead_and_efficiency() -> None:
    [group] = group_records([_run("a", 1.2), _run("a", 1.4), _run("a", 1.3), _run("b", 2.0)])
    row_a, row_b = group.rows
    assert row_a.wall is not None
    assert row_a.wall.median == pytest.approx(1.3)
    assert row_a.overhead_s == pytest.approx(0.3)
    assert row_a.overhead_per_task_s == pytest.approx(0.075)
    assert row_a.overhead_pct == pytest.approx(30.0)
    assert row_a.efficiency == pytest.approx(1 / 1.3)
    assert row_a.speedup == pytest.approx(4 / 1.3)
    assert row_b.efficiency == pytest.approx(0.5)


def test_a_row_without_ok_runs_explains_itself() -> None:
    [group] = group_records(
        [_run("trio", None, Status.SKIPPED, error="trio is not installed: install concbench[trio]")]
    )
    [row] = group.rows
    assert row.wall is None
    assert row.overhead_s is None
    assert row.note == "skipped: trio is not installed: install concbench[trio]"


def test_faults_beside_good_runs_are_counted_in_the_note() -> None:
    runs = [_run("a", 1.1), _run("a", None, Status.TIMEOUT, error="run exceeded the time limit")]
    [group] = group_records(runs)
    [row] = group.rows
    assert row.wall is not None
    assert row.wall.n == 1
    assert row.note == "timeout: run exceeded the time limit"


def test_options_make_separate_rows() -> None:
    [group] = group_records([_run("threads", 1.0), _run("threads", 2.0, options={"workers": 2})])
    assert [row.label for row in group.rows] == ["threads", "threads(workers=2)"]


def test_mann_whitney_exact_p_values_match_the_tables() -> None:
    from concbench.framework.analysis.stats import mann_whitney_p

    # fully separated samples: p = 2 / C(n+m, n)
    assert mann_whitney_p([1, 2, 3], [4, 5, 6]) == pytest.approx(2 / 20)
    assert mann_whitney_p([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]) == pytest.approx(2 / 252)
    # interleaved 4 against 4: U = 6, P(U <= 6) = 24 / 70
    assert mann_whitney_p([1.1, 1.2, 1.3, 1.4], [1.15, 1.25, 1.35, 1.45]) == pytest.approx(48 / 70)


def test_mann_whitney_with_ties_uses_the_normal_approximation() -> None:
    from concbench.framework.analysis.stats import mann_whitney_p

    assert mann_whitney_p([1.0] * 5, [1.0] * 5) == 1.0
    separated = mann_whitney_p([1.0, 1.0, 2.0, 2.0] * 5, [3.0, 3.0, 4.0, 4.0] * 5)
    assert separated < 1e-6


def test_three_runs_against_three_can_never_be_significant() -> None:
    from concbench.framework.analysis.stats import compare

    result = compare([1.0, 1.01, 1.02], [2.0, 2.01, 2.02])
    assert result.change == pytest.approx(1.01 / 1.01 * 2.01 / 1.01 - 1)
    assert not result.significant  # p = 0.1 at best with 3 + 3 runs
    assert compare([1.0, 1.01, 1.02, 1.03, 1.04], [2.0, 2.01, 2.02, 2.03, 2.04]).significant


def test_bootstrap_interval_brackets_the_median_and_is_reproducible() -> None:
    from concbench.framework.analysis.stats import bootstrap_ci

    values = [1.0, 1.1, 0.9, 1.05, 0.95, 1.2, 0.8, 1.0, 1.02, 0.98]
    low, high = bootstrap_ci(values)
    assert low <= summarize(values).median <= high
    assert 0.8 <= low < high <= 1.2
    assert bootstrap_ci(values) == (low, high)


def test_outliers_are_flagged_by_tukey_fences() -> None:
    assert summarize([1.0, 1.01, 1.02, 0.99, 1.5]).outliers == (1.5,)
    assert summarize([1.0, 1.01, 1.02, 0.99, 1.03]).outliers == ()


def test_stability_warnings_give_advice() -> None:
    from concbench.framework.analysis.stats import stability_warnings

    few = stability_warnings(summarize([1.0, 1.01, 1.02]))
    assert any("only 3 runs: use --repeat 10" in warning for warning in few)
    noisy = stability_warnings(summarize([1.0, 1.5, 2.0, 1.2, 1.8, 1.1]))
    assert any("spread (IQR) is" in warning and "noisy" in warning for warning in noisy)
    assert stability_warnings(summarize([1.0, 1.001, 1.002, 0.999, 1.0005, 1.0])) == []


def _spawn_run(wall: float) -> RunRecord:
    return RunRecord(
        scenario="spawn",
        params={"tasks": 1000},
        backend="asyncio",
        status=Status.OK,
        tasks=1000,
        serial_s=0.0,
        ideal_s=0.0,
        python="3.11",
        wall_s=wall,
        overhead_s=wall,
        steps=0,
    )


def test_an_ideal_of_zero_leaves_the_cost_per_task_as_the_headline() -> None:
    [group] = group_records([_spawn_run(0.02), _spawn_run(0.01), _spawn_run(0.03)])
    [row] = group.rows
    assert row.overhead_s == pytest.approx(0.02)
    assert row.overhead_per_task_s == pytest.approx(20e-6)
    assert row.overhead_pct is None  # no division by zero, and no meaningless 0.00
    assert row.efficiency is None
    assert row.overhead_per_step_s is None  # no steps


def test_overhead_per_step_divides_by_the_tasks_steps() -> None:
    [group] = group_records([_run("a", 1.5, steps=1000)])
    [row] = group.rows
    assert row.overhead_per_step_s == pytest.approx(0.5 / 1000)
    [old] = group_records([_run("a", 1.5)]).pop().rows  # a record from before `steps`
    assert old.overhead_per_step_s is None
