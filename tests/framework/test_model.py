from __future__ import annotations

import math

import pytest

from concbench.framework import ModelError, StepKind, Task, Workload, block, checkpoint, cpu, sleep


def chain(*seconds: float, after: tuple[int, ...] = ()) -> Task:
    return Task(steps=tuple(sleep(s) for s in seconds), after=after)


def test_the_teaching_example_is_serial_two_and_a_half_ideal_one() -> None:
    task = chain(1.0)
    workload = Workload(tasks=(task, task), main=(sleep(0.5),))
    assert workload.serial_s == pytest.approx(2.5)
    assert workload.ideal_s == pytest.approx(1.0)


def test_main_routine_is_on_the_critical_path_when_it_is_longest() -> None:
    workload = Workload(tasks=(chain(0.2), chain(0.3)), main=(sleep(0.4), cpu(0.1)))
    assert workload.ideal_s == pytest.approx(0.5)
    assert workload.serial_s == pytest.approx(1.0)


def test_ideal_is_the_longest_task_without_dependencies() -> None:
    workload = Workload(tasks=(chain(0.1, 0.2), chain(0.25), chain(0.05, 0.05, 0.05)))
    assert workload.ideal_s == pytest.approx(0.3)
    assert workload.serial_s == pytest.approx(0.7)


def test_ideal_follows_the_critical_path_through_dependencies() -> None:
    # 0 (1.0) ; 1 (0.2) -> 2 (0.3) -> 3 (0.9): the path 1-2-3 (1.4) beats the longest task (1.0)
    tasks = (chain(1.0), chain(0.2), chain(0.3, after=(1,)), chain(0.9, after=(2,)))
    workload = Workload(tasks=tasks)
    assert workload.ideal_s == pytest.approx(1.4)
    assert workload.serial_s == pytest.approx(2.4)


def test_a_join_waits_for_the_slowest_dependency() -> None:
    tasks = (chain(0.5), chain(0.1), chain(0.2, after=(0, 1)))
    assert Workload(tasks=tasks).ideal_s == pytest.approx(0.7)


def test_dependencies_may_point_forward_in_the_tuple() -> None:
    tasks = (chain(0.3, after=(1,)), chain(0.4))
    assert Workload(tasks=tasks).ideal_s == pytest.approx(0.7)


@pytest.mark.parametrize(
    ("tasks", "limit", "ideal"), [(100, 10, 0.5), (101, 10, 0.55), (5, 10, 0.05)]
)
def test_a_limit_gives_ceil_n_over_l_rounds_for_equal_tasks(
    tasks: int, limit: int, ideal: float
) -> None:
    workload = Workload(tasks=(chain(0.05),) * tasks, limit=limit)
    assert workload.ideal_s == pytest.approx(ideal)
    assert workload.ideal_s == pytest.approx(math.ceil(tasks / limit) * 0.05)


def test_a_limit_of_one_makes_ideal_serial() -> None:
    workload = Workload(tasks=(chain(0.1), chain(0.2), chain(0.3)), limit=1)
    assert workload.ideal_s == pytest.approx(workload.serial_s)


def test_a_stated_ideal_overrides_the_computed_one() -> None:
    workload = Workload(tasks=(chain(0.1),) * 4, limit=2, stated_ideal_s=0.25)
    assert workload.ideal_s == 0.25


def test_machine_bound_counts_cpu_work_over_cores() -> None:
    workload = Workload(tasks=(Task(steps=(cpu(0.5),)),) * 4)
    assert workload.ideal_s == pytest.approx(0.5)
    assert workload.cpu_work_s == pytest.approx(2.0)
    assert workload.machine_bound_s(cores=2) == pytest.approx(1.0)
    assert workload.machine_bound_s(cores=8) == pytest.approx(0.5)


def test_checkpoints_are_nominally_free_and_kinds_are_collected() -> None:
    workload = Workload(tasks=(Task(steps=(checkpoint(100), block(0.1))),), main=(cpu(0.0),))
    assert workload.serial_s == pytest.approx(0.1)
    assert workload.kinds == {StepKind.CHECKPOINT, StepKind.BLOCK, StepKind.CPU}


def test_an_empty_workload_takes_no_time() -> None:
    workload = Workload(tasks=())
    assert workload.serial_s == 0
    assert workload.ideal_s == 0


@pytest.mark.parametrize("seconds", [-0.1, math.inf, math.nan])
def test_invalid_durations_are_refused(seconds: float) -> None:
    with pytest.raises(ModelError, match="seconds"):
        sleep(seconds)


def test_invalid_checkpoint_count_is_refused() -> None:
    with pytest.raises(ModelError, match="count"):
        checkpoint(0)


def test_a_cycle_is_refused_naming_the_tasks() -> None:
    with pytest.raises(ModelError, match=r"cycle"):
        Workload(tasks=(chain(0.1, after=(2,)), chain(0.1, after=(0,)), chain(0.1, after=(1,))))


def test_a_self_dependency_is_refused() -> None:
    with pytest.raises(ModelError, match="depends on itself"):
        Workload(tasks=(chain(0.1, after=(0,)),))


def test_a_dependency_on_a_missing_task_is_refused() -> None:
    with pytest.raises(ModelError, match="does not exist"):
        Workload(tasks=(chain(0.1, after=(5,)),))


@pytest.mark.parametrize("limit", [0, -3])
def test_a_limit_below_one_is_refused(limit: int) -> None:
    with pytest.raises(ModelError, match="limit"):
        Workload(tasks=(chain(0.1),), limit=limit)


def test_nominal_starts_follow_dependencies_and_the_limit() -> None:
    tasks = (chain(1.0), chain(0.2), chain(0.3, after=(1,)), chain(0.9, after=(2,)))
    assert list(Workload(tasks=tasks).nominal_starts) == pytest.approx([0.0, 0.0, 0.2, 0.5])
    limited = Workload(tasks=(chain(0.1),) * 5, limit=2)
    assert list(limited.nominal_starts) == pytest.approx([0.0, 0.0, 0.1, 0.1, 0.2])
