from __future__ import annotations

import math
import random
import statistics

import pytest

from concbench.framework.analysis.stats import summarize
from concbench.framework.analysis.summary import group_records
from concbench.framework.store.records import RunRecord, Status


def _each(values: list[float]) -> list[list[float]]:
    """One run per process: the samples are independent."""
    return [[value] for value in values]


def test_summary_of_known_samples() -> None:
    summary = summarize(_each([5.0, 1.0, 3.0, 2.0, 4.0]))
    assert (summary.n, summary.median, summary.minimum, summary.maximum) == (5, 3.0, 1.0, 5.0)
    assert (summary.q1, summary.q3) == (2.0, 4.0)
    assert summary.iqr == 2.0
    assert summary.processes == 5


def test_summary_of_one_value_has_no_spread() -> None:
    summary = summarize([[1.5]])
    assert summary.median == 1.5
    assert summary.iqr == 0


def test_summary_needs_values() -> None:
    with pytest.raises(ValueError, match="at least one"):
        summarize([])
    with pytest.raises(ValueError, match="at least one"):
        summarize([[], []])


# three processes whose runs agree closely within each and differ between them: the shape
# the issue measured (most of the variance lies between processes)
CLUSTERED = [
    [1.00, 1.001, 1.002, 0.999],
    [1.10, 1.101, 1.099, 1.102],
    [0.95, 0.951, 0.949, 0.952],
    [1.05, 1.049, 1.051, 1.050],
    [0.90, 0.901, 0.899, 0.902],
]


def test_the_interval_of_the_median_covers_the_variance_between_processes() -> None:
    from concbench.framework.analysis.stats import median_interval

    low, high = median_interval(CLUSTERED)
    flat_low, flat_high = median_interval([[v for runs in CLUSTERED for v in runs]])
    # as one process, the runs look tight; over processes the interval spans them
    assert high - low > 1.5 * (flat_high - flat_low)
    assert low < 0.91
    assert high > 1.09
    assert median_interval(CLUSTERED) == (low, high)  # a fixed seed: reproducible


def test_one_process_is_said_to_leave_out_the_variance_between_processes() -> None:
    from concbench.framework.analysis.stats import stability_warnings

    [warning, *_] = stability_warnings(summarize([[1.0, 1.001, 1.002, 0.999, 1.0]]))
    assert "one worker process" in warning
    assert "cannot cover the variance between processes" in warning
    assert "--processes 5" in warning
    three = stability_warnings(summarize(_each([1.0, 1.001, 1.002])))
    assert any("only 3 processes: diff needs 4 a side" in warning for warning in three)


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


def test_three_processes_against_three_can_never_be_significant() -> None:
    from concbench.framework.analysis.stats import compare, min_processes

    result = compare(_each([1.0, 1.01, 1.02]), _each([2.0, 2.01, 2.02]))
    assert result.change == pytest.approx(2.01 / 1.01 - 1)
    assert not result.significant  # p = 0.1 at best with 3 + 3 processes
    assert result.direction == 0
    five = compare(_each([1.0, 1.01, 1.02, 1.03, 1.04]), _each([2.0, 2.01, 2.02, 2.03, 2.04]))
    assert five.significant
    assert five.direction == 1
    assert min_processes() == 4
    assert min_processes(0.01) == 5


def test_many_runs_of_one_process_are_one_sample() -> None:
    from concbench.framework.analysis.stats import compare

    result = compare([[1.0, 1.01, 1.02, 1.03, 1.04]], [[2.0, 2.01, 2.02, 2.03, 2.04]])
    assert result.p_value == 1.0  # one process against one: nothing can be concluded
    assert result.direction == 0


def test_a_significant_change_inside_the_noise_threshold_is_not_called() -> None:
    from concbench.framework.analysis.stats import compare

    base = _each([1.0, 1.002, 0.998, 1.001, 0.999])
    five_percent = _each([1.05, 1.052, 1.048, 1.051, 1.049])
    result = compare(base, five_percent, noise=0.10)
    assert result.significant  # fully separated processes
    assert not result.beyond_noise
    assert result.direction == 0
    assert result.ci_low > 0.03
    assert result.ci_high < 0.07
    assert compare(base, five_percent, noise=0.02).direction == 1
    assert compare(five_percent, base, noise=0.02).direction == -1


