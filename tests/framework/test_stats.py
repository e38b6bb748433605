from __future__ import annotations

import pytest

from concbench.framework.records import RunRecord, Status
from concbench.framework.stats import summarize
from concbench.framework.summary import group_records


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
