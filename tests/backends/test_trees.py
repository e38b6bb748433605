"""Task trees on every installed backend: each parent spawns its children with the
backend's own structured primitive and ends only once they have."""

from __future__ import annotations

import sys
from typing import cast

import pytest

from concbench.framework import Backend, Step, StepKind, Task, Workload, sleep
from concbench.framework.measure.registry import default_registry
from concbench.framework.measure.runner import plan
from concbench.scenarios.tree import tree
from support.backends import execute

pytestmark = pytest.mark.timing  # real runs, asserted against the clock

S = 0.2


def test_parents_spawn_their_children_after_their_steps_and_wait_for_them(
    backend_cls: type[Backend],
) -> None:
    # every node works S/4, then spawns 2 children: 3 levels, ideal 3 x S/4, serial 14 x S/4
    w = tree.workload({"levels": 3, "branches": 2, "seconds": S / 4, "nodes": "all"})
    trace = execute(backend_cls, w)  # checks each child's spawn and each parent's join
    offsets = w.step_offsets
    for child, parent in enumerate(w.parents):
        if parent == -1:
            continue
        assert trace.spawn_ns[child] >= trace.step_end_ns[offsets[parent + 1] - 1]
        assert trace.end_ns[parent] >= trace.end_ns[child]
    assert w.ideal_s == pytest.approx(3 * S / 4)
    assert trace.wall_s >= 0.99 * w.ideal_s
    assert trace.wall_s < 0.6 * w.serial_s  # the levels' sleeps overlap


def test_sleep_leaves_of_a_wide_tree_overlap(backend_cls: type[Backend]) -> None:
    w = tree.workload({"levels": 3, "branches": 4, "seconds": S})  # 64 leaves
    trace = execute(backend_cls, w)
    assert trace.wall_s >= 0.99 * S
    assert trace.wall_s < 0.1 * w.serial_s


def test_a_tree_of_empty_leaves_runs(backend_cls: type[Backend]) -> None:
    w = tree.workload({"levels": 4, "branches": 3, "kind": "none"})
    trace = execute(backend_cls, w)
    assert all(trace.end_ns)


def test_an_error_in_a_leaf_propagates_through_its_parents(backend_cls: type[Backend]) -> None:
    if backend_cls.trees_unsupported:
        pytest.skip(backend_cls.trees_unsupported)
    bogus = Step(kind=cast(StepKind, "bogus"))
    w = Workload(tasks=(Task((), children=(1, 2)), Task((sleep(0.01),)), Task((bogus,))))
    with pytest.raises(Exception) as caught:  # noqa: PT011 - trio wraps it in groups
        execute(backend_cls, w, check_support=False)
    error: BaseException = caught.value
    while hasattr(error, "exceptions"):  # a nursery's group, inside its parent's group
        (error,) = error.exceptions
    assert isinstance(error, NotImplementedError)


def test_backends_that_cannot_run_trees_say_why() -> None:
    from concbench.backends.dask_backend import DaskBackend
    from concbench.backends.processes_backend import ProcessesBackend

    w = tree.workload({"levels": 2, "branches": 2})
    for cls in (ProcessesBackend, DaskBackend):
        reason = cls.unsupported_reason(w)
        assert reason is not None
        assert reason.startswith(f"backend {cls.name!r} cannot run task trees: ")
        assert cls.unsupported_reason(Workload(tasks=(Task((sleep(0.1),)),))) is None


def test_a_thread_pool_runs_a_tree_with_a_worker_beyond_its_parents() -> None:
    from concbench.backends.threads_backend import ThreadsBackend

    w = tree.workload({"levels": 3, "branches": 3, "seconds": S / 4})  # 12 parents
    config = {"workers": 12}
    reason = ThreadsBackend.check_resources(w, config)
    assert reason is not None
    assert "can deadlock on this task tree" in reason
    assert "-o workers=13" in reason
    assert ThreadsBackend.check_resources(w, {"workers": 13}) is None
    trace = execute(ThreadsBackend(workers=13), w)  # 12 parents hold 12 workers; one runs leaves
    assert trace.wall_s >= 0.99 * w.ideal_s


def test_planning_a_tree_on_every_backend_records_the_ones_that_cannot_as_skipped() -> None:
    # the process pool's note and compare check once built a limited copy of the workload,
    # which a tree refuses: `concbench compare -s tree` stopped with that error
    registry = default_registry()
    backends: list[tuple[str, dict[str, object]]] = [(n, {}) for n in ("asyncio", "processes")]
    jobs = plan(registry, "tree", {"levels": 2, "branches": 2}, backends)
    skips = {job.backend: job.skip_reason for job in jobs}
    assert skips["asyncio"] is None
    assert skips["processes"] is not None
    assert "cannot run task trees" in skips["processes"]
    workload = registry.scenario("tree").workload({"levels": 2, "branches": 2})
    processes = registry.backend("processes")
    config = {"workers": 0, "start": "spawn"}
    assert processes.compare_skip_reason(workload, config) is None


def test_asyncio_loops_run_a_tree_with_task_groups_too(backend_cls: type[Backend]) -> None:
    if "group" not in {option.name for option in backend_cls.options}:
        pytest.skip(f"{backend_cls.name} has no `group` option")
    if sys.version_info < (3, 11):
        pytest.skip("asyncio.TaskGroup needs Python >= 3.11")
    w = tree.workload({"levels": 3, "branches": 3, "seconds": S / 4, "nodes": "all"})
    trace = execute(backend_cls, w, group="taskgroup")
    assert trace.wall_s >= 0.99 * w.ideal_s
    assert trace.wall_s < 0.6 * w.serial_s
    bogus = Step(kind=cast(StepKind, "bogus"))
    failing = Workload(tasks=(Task((), children=(1,)), Task((bogus,))))
    with pytest.raises(Exception) as caught:  # noqa: PT011 - an ExceptionGroup, in a group
        execute(backend_cls, failing, check_support=False, group="taskgroup")
    error: BaseException = caught.value
    while hasattr(error, "exceptions"):  # the child's group, inside its parent's
        (error,) = error.exceptions
    assert isinstance(error, NotImplementedError)
