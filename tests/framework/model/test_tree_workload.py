"""Task trees in the model: the shape a workload accepts, its reference times, and the
trace check of a parent's spawn and join."""

from __future__ import annotations

import dataclasses
from array import array

import pytest

from concbench.framework import (
    Channel,
    ContractError,
    ModelError,
    Recorder,
    Task,
    Trace,
    Workload,
    get,
    put,
    sleep,
)

LEAF = Task((sleep(0.3),))
# task 0 works 0.1 s, then spawns 1 and 2; 1 works 0.2 s, then spawns 3 and 4
TREE = Workload(
    tasks=(
        Task((sleep(0.1),), children=(1, 2)),
        Task((sleep(0.2),), children=(3, 4)),
        LEAF,
        LEAF,
        Task((sleep(0.05),)),
    )
)


def test_the_ideal_is_the_longest_chain_from_the_root_down() -> None:
    assert TREE.ideal_s == pytest.approx(0.1 + 0.2 + 0.3)
    assert TREE.serial_s == pytest.approx(0.1 + 0.2 + 0.3 + 0.3 + 0.05)
    assert list(TREE.nominal_starts) == pytest.approx([0.0, 0.1, 0.1, 0.3, 0.3])
    assert TREE.roots == (0,)
    assert list(TREE.parents) == [-1, 0, 0, 1, 1]
    assert list(TREE.depths) == [1, 2, 2, 3, 3]


def test_main_runs_beside_the_tree() -> None:
    assert dataclasses.replace(TREE, main=(sleep(1.0),)).ideal_s == pytest.approx(1.0)


def test_a_tree_takes_no_fast_path_for_flat_shapes() -> None:
    empty = Workload(tasks=(Task((), children=(1,)), Task(())))
    assert empty.only_empty_tasks is False
    leafy = Workload(tasks=(Task((sleep(0.1),), children=(1,)), Task((sleep(0.1),))))
    assert leafy.single_sleeps is None
    assert Workload(tasks=(Task(()), Task(()))).only_empty_tasks  # still taken when flat


def test_scaling_keeps_the_tree() -> None:
    scaled = TREE.scaled(0.5)
    assert [task.children for task in scaled.tasks] == [task.children for task in TREE.tasks]
    assert scaled.ideal_s == pytest.approx(TREE.ideal_s / 2)


def test_a_pool_bound_gives_no_alternative_schedule_for_a_tree() -> None:
    assert TREE.starts_within(1) is None


@pytest.mark.parametrize(
    ("tasks", "message"),
    [
        (
            (Task((), children=(1,)), Task((), children=(0,))),
            r"child 0 must be a task listed after",
        ),
        ((Task((), children=(0,)),), r"child 0 must be a task listed after"),
        ((Task((), children=(5,)), Task(())), r"child 5 must be a task listed after"),
        (
            (Task((), children=(2,)), Task((), children=(2,)), Task(())),
            r"task 2 is a child of both task 0 and task 1",
        ),
    ],
)
def test_a_shape_that_is_no_tree_is_refused(tasks: tuple[Task, ...], message: str) -> None:
    with pytest.raises(ModelError, match=message):
        Workload(tasks=tasks)


@pytest.mark.parametrize(
    "extra",
    [
        {"limit": 1},
        {"channels": (Channel("c"),), "main": (put("c"), get("c"))},
    ],
    ids=["limit", "channels"],
)
def test_a_tree_with_a_limit_or_channels_is_refused(extra: dict[str, object]) -> None:
    with pytest.raises(ModelError, match=r"task trees .* cannot also have"):
        Workload(tasks=(Task((), children=(1,)), Task(())), **extra)  # type: ignore[arg-type]


def test_a_tree_with_dependencies_is_refused() -> None:
    with pytest.raises(ModelError, match=r"task trees .* cannot also have"):
        Workload(tasks=(Task((), children=(1,)), Task(()), Task((), after=(0,))))


TWO = Workload(tasks=(Task((sleep(0),), children=(1,)), Task((sleep(0),))))


def test_a_parent_ends_when_its_join_returns_not_with_its_last_step() -> None:
    recorder = Recorder(TWO)
    recorder.begin()
    recorder.spawn(0)
    recorder.start(0)
    recorder.step_done(0, 0)
    recorder.spawn(1)
    recorder.start(1)
    recorder.step_done(1, 0)
    recorder.end(0)  # the parent's join returned
    recorder.main_done()
    recorder.finish()
    trace = recorder.trace()
    trace.check(TWO)
    assert trace.end_ns[0] >= trace.end_ns[1] > trace.step_end_ns[0]


def tree_trace(*, child_spawn: int = 5, parent_end: int = 8) -> Trace:
    """Task 0 starts at 3, its step ends at 4; task 1 runs 6..7; the run is 1..9."""
    return Trace(
        begin_ns=1,
        main_done_ns=2,
        finish_ns=9,
        spawn_ns=array("q", [2, child_spawn]),
        start_ns=array("q", [3, 6]),
        end_ns=array("q", [parent_end, 7]),
        step_end_ns=array("q", [4, 7]),
        step_offsets=TWO.step_offsets,
    )


def test_a_faithful_tree_trace_passes() -> None:
    tree_trace().check(TWO)


def test_a_child_spawned_before_its_parent_ran_its_steps_breaks_the_contract() -> None:
    with pytest.raises(ContractError, match="task 1 was spawned before its parent"):
        tree_trace(child_spawn=3).check(TWO)


def test_a_parent_that_did_not_wait_for_its_child_breaks_the_contract() -> None:
    with pytest.raises(ContractError, match="task 0 ended before its child, task 1"):
        tree_trace(parent_end=6).check(TWO)
