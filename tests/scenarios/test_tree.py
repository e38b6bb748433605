"""The tree scenario: async_tree's shape, its leaf variants, and its reference times."""

from __future__ import annotations

from pathlib import Path

import pytest

from concbench.framework import ParameterError, StepKind, Workload
from concbench.framework.measure.registry import default_registry
from concbench.framework.measure.runner import Runner, RunSettings, plan
from concbench.framework.store.resultstore import ResultStore, read_records
from concbench.scenarios.tree import tree, tree_tasks


def build(**params: object) -> Workload:
    return tree.workload(params)


def test_levels_five_branches_five_has_3125_leaves_below_main() -> None:
    w = build(levels=5, branches=5, kind="none")
    leaves = [task for task in w.tasks if not task.children]
    assert len(leaves) == 3125
    assert len(w.tasks) == tree_tasks(5, 5) == 5 + 25 + 125 + 625 + 3125
    assert w.roots == (0, 1, 2, 3, 4)  # main spawns the first level, as recurse(levels)
    assert max(w.depths) == 5
    assert all(len(task.children) == 5 for task in w.tasks if task.children)


def test_sleep_leaves_overlap_so_the_ideal_is_one_leaf() -> None:
    w = build(levels=5, branches=5, kind="sleep", seconds=0.05)
    assert w.ideal_s == pytest.approx(0.05)
    assert w.serial_s == pytest.approx(3125 * 0.05)


@pytest.mark.parametrize("levels", [1, 3, 5])
def test_when_every_node_works_the_ideal_is_the_depth_times_the_leaf_time(levels: int) -> None:
    w = build(levels=levels, branches=3, kind="sleep", seconds=0.05, nodes="all")
    assert w.ideal_s == pytest.approx(levels * 0.05)
    assert w.serial_s == pytest.approx(len(w.tasks) * 0.05)


def test_none_leaves_have_no_work_at_all() -> None:
    w = build(levels=3, branches=4, kind="none")
    assert w.serial_s == w.ideal_s == 0.0
    assert not any(task.steps for task in w.tasks)


def test_memoization_leaves_sleep_only_on_a_cache_miss() -> None:
    w = build(levels=4, branches=6, kind="memoization")  # 1296 leaves, 90 memoizable values
    leaves = [task for task in w.tasks if not task.children]
    sleeping = sum(1 for task in leaves if task.steps)
    # every miss of the 90 cached values sleeps once, and every draw above 90 sleeps
    assert 90 < sleeping < 0.2 * len(leaves)
    assert build(levels=4, branches=6, kind="memoization", seed=1) != w  # the seed matters


def test_cpu_io_mixed_leaves_compute_about_half_the_time() -> None:
    w = build(levels=4, branches=6, kind="cpu_io_mixed")
    leaves = [task for task in w.tasks if not task.children]
    computing = sum(1 for task in leaves if task.steps and task.steps[0].kind is StepKind.CPU)
    assert 0.4 * len(leaves) < computing < 0.6 * len(leaves)


def test_io_leaves_make_requests() -> None:
    assert build(levels=2, branches=2, kind="io").kinds == frozenset({StepKind.IO})


def test_a_tree_too_big_is_refused_naming_the_parameters() -> None:
    with pytest.raises(ParameterError, match=r"levels=20 and branches=1000 make .* tasks"):
        build(levels=20, branches=1000)


def test_a_tree_of_100000_tasks_shares_its_leaves() -> None:
    w = build(levels=7, branches=5, kind="sleep")  # 97,655 tasks
    assert len(w.tasks) == 97_655
    leaves = {id(task) for task in w.tasks if not task.children}
    assert len(leaves) == 1  # one Task object, however many leaves


def test_a_tree_of_100000_tasks_stays_within_a_gibibyte_and_keeps_a_small_record(
    tmp_path: Path,
) -> None:
    store = tmp_path / "tree.jsonl"
    params = {"levels": 7, "branches": 5, "seconds": 0.01}  # 97,655 tasks
    jobs = plan(default_registry(), "tree", params, [("asyncio", {})])
    Runner(ResultStore(store), RunSettings(repeat=1, warmup=0, processes=1, timeout_s=300)).run(
        jobs
    )
    [record] = read_records(store)
    assert record.status.value == "ok", record.error
    assert record.tasks == 97_655
    assert record.peak_rss_kib is not None
    assert record.peak_rss_kib < 1024 * 1024  # the worker's peak: under 1 GiB
    for line in store.read_bytes().splitlines():
        assert len(line) < 64 * 1024  # a run's record holds figures, never a per-task list