def test_the_power_computation_agrees_with_the_test() -> None:
    """The smallest callable slowdown is exact: a copy slower by a little more is called,
    by a little less is not."""
    from concbench.framework.analysis.stats import compare, detectable_change

    def slower(samples: list[list[float]], factor: float) -> list[list[float]]:
        return [[value * factor for value in runs] for runs in samples]

    for samples in (CLUSTERED, _each([1.0, 1.03, 0.97, 1.01, 0.99, 1.02])):
        needed = detectable_change(samples)
        assert 0.10 < needed < 1.0
        assert compare(samples, slower(samples, 1 + needed * 1.01)).direction == 1
        assert compare(samples, slower(samples, 1 + needed * 0.99)).direction == 0
    assert detectable_change(_each([1.0, 1.01, 1.02])) == float("inf")  # 3 processes
    assert detectable_change([[1.0, 1.01, 1.02, 1.03, 1.04]]) == float("inf")  # 1 process
    tight, wide = _each([1.0, 1.01, 0.99, 1.0, 1.0]), _each([1.0, 1.1, 0.9, 1.05, 0.95])
    assert detectable_change(tight) < detectable_change(wide)


def test_outliers_are_flagged_by_tukey_fences() -> None:
    assert summarize(_each([1.0, 1.01, 1.02, 0.99, 1.5])).outliers == (1.5,)
    assert summarize(_each([1.0, 1.01, 1.02, 0.99, 1.03])).outliers == ()


def test_stability_warnings_give_advice() -> None:
    from concbench.framework.analysis.stats import stability_warnings

    noisy = stability_warnings(summarize(_each([1.0, 1.5, 2.0, 1.2, 1.8, 1.1])))
    assert any("processes' medians spread over" in w and "noisy" in w for w in noisy)
    within = stability_warnings(summarize([[1.0, 1.5, 2.0, 1.2, 1.8, 1.1]]))
    assert any("spread (IQR) of the runs" in w for w in within)
    far = stability_warnings(summarize(_each([1.0, 1.001, 1.002, 0.999, 1.0005, 2.0])))
    assert any("the slowest run is 100% above the median" in w for w in far)
    quiet = _each([1.0, 1.001, 1.002, 0.999, 1.0005, 1.0])
    assert stability_warnings(summarize(quiet)) == []


def test_rows_group_runs_by_worker_process_and_keep_sweeps_apart() -> None:
    runs = [
        _run("a", wall, process=process, run=run)
        for process, walls in enumerate([[1.0, 1.01], [1.2, 1.21], [0.9, 0.91]])
        for run, wall in enumerate(walls)
    ]
    [group] = group_records(runs + runs)  # the same sweep twice, as a merged report
    [row] = group.rows
    assert row.wall is not None
    assert row.wall.samples == ((1.0, 1.01), (1.2, 1.21), (0.9, 0.91)) * 2
    assert row.wall.processes == 6


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


def test_disturbed_runs_stay_out_of_the_statistics_unless_kept() -> None:
    import dataclasses

    runs = [_run("a", wall, process=p) for p, wall in enumerate([1, 1.1, 5])]
    runs[2] = dataclasses.replace(runs[2], disturbed=True, counted=False)  # as the runner marks it
    [row] = group_records(runs)[0].rows
    assert row.wall is not None
    assert row.wall.samples == ((1,), (1.1,))
    [kept] = group_records(runs, keep_disturbed=True)[0].rows
    assert kept.wall is not None
    assert kept.wall.samples == ((1,), (1.1,), (5,))


def _detectable_by_scanning(samples: list[list[float]], alpha: float = 0.05) -> float:
    """The test half of detectable_change as first written: every shift in turn."""
    from concbench.framework.analysis.stats import mann_whitney_p

    medians = sorted(runs[0] for runs in samples)
    shifts = sorted({b / a - 1 for a in medians for b in medians if b >= a > 0})
    return next(
        shift
        for shift in [s * (1 + 1e-9) + 1e-12 for s in [*shifts, 1e9]]
        if mann_whitney_p(medians, [m * (1 + shift) for m in medians]) < alpha
    )


def test_the_power_of_a_row_of_many_processes_is_found_in_a_few_tests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every shift was tried in turn, each with a Mann-Whitney test over all processes: a
    row of 400 processes took 4 s, one of 1,000 (the most --processes allows) a minute,
    and a merged store of 100,000 runs never finished ``report``. The p-value only falls
    as the shift grows, so a bisection over the shifts finds the same one."""
    import random

    from concbench.framework.analysis import stats

    rng = random.Random(7)
    for count in (4, 6, 9, 15, 40):
        samples = [[1 + rng.gauss(0, 0.05)] for _ in range(count)]
        low, _ = stats.change_interval(samples, samples, 0.95)
        by_interval = (1 + stats.DEFAULT_NOISE) / (1 + low) - 1
        expected = max(_detectable_by_scanning(samples), by_interval)
        assert stats.detectable_change(samples) == expected

    calls = 0
    real = stats.mann_whitney_p

    def counted(a: object, b: object) -> float:
        nonlocal calls
        calls += 1
        return real(a, b)  # type: ignore[arg-type]

    monkeypatch.setattr(stats, "mann_whitney_p", counted)
    many = [[1 + rng.gauss(0, 0.05)] for _ in range(400)]
    assert 0 < stats.detectable_change(many) < 1
    assert calls <= 64  # about log2 of the 80,000 shifts, where it was thousands


def _sweep(rng: random.Random, processes: int = 5) -> list[list[float]]:
    """One sweep's per-process runs: a process offset (layout, hash seed) plus run noise."""
    sweep = []
    for _ in range(processes):
        offset = rng.gauss(0, 0.03)
        sweep.append([1.0 + offset + rng.gauss(0, 0.005)])
    return sweep


