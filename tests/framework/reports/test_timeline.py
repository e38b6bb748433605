"""Timelines of real runs: the teaching example's overlap, the blocked loop's queue, a density."""

from __future__ import annotations

import math

import pytest

from concbench.framework.model.workload import StepKind
from concbench.framework.reports.timeline import MAX_LANES, build_timeline
from support.stores import FANOUT_TASKS, SEED_SCALE, Store

TASK_S, MAIN_S = 1.0 * SEED_SCALE, 0.5 * SEED_SCALE


def test_seed_on_a_coroutine_backend_overlaps_main_and_both_tasks(store: Store) -> None:
    timeline = build_timeline(store.trace_of("seed", "asyncio"))
    assert [lane.name for lane in (timeline.main, *timeline.lanes)] == ["main", "task 0", "task 1"]
    assert timeline.density is None
    for lane in timeline.lanes:
        assert lane.spawn_s is not None
        assert lane.spawn_s <= lane.start_s
        # each task runs while main still runs its own step: they overlap
        assert lane.start_s < timeline.main_done_s < lane.end_s
        [span] = lane.spans
        assert span.kind is StepKind.SLEEP
        assert span.end_s - span.start_s >= 0.99 * TASK_S
    [main_step] = timeline.main.spans
    assert main_step.kind is StepKind.SLEEP
    assert timeline.main.spawn_s is None
    assert timeline.main_done_s >= 0.99 * MAIN_S
    assert timeline.wall_s < 0.6 * (2 * TASK_S + MAIN_S)  # far from serial


def test_seed_blocking_on_asyncio_runs_main_and_the_tasks_one_after_another(store: Store) -> None:
    timeline = build_timeline(store.trace_of("seed-blocking", "asyncio"))
    first, second = timeline.lanes
    assert first.spans[0].kind is StepKind.BLOCK
    assert first.start_s >= timeline.main_done_s  # the loop was blocked by main's step
    assert second.start_s >= first.end_s  # and then by the first task's
    assert second.spawn_s is not None
    assert second.start_s - second.spawn_s >= 0.9 * (MAIN_S + TASK_S)  # spawned, kept waiting
    assert timeline.wall_s >= 0.9 * (2 * TASK_S + MAIN_S)


def test_seed_blocking_on_threads_still_overlaps(store: Store) -> None:
    timeline = build_timeline(store.trace_of("seed-blocking", "threads"))
    first, second = timeline.lanes
    assert first.start_s < second.end_s
    assert second.start_s < first.end_s
    assert timeline.wall_s < 0.6 * (2 * TASK_S + MAIN_S)


def test_a_small_fanout_is_drawn_one_lane_per_task(store: Store) -> None:
    timeline = build_timeline(store.trace_of("fanout", "asyncio", tasks=FANOUT_TASKS[0]))
    assert len(timeline.lanes) == FANOUT_TASKS[0] <= MAX_LANES
    assert timeline.main.spans == ()  # fanout's main has no steps of its own


def test_many_tasks_become_a_density_that_accounts_for_every_task(store: Store) -> None:
    tasks = FANOUT_TASKS[1]
    stored = store.trace_of("fanout", "asyncio", tasks=tasks)
    timeline = build_timeline(stored, bins=50)
    density = timeline.density
    assert density is not None
    assert timeline.lanes == ()
    assert tasks > MAX_LANES
    assert len(density.edges_s) == len(density.running) + 1 == 51
    assert density.spawned[-1] == density.started[-1] == density.ended[-1] == tasks
    assert density.spawned[0] <= density.started[0]
    assert density.ended[0] == 0
    for spawned, started, ended in zip(
        density.spawned, density.started, density.ended, strict=True
    ):
        assert spawned >= started >= ended
    # the area under "running" is the tasks' total running time
    trace = stored.trace
    busy = (
        math.fsum(end - start for start, end in zip(trace.start_ns, trace.end_ns, strict=True))
        / 1e9
    )
    width = density.edges_s[1] - density.edges_s[0]
    assert math.fsum(density.running) * width == pytest.approx(busy, rel=1e-6)
    assert 1 <= density.peak <= tasks
    assert max(density.running) <= density.peak + 1e-9
