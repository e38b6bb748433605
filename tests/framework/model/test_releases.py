"""Release times in the model: what a workload accepts, its ideal, and the trace's check."""

from __future__ import annotations

import pytest

from concbench.framework import (
    Channel,
    ContractError,
    ModelError,
    Recorder,
    Task,
    Workload,
    get,
    put,
    sleep,
)

TASK = Task((sleep(0.1),))


def test_the_ideal_is_the_last_release_plus_its_work() -> None:
    workload = Workload(tasks=(TASK, TASK, TASK), releases=(0.0, 0.5, 2.0))
    assert workload.ideal_s == pytest.approx(2.1)
    assert workload.serial_s == pytest.approx(0.3)
    assert list(workload.nominal_starts) == [0.0, 0.5, 2.0]


def test_under_a_limit_a_released_task_waits_for_a_slot() -> None:
    # one slot: the second task is released at 0.05 but the first holds the slot to 0.1;
    # the third is released long after both ended
    workload = Workload(tasks=(TASK, TASK, TASK), releases=(0.0, 0.05, 1.0), limit=1)
    assert list(workload.nominal_starts) == pytest.approx([0.0, 0.1, 1.0])
    assert workload.ideal_s == pytest.approx(1.1)


def test_scaling_a_workload_scales_its_releases() -> None:
    workload = Workload(tasks=(TASK, TASK), releases=(0.0, 1.0)).scaled(0.1)
    assert workload.releases == pytest.approx((0.0, 0.1))


@pytest.mark.parametrize(
    ("releases", "message"),
    [
        ((0.0,), "one time per task"),
        ((0.0, -1.0), "in task order"),
        ((1.0, 0.5), "in task order"),
        ((0.0, float("nan")), "finite"),
    ],
)
def test_bad_release_times_are_refused(releases: tuple[float, ...], message: str) -> None:
    with pytest.raises(ModelError, match=message):
        Workload(tasks=(TASK, TASK), releases=releases)


def test_releases_with_main_steps_dependencies_or_channels_are_refused() -> None:
    with pytest.raises(ModelError, match="main releases the tasks"):
        Workload(tasks=(TASK,), main=(sleep(0.1),), releases=(0.0,))
    with pytest.raises(ModelError, match="main releases the tasks"):
        Workload(tasks=(TASK, Task((sleep(0.1),), after=(0,))), releases=(0.0, 0.0))
    with pytest.raises(ModelError, match="main releases the tasks"):
        Workload(
            tasks=(Task((put("c"),)), Task((get("c"),))),
            channels=(Channel("c"),),
            releases=(0.0, 0.0),
        )


def test_a_task_spawned_before_its_release_breaks_the_contract() -> None:
    workload = Workload(tasks=(Task(()), Task(())), releases=(0.0, 0.5))
    recorder = Recorder(workload)
    recorder.begin()
    for index in range(2):  # both at once: task 1 half a second early
        recorder.spawn(index)
        recorder.start(index)
    recorder.main_done()
    recorder.finish()
    with pytest.raises(ContractError, match=r"task 1 was spawned .* before its release"):
        recorder.trace().check(workload)