def test_a_reruns_median_falls_in_the_rerun_interval_more_often_than_in_the_median_one() -> None:
    """The interval of the median says where the true median is; a second sweep's median
    has its own error, so that interval holds it too rarely, and the rerun interval, which
    adds that error, about as often as it says."""
    from concbench.framework.analysis.stats import median_interval, rerun_interval

    rng = random.Random(7)
    trials = 150
    in_median = in_rerun = 0
    for _ in range(trials):
        first, second = _sweep(rng), _sweep(rng)
        again = statistics.median(v for runs in second for v in runs)
        low, high = median_interval(first)
        in_median += low <= again <= high
        low, high = rerun_interval(first, drift=0.0)
        in_rerun += low <= again <= high
    assert in_rerun >= 0.9 * trials
    assert in_median < in_rerun - 0.05 * trials


def test_the_machines_drift_between_sweeps_is_what_the_rerun_interval_adds() -> None:
    """Sweeps whose whole machine moves by a few percent (sd 4%) while their processes
    agree within 0.5%: the sampling part alone holds a rerun's median rarely; with the
    drift term at its default (10% at the 95% level) it holds it nearly always."""
    from concbench.framework.analysis.stats import BETWEEN_SWEEPS, rerun_interval

    rng = random.Random(11)
    trials = 150
    sampling_only = with_drift = 0

    def drifted() -> list[list[float]]:
        shift = rng.gauss(0, 0.04)
        return [[(1.0 + shift) * (1 + rng.gauss(0, 0.005))] for _ in range(5)]

    for _ in range(trials):
        first, second = drifted(), drifted()
        again = statistics.median(runs[0] for runs in second)
        low, high = rerun_interval(first, drift=0.0)
        sampling_only += low <= again <= high
        low, high = rerun_interval(first)
        with_drift += low <= again <= high
    assert sampling_only < 0.5 * trials
    assert with_drift >= 0.9 * trials
    median = statistics.median(runs[0] for runs in first)
    assert high - median >= BETWEEN_SWEEPS * median * 0.999


def test_the_drift_scales_the_machines_part_of_the_time_not_the_waits() -> None:
    """A second of sleeping is a second on any machine: a row whose ideal (nominal waits)
    is 0.99 s of its 1.0 s gets the drift on the remaining 10 ms only."""
    from concbench.framework.analysis.stats import BETWEEN_SWEEPS, rerun_interval

    row = [[1.0 + 1e-4 * p] for p in range(5)]
    low, high = rerun_interval(row, steady=0.99)
    all_low, all_high = rerun_interval(row)
    assert high - low < 0.1 * (all_high - all_low)
    assert high - 1.0002 >= BETWEEN_SWEEPS * 0.01 * 0.999
    assert summarize(row, steady=0.99).rerun_high == high
    assert rerun_interval(row, steady=2.0) == rerun_interval(row, drift=0.0)  # none left
    assert rerun_interval(row, steady=math.nan) == (all_low, all_high)


@pytest.mark.parametrize("drift", [-0.1, math.nan, math.inf])
def test_a_drift_that_is_not_a_finite_fraction_is_refused(drift: float) -> None:
    from concbench.framework.analysis.stats import rerun_interval

    with pytest.raises(ValueError, match="drift"):
        rerun_interval(CLUSTERED, drift=drift)


def test_the_rerun_interval_holds_the_median_and_is_wider_than_its_interval() -> None:
    from concbench.framework.analysis.stats import median_interval, rerun_interval

    summary = summarize(CLUSTERED)
    low, high = rerun_interval(CLUSTERED)
    assert (summary.rerun_low, summary.rerun_high) == (low, high)
    assert low < summary.median < high
    ci_low, ci_high = median_interval(CLUSTERED)
    assert high - low > ci_high - ci_low
    sampling_low, sampling_high = rerun_interval(CLUSTERED, drift=0.0)
    assert low < sampling_low < summary.median < sampling_high < high
    assert rerun_interval([[2.0]]) == (2.0, 2.0)
    assert all(math.isnan(x) for x in rerun_interval([]))


def test_the_rerun_interval_of_a_duration_never_goes_below_zero() -> None:
    """Two processes far apart (0.34-1.56 s) spread the interval wider than the median."""
    from concbench.framework.analysis.stats import rerun_interval

    low, high = rerun_interval([[0.862, 1.564], [0.546, 0.343]])
    assert low == 0.0
    assert high > 1.0
